"""Reading a population run: the service's answers joined with the ground truth."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass
class Run:
    """One run, one row per session (in the order of `scores.jsonl`)."""

    seed: str
    model: str
    y: npt.NDArray[np.int8]  # 1 fraud, 0 good
    score: npt.NDArray[np.float64]
    pattern: list[str]
    tenant: list[str]
    day: list[int]
    channel: list[str]
    tags: list[tuple[str, ...]]
    flags: list[frozenset[str]]
    codes: list[frozenset[str]]
    meta: dict[str, Any]
    session_ids: list[str]

    def __len__(self) -> int:
        return len(self.y)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: not found; give the output directory of python -m tools.population"
        ) from None


def load(run_dir: Path) -> Run:
    """Join `scores.jsonl` and `truth.jsonl` on the session id; `run.json` names the seed."""
    scores = _jsonl(run_dir / "scores.jsonl")
    truth = {row["session_id"]: row for row in _jsonl(run_dir / "truth.jsonl")}
    missing = sum(1 for s in scores if s["session_id"] not in truth)
    if missing:
        raise ValueError(f"{run_dir}: {missing} scored sessions have no truth; a mixed run?")
    if not scores:
        raise ValueError(f"{run_dir}: scores.jsonl is empty; nothing to evaluate")
    meta_path = run_dir / "run.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    rows = [(s, truth[s["session_id"]]) for s in scores]
    models = sorted({s["model_version"] for s in scores})
    return Run(
        session_ids=[str(sc["session_id"]) for sc, _ in rows],
        seed=str(meta.get("seed", "unknown")),
        model=" + ".join(models),
        y=np.array([t["label"] in ("fraud", "damage") for _, t in rows], dtype=np.int8),
        score=np.array([s["score"] for s, _ in rows], dtype=np.float64),
        pattern=[t["pattern"] for _, t in rows],
        tenant=[s["tenant"] for s, _ in rows],
        day=[int(s["day"]) for s, _ in rows],
        channel=[t.get("channel", "") for _, t in rows],
        tags=[tuple(t.get("tags", ())) for _, t in rows],
        flags=[frozenset(s["flags"]) for s, _ in rows],
        codes=[frozenset(r["code"] for r in s["reasons"]) for s, _ in rows],
        meta=meta,
    )
