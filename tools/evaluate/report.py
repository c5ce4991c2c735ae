"""The evaluation of one run: every metric computed once (`evaluate`), then written as a
Markdown report with its figures, and as JSON for comparing runs and models."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import plots
from .data import Run
from .metrics import (
    Bin,
    Cut,
    Signal,
    auc,
    brier,
    calibration,
    cut_at_rate,
    cut_at_score,
    decline,
    signals,
)

RATES = (0.01, 0.05)
# the threshold tables: decline rates a lender might choose, and score cuts (probabilities)
TABLE_RATES = (0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2)
TABLE_SCORES = (0.9, 0.8, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005)
FIGURES = {"roc": "roc.png", "reliability": "reliability.png", "histogram": "scores.png"}


def evaluate(run: Run) -> dict[str, Any]:
    """Every number of the report."""
    y, s = run.y, run.score
    declines = {r: decline(y, s, r) for r in RATES}
    base = float(y.mean())
    out: dict[str, Any] = {
        "seed": run.seed,
        "model": run.model,
        "sessions": len(run),
        "fraud": int(y.sum()),
        "fraud_rate": base,
        "auc": auc(y, s),
        "brier": brier(y, s),
        "brier_base_rate": base * (1 - base),  # always predicting the base rate
        "decline": {
            f"{r:.0%}": {
                "caught": d.caught,
                "threshold": d.threshold,
                "tie_share": d.tie_share,
                "precision": float((d.weights * y).sum() / max(d.weights.sum(), 1e-12)),
            }
            for r, d in declines.items()
        },
        "decline_table": [cut_at_rate(y, s, r)._asdict() for r in TABLE_RATES],
        "score_table": [cut_at_score(y, s, t)._asdict() for t in TABLE_SCORES],
        "calibration": [b._asdict() for b in calibration(y, s)],
        "reasons": [x._asdict() for x in signals(y, run.codes)],
        "flags": [x._asdict() for x in signals(y, run.flags)],
    }
    w1, w5 = declines[0.01].weights, declines[0.05].weights
    out["patterns"] = _groups(run, [[p] if p != "honest" else [] for p in run.pattern], w1, w5, 1)
    honest_tags = [[*t, "all honest"] if not yy else [] for t, yy in zip(run.tags, y, strict=True)]
    out["honest_segments"] = _groups(run, honest_tags, w1, w5, 0)
    out["tenants"] = {}
    for tenant in sorted(set(run.tenant)):
        m = np.array([t == tenant for t in run.tenant])
        out["tenants"][tenant] = {
            "sessions": int(m.sum()),
            "fraud": int(y[m].sum()),
            "auc": auc(y[m], s[m]),
            "caught_5%": float((w5[m] * y[m]).sum() / y[m].sum()) if y[m].sum() else math.nan,
            "declined_5%": float(w5[m].mean()),
        }
    out["run"] = {k: run.meta.get(k) for k in ("code", "settings", "timing_s")}
    return out


def _groups(
    run: Run, keys: Sequence[Sequence[str]], w1: Any, w5: Any, label: int
) -> list[dict[str, Any]]:
    rows = []
    for name in sorted({k for ks in keys for k in ks}):
        m = np.array([name in ks for ks in keys])
        codes = Counter(code for cs, keep in zip(run.codes, m, strict=True) if keep for code in cs)
        scores = run.score[m]
        rows.append(
            {
                "name": name,
                "sessions": int(m.sum()),
                "declined_1%": float(w1[m].mean()),
                "declined_5%": float(w5[m].mean()),
                "mean_score": float(scores.mean()),
                "median_score": float(np.median(scores)),
                "top_reasons": [f"{c} ({n})" for c, n in codes.most_common(4)],
            }
        )
    return sorted(rows, key=lambda r: -r["declined_5%"] if label else r["declined_5%"])


def write(run: Run, out_dir: Path, candidate: dict[str, Any] | None = None) -> dict[str, Any]:
    """`report.md`, `metrics.json` and the PNG figures in `out_dir`; with `candidate` (see
    candidate.py), its comparison with the live model too."""
    out_dir.mkdir(parents=True, exist_ok=True)
    m = evaluate(run)
    if candidate is not None:
        m["candidate"] = candidate
    plots.roc_curve(run, out_dir / FIGURES["roc"])
    plots.reliability(run, [Bin(**b) for b in m["calibration"]], out_dir / FIGURES["reliability"])
    plots.histograms(run, out_dir / FIGURES["histogram"])
    (out_dir / "metrics.json").write_text(json.dumps(m, indent=2, default=_json) + "\n")
    text = markdown(m)
    if candidate is not None:
        from .candidate import markdown as candidate_markdown

        tag = f"population seed {m['seed']}, model {m['model']}"
        text += "\n".join(candidate_markdown(candidate, tag)) + "\n"
    (out_dir / "report.md").write_text(text, encoding="utf-8")
    return m


def _json(x: Any) -> Any:
    return None if isinstance(x, float) and not math.isfinite(x) else str(x)


def _pct(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{100 * x:.1f}%"


def _num(x: float, digits: int = 3) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def markdown(m: dict[str, Any]) -> str:
    tag = f"population seed {m['seed']}, model {m['model']}"
    d1, d5 = m["decline"]["1%"], m["decline"]["5%"]
    run = m["run"] or {}
    lines = [
        f"# anonscore evaluation - {tag}",
        "",
        f"{m['sessions']} sessions, {m['fraud']} fraudulent ({_pct(m['fraud_rate'])}), "
        f"{len(m['tenants'])} tenants. Code: {run.get('code') or 'unknown'}.",
        "",
        f"## Headline - {tag}",
        "",
        "| metric | value |",
        "|---|---|",
        f"| AUC | {_num(m['auc'])} |",
        f"| fraud caught declining 1% of applicants | {_pct(d1['caught'])} (score > "
        f"{_num(d1['threshold'], 4)}; precision {_pct(d1['precision'])}) |",
        f"| fraud caught declining 5% of applicants | {_pct(d5['caught'])} (score > "
        f"{_num(d5['threshold'], 4)}; precision {_pct(d5['precision'])}) |",
        f"| Brier score | {_num(m['brier'], 4)} (base-rate forecast: "
        f"{_num(m['brier_base_rate'], 4)}) |",
        "",
        "A decline threshold that falls on a group of equal scores declines that group in part "
        "(a random tie-break): its sessions count with the declined share.",
        "",
        f"![ROC curve, {tag}]({FIGURES['roc']})",
        f"![Reliability diagram, {tag}]({FIGURES['reliability']})",
        f"![Scores by class, {tag}]({FIGURES['histogram']})",
        "",
        f"## Choosing thresholds - {tag}",
        "",
        "By decline rate: the score above which that share of applicants is declined, and what "
        "it does.",
        "",
        "| decline rate | score above | fraud caught | fraud among declined | honest declined |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [_cut_row(Cut(**c), _pct(c["declined"])) for c in m["decline_table"]]
    lines += [
        "",
        "By score (the score is a probability of fraud at the trained base rate): declining "
        "every score at or above it.",
        "",
        "| score at or above | declined | fraud caught | fraud among declined | honest declined |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [_cut_row(Cut(**c), _num(c["threshold"], 3), by_score=True) for c in m["score_table"]]
    lines += [
        "",
        f"## Fraud caught per pattern - {tag}",
        "",
        "| pattern | sessions | caught at 1% | caught at 5% | mean score | median | top reasons |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    lines += [_group_row(r) for r in m["patterns"]]
    lines += [
        "",
        f"## Honest applicants declined at 5%, per segment - {tag}",
        "",
        "| segment | sessions | declined at 1% | declined at 5% | mean score | median | "
        "top reasons |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    lines += [_group_row(r) for r in reversed(m["honest_segments"])]
    lines += [
        "",
        f"## Per tenant (one global threshold) - {tag}",
        "",
        "| tenant | sessions | fraud | AUC | fraud caught at 5% | declined at 5% |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {t} | {v['sessions']} | {v['fraud']} | {_num(v['auc'])} | {_pct(v['caught_5%'])} "
        f"| {_pct(v['declined_5%'])} |"
        for t, v in m["tenants"].items()
    ]
    for what, key in (("reason code", "reasons"), ("flag", "flags")):
        lines += [
            "",
            f"## Precision and recall per {what} - {tag}",
            "",
            f"| {what} | sessions | fraud | precision | recall | lift |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [_signal_row(Signal(**x)) for x in m[key]]
    lines += [
        "",
        f"## Calibration - {tag}",
        "",
        "| score bin | sessions | fraud | mean score | observed fraud rate (95% CI) |",
        "|---|---:|---:|---:|---|",
    ]
    for b in (Bin(**x) for x in m["calibration"]):
        lines.append(
            f"| {b.lo:g}-{b.hi:g} | {b.n} | {b.fraud} | {_num(b.mean_score, 4)} | "
            f"{_pct(b.observed)} ({_pct(b.low)}-{_pct(b.high)}) |"
        )
    return "\n".join(lines) + "\n"


def _cut_row(c: Cut, first: str, *, by_score: bool = False) -> str:
    second = _pct(c.declined) if by_score else _num(c.threshold, 4)
    return (
        f"| {first} | {second} | {_pct(c.caught)} | {_pct(c.precision)} | "
        f"{_pct(c.honest_declined)} |"
    )


def _group_row(r: dict[str, Any]) -> str:
    return (
        f"| {r['name']} | {r['sessions']} | {_pct(r['declined_1%'])} | {_pct(r['declined_5%'])} "
        f"| {_num(r['mean_score'])} | {_num(r['median_score'])} | {', '.join(r['top_reasons'])} |"
    )


def _signal_row(s: Signal) -> str:
    return (
        f"| {s.name} | {s.n} | {s.fraud} | {_pct(s.precision)} | {_pct(s.recall)} | "
        f"{_num(s.lift, 1)} |"
    )
