"""Evaluation of a population run against its ground truth.

`python -m tools.evaluate --help` describes it. The layers: `metrics` (pure numpy: AUC,
ROC, decline catch rate, Brier, calibration, per-signal precision and recall) <- `data`
(joining a run's scores with its truth) <- `plots` (matplotlib, Agg) and `report` (Markdown
and JSON) <- `cli`.
"""

from .cli import main
from .data import Run, load
from .metrics import auc, brier, calibration, decline, roc, signals
from .report import evaluate, write

__all__ = [
    "Run",
    "auc",
    "brier",
    "calibration",
    "decline",
    "evaluate",
    "load",
    "main",
    "roc",
    "signals",
    "write",
]
