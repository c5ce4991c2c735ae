"""A candidate model beside the live one, on the same sessions: where they disagree.

The run's store holds, for each scored session, the rule strengths the kernel saw; the
candidate (a model file written by `anonscore train`) scores those same strengths, so the
two models are compared on identical evidence, offline, without the candidate ever having
answered anyone. The run's server secret (beside its config) finds each session's record (the store
knows a session only by a keyed hash of its token).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from engine.config import ModelFile, load_config
from engine.privacy.secrets import derive_keys, load_secret
from engine.schema import SessionRecord
from engine.scoring.model import ScoringModel
from engine.scoring.training.data import strengths_of
from engine.sessions.tokens import session_hash
from engine.store.keys import decode, session_key
from engine.store.regions import AllRegions

from .data import Run
from .metrics import auc, brier, decline

BANDS = ((0.0, "low"), (0.5, "review"), (0.8, "top"))


def band(score: float) -> str:
    name = BANDS[0][1]
    for edge, label in BANDS:
        if score >= edge:
            name = label
    return name


def candidate_scores(run_dir: Path, run: Run, candidate: Path) -> tuple[ModelFile, np.ndarray, int]:
    """The candidate's score for each session of `run` (NaN where the store has no
    strengths), the model, and how many sessions had none."""
    model_file = msgspec.convert(tomllib.loads(candidate.read_text()), ModelFile)
    cand = ScoringModel(model_file)
    live = ScoringModel(load_config(run_dir / "config").model)
    keys = derive_keys(load_secret(run_dir / "data", run_dir / "config"))
    store = AllRegions.open(run_dir / "data")
    rows: list[dict[str, float]] = []
    known: list[bool] = []
    try:
        for sid in run.session_ids:
            raw = store.get(session_key(session_hash(keys.hashing, sid)))
            strengths = strengths_of(decode(raw, SessionRecord), live) if raw is not None else None
            known.append(strengths is not None)
            rows.append(strengths or {})
    finally:
        store.close()
    scores = cand.score_many(rows) if rows else np.zeros(0)
    scores[~np.array(known, dtype=bool)] = np.nan
    return model_file, scores, int(len(known) - sum(known))


def compare(run: Run, model: ModelFile, cand: np.ndarray, missing: int) -> dict[str, Any]:
    """Both models on the sessions the candidate could score: headline figures, and the
    band changes (low < 0.5 <= review < 0.8 <= top) per class and pattern."""
    ok = ~np.isnan(cand)
    y, live, new = run.y[ok], run.score[ok], cand[ok]
    patterns = [p for p, keep in zip(run.pattern, ok, strict=True) if keep]

    def figures(s: np.ndarray) -> dict[str, float]:
        return {
            "auc": auc(y, s),
            "brier": brier(y, s),
            "caught_1pct": decline(y, s, 0.01).caught,
            "caught_5pct": decline(y, s, 0.05).caught,
        }

    moves: dict[str, dict[str, int]] = {}
    for p, a, b in zip(patterns, live, new, strict=True):
        key = f"{band(float(a))} -> {band(float(b))}"
        if key.split(" -> ")[0] != key.split(" -> ")[1]:
            moves.setdefault(p, {}).setdefault(key, 0)
            moves[p][key] += 1
    return {
        "version": model.version,
        "sessions": int(ok.sum()),
        "without_strengths": missing,
        "live": figures(live),
        **figures(new),
        "band_changes": moves,
        "mean_abs_difference": float(np.mean(np.abs(new - live))) if len(new) else 0.0,
    }


def markdown(c: dict[str, Any], tag: str) -> list[str]:
    def n(x: float) -> str:
        return "n/a" if x is None or x != x else f"{x:.3f}"

    lines = [
        "",
        f"## Candidate {c['version']} beside the live model - {tag}",
        "",
        f"Both scored on the same stored rule strengths of {c['sessions']} sessions"
        + (
            f" ({c['without_strengths']} without stored strengths left out)"
            if c["without_strengths"]
            else ""
        )
        + f"; mean |candidate - live| = {c['mean_abs_difference']:.3f}.",
        "",
        "| model | AUC | Brier | caught at 1% | caught at 5% |",
        "|---|---|---|---|---|",
        f"| live | {n(c['live']['auc'])} | {n(c['live']['brier'])} | "
        f"{n(c['live']['caught_1pct'])} | {n(c['live']['caught_5pct'])} |",
        f"| candidate | {n(c['auc'])} | {n(c['brier'])} | {n(c['caught_1pct'])} | "
        f"{n(c['caught_5pct'])} |",
        "",
        "Where they disagree (sessions changing band; low < 0.5 <= review < 0.8 <= top):",
        "",
        "| class or pattern | band change | sessions |",
        "|---|---|---|",
    ]
    for pattern, changes in sorted(c["band_changes"].items()):
        for change, count in sorted(changes.items(), key=lambda kv: -kv[1]):
            lines.append(f"| {pattern} | {change} | {count} |")
    if not c["band_changes"]:
        lines.append("| (none) | | |")
    return lines
