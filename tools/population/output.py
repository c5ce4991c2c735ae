"""What a run leaves in its output directory, and nothing else:

- `truth.jsonl`: per session, the ground truth (label, pattern, actor, tenant, day,
  channel, tags, the feedback sent); only the evaluator reads it.
- `scores.jsonl`: per session, what the service answered (score, raised flags, reasons,
  model version, device id and confidence) with tenant and day: what a lender saw.
- `run.json`: the settings, the population summary, timings, model and code version.
- `config/` and `data/`: the service's config copy and its store (feedback included), so
  training and backtests can work on the run later.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .applicant import Application
from .catalogue import DAY, T0

TRUTH, SCORES, META = "truth.jsonl", "scores.jsonl", "run.json"
_OWN = (TRUTH, SCORES, META, "config", "data")


def prepare(out: Path, *, force: bool) -> None:
    """Make `out` ready for a new run: refuse to mix runs unless `force`."""
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out}: not a directory; choose another --out")
    taken = [name for name in _OWN if (out / name).exists()]
    if taken and not force:
        raise FileExistsError(
            f"{out}: already holds a run ({', '.join(taken)}); pass --force to replace it "
            "or choose another --out"
        )
    for name in taken:
        path = out / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    out.mkdir(parents=True, exist_ok=True)


def truth_row(sid: str, a: Application) -> dict[str, Any]:
    return {
        "session_id": sid,
        "label": "fraud" if a.fraud else "good",
        "pattern": a.pattern,
        "actor": a.actor,
        "tenant": a.tenant,
        "day": a.day,
        "channel": a.channel,
        "tags": list(a.tags),
        "feedback": a.feedback,
        "feedback_day": None if a.feedback_at is None else round((a.feedback_at - T0) / DAY, 2),
    }


def score_row(sid: str, a: Application, answer: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "session_id": sid,
        "tenant": a.tenant,
        "day": a.day,
        "score": answer["score"],
        "flags": sorted(k for k, v in answer["flags"].items() if v),
        "reasons": answer["reasons"],
        "model_version": answer["model_version"],
        "device_id": answer["device_id"],
        "device_confidence": answer["device_confidence"],
    }


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, separators=(",", ":")) + "\n")


def write_meta(path: Path, meta: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
