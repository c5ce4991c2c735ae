"""The figures (matplotlib, Agg backend: no display needed). Every title names the
population seed and the model version."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .data import Run
from .metrics import EDGES, Bin, auc, roc


def title(run: Run, what: str) -> str:
    return f"{what}\npopulation seed {run.seed}, model {run.model}"


def roc_curve(run: Run, path: Path) -> None:
    fpr, tpr = roc(run.y, run.score)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.plot(fpr, tpr, lw=2, label=f"AUC {auc(run.y, run.score):.3f}")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="random")
    for rate, style in ((0.01, ":"), (0.05, "-.")):
        ax.axvline(rate, c="tab:red", ls=style, lw=1, label=f"{rate:.0%} false positives")
    ax.set(
        xlabel="false positive rate (honest declined)", ylabel="true positive rate (fraud caught)"
    )
    ax.set(xlim=(0, 1), ylim=(0, 1.01), title=title(run, "ROC curve"))
    ax.legend(loc="lower right")
    _save(fig, path)


def reliability(run: Run, bins: list[Bin], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    used = [b for b in bins if b.n]
    x = np.array([b.mean_score for b in used])
    yv = np.array([b.observed for b in used])
    err = np.array([[b.observed - b.low for b in used], [b.high - b.observed for b in used]])
    err = np.maximum(err, 0.0)  # rounding: a Wilson bound may pass the rate by 1e-17
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfect calibration")
    ax.errorbar(x, yv, yerr=err, fmt="o-", capsize=3, label="observed fraud rate (95% CI)")
    for b, xi, yi in zip(used, x, yv, strict=True):
        ax.annotate(f"n={b.n}", (xi, yi), textcoords="offset points", xytext=(5, -12), fontsize=7)
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_yscale("symlog", linthresh=0.01)
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="mean predicted score in bin",
        ylabel="observed fraud rate",
        title=title(run, "Reliability diagram"),
    )
    ax.legend(loc="upper left", fontsize=8)
    _save(fig, path)


def histograms(run: Run, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    bins = [i / 50 for i in range(51)]
    for label, colour, name in ((0, "tab:blue", "good"), (1, "tab:red", "fraud")):
        scores = run.score[run.y == label]
        ax.hist(scores, bins=bins, alpha=0.6, color=colour, label=f"{name} (n={len(scores)})")
    ax.set_yscale("log")
    ax.set(xlabel="score", ylabel="sessions (log scale)", title=title(run, "Scores by class"))
    ax.legend()
    _save(fig, path)


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


__all__ = ["EDGES", "histograms", "reliability", "roc_curve"]
