"""`anonscore train`: fit the reason-code weights and the bias on labelled stored sessions.

Regularised logistic regression (`engine.scoring.kernels.fit_logistic`, numba) over the strengths
each session was scored on, pulled towards the model in force. The pull is on what each
reason code means alone, the score of a session where it is the only signal
(sigmoid(bias + weight)): when the data move the bias (the fraud rate of sessions with no
signal at all), each prior weight moves with it, so a code the data knows little about
keeps the score it had alone (a strong signal stays in the top band) instead of sinking
with the bias. Codes the data do know are fitted. The sessions are split by time: the fit
sees the older `1 - holdout` share, the report measures the newer share, for the model in
force and for the candidate. The candidate is written as a model file with a new `model_version`; it
goes live by a reload, as the shadow model first (`shadow_model` in service.toml) or in
place of `model.toml`. Contributions stay additive in logit units, so `reasons` still
explains every score.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import textwrap

import msgspec
import numpy as np
import numpy.typing as npt

from engine.config import ModelFile
from engine.scoring.kernels import fit_logistic, logistic_score
from engine.scoring.model import ScoringModel
from engine.scoring.training.data import Dataset

F64 = npt.NDArray[np.float64]
MAX_WEIGHT = 20.0  # config/model.toml's bound
TOP_BAND = 0.8  # config/model.toml's top band: where a strong signal lands alone


class Quality(msgspec.Struct):
    n: int
    positives: int
    auc: float | None
    brier: float | None
    caught_at_1pct: float | None
    caught_at_5pct: float | None


class TrainReport(msgspec.Struct):
    model: ModelFile
    rows: int
    counts: dict[str, int]
    base_rate: float
    holdout_from: float | None  # time the held-out share starts
    live: Quality
    candidate: Quality
    # (code, score alone in force, trained): the largest moves of what a code means alone
    moved: list[tuple[str, float, float]]
    floored: list[str] = []  # top-band codes raised to the floor (see `top_band_floor`)
    l2: float = 1.0
    floor: float = TOP_BAND


def auc(scores: F64, y: F64) -> float | None:
    """Area under the ROC curve (rank-based, ties counted half)."""
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos == 0 or neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def caught(scores: F64, y: F64, decline: float) -> float | None:
    """Share of fraud among the `decline` share of highest scores."""
    pos = y.sum()
    if pos == 0 or len(y) == 0:
        return None
    k = max(1, round(decline * len(y)))
    top = np.argsort(-scores, kind="mergesort")[:k]
    return float(y[top].sum() / pos)


def quality(scores: F64, y: F64) -> Quality:
    return Quality(
        n=len(y),
        positives=int(y.sum()),
        auc=auc(scores, y),
        brier=float(np.mean((scores - y) ** 2)) if len(y) else None,
        caught_at_1pct=caught(scores, y, 0.01),
        caught_at_5pct=caught(scores, y, 0.05),
    )


def fit_with_prior(
    x: F64, y: F64, prior: F64, prior_bias: float, l2: float, lowers: npt.NDArray[np.bool_]
) -> tuple[float, F64]:
    """(bias, weights): the L2 fit pulled towards each code's score alone under the prior
    (`fit_logistic` with `prior_bias`).

    Each weight keeps its code's direction: a risk signal never lowers the score and a code
    in `lowers` (good history) never raises it, so every reason reads the way its code says.
    The direction is the model file's (`lowers`), not the sign of the prior weight: a
    weight an earlier training held at 0 keeps its direction for the next. A weight the fit
    would turn round is held at 0 (its code left out of the fit) and the rest refitted:
    what the data say through it is then carried by the bias and the other codes."""
    sign = np.where(lowers, -1.0, 1.0)
    free = np.ones(len(prior), dtype=bool)
    while True:
        bias, fitted = fit_logistic(x[:, free], y, prior=prior[free], prior_bias=prior_bias, l2=l2)
        weights = np.zeros(len(prior))
        weights[free] = fitted
        flipped = free & (np.sign(weights) == -sign)
        if not flipped.any():
            return bias, weights
        free &= ~flipped


def top_band_floor(
    prior: F64, prior_bias: float, weights: F64, bias: float, floor: float
) -> tuple[F64, npt.NDArray[np.bool_]]:
    """A strong signal alone stays in the top band: each code that the prior puts at `floor`
    or above on its own (a Tor exit, automation, an emulator, a known-fraud device...) keeps
    at least `floor` alone after training; its weight is raised where the fit left it lower
    (the fit shares the credit among the signals that fire together, and a strong signal
    rarely fires alone in the data). `floor` 0 turns it off. Returns the weights and which
    were raised."""
    if floor <= 0:
        return weights, np.zeros(len(weights), dtype=bool)
    least = math.log(floor / (1 - floor)) - bias + 1e-3  # margin: the file rounds to 1e-4
    strong = prior_bias + prior >= math.log(floor / (1 - floor)) - 1e-9
    raised = strong & (weights < least)
    return np.where(raised, least, weights), raised


def train(
    data: Dataset,
    model: ScoringModel,
    *,
    l2: float = 1.0,
    holdout: float = 0.2,
    version: str | None = None,
    floor: float = TOP_BAND,
) -> TrainReport:
    if len(data.y) < 10 or data.y.sum() < 2 or data.y.sum() > len(data.y) - 2:
        raise ValueError(
            f"too little labelled data to train on ({len(data.y)} sessions, "
            f"{int(data.y.sum())} fraud); wait for more feedback"
        )
    prior = np.array(
        [float(model.weights[model.index[c]]) if c in model.index else 0.0 for c in data.codes]
    )
    order = np.argsort(data.at, kind="mergesort")
    cut = int(len(order) * (1 - holdout)) if 0 < holdout < 1 else len(order)
    fit_rows, test_rows = order[:cut], order[cut:]
    lowers = np.array([c in model.lowers for c in data.codes], dtype=bool)
    bias, weights = fit_with_prior(
        data.x[fit_rows], data.y[fit_rows], prior, model.bias, l2, lowers
    )
    weights = np.clip(weights, -MAX_WEIGHT, MAX_WEIGHT)
    bias = float(np.clip(bias, -MAX_WEIGHT, MAX_WEIGHT))
    weights, floored = top_band_floor(prior, model.bias, weights, bias, floor)
    test_x, test_y = data.x[test_rows], data.y[test_rows]
    candidate_scores, _ = logistic_score(test_x, weights, bias)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y.%m.%d")
    digest = hashlib.sha256(np.round(weights, 4).tobytes() + str(bias).encode()).hexdigest()[:6]
    new = ModelFile(
        version=version or f"{stamp}-trained-{digest}",
        bias=round(bias, 4),
        weights={c: round(float(w), 4) for c, w in zip(data.codes, weights, strict=True)},
        lowers=tuple(c for c, low in zip(data.codes, lowers, strict=True) if low),
    )
    alone_before = prior + model.bias
    alone_after = weights + bias
    moved = sorted(
        (
            (c, _sigmoid(a), _sigmoid(b))
            for c, a, b in zip(data.codes, alone_before, alone_after, strict=True)
        ),
        key=lambda m: -abs(_logit(m[2]) - _logit(m[1])),
    )
    return TrainReport(
        model=new,
        rows=len(data.y),
        counts=data.counts,
        base_rate=float(data.y.mean()),
        holdout_from=float(data.at[test_rows[0]]) if len(test_rows) else None,
        live=quality(data.scores[test_rows], test_y),
        candidate=quality(candidate_scores, test_y),
        moved=moved[:12],
        floored=[c for c, f in zip(data.codes, floored, strict=True) if f],
        l2=l2,
        floor=floor,
    )


def model_toml(report: TrainReport, source: str) -> str:
    """The candidate as a commented config/model.toml."""
    m = report.model
    held_out = (
        f"# held out (the newest share): live AUC {_f(report.live.auc)}, candidate AUC "
        f"{_f(report.candidate.auc)}; fraud caught at a 5% decline rate: live "
        f"{_f(report.live.caught_at_5pct)}, candidate {_f(report.candidate.caught_at_5pct)}"
        if report.candidate.n
        else "# no held-out share (--holdout 0): every labelled session was fitted"
    )
    about = (
        f"A trained model (anonscore train): L2-regularised logistic regression on the "
        f"labelled sessions of {source}, pulled (l2 {report.l2:g}) towards each code's score "
        "alone under the model then in force; every weight keeps its code's direction "
        "(`lowers`: the codes that only lower the score)."
    )
    if report.floored:
        about += (
            f" Raised to stay at {report.floor:g} alone (strong signals, the top band): "
            + ", ".join(report.floored)
            + "."
        )
    lines = [
        *textwrap.wrap(about, 88, initial_indent="# ", subsequent_indent="# "),
        *textwrap.wrap(
            f"{report.rows} sessions, base rate {report.base_rate:.4f}; "
            + ", ".join(f"{k}: {v}" for k, v in sorted(report.counts.items())),
            88,
            initial_indent="# ",
            subsequent_indent="# ",
        ),
        held_out,
        "# At this base rate the score is a probability of fraud. Put it live by a reload: as",
        "# `shadow_model` in service.toml first, then in place of model.toml.",
        f'version = "{m.version}"',
        f"bias = {m.bias}",
        "# codes that only lower the score: training keeps them at 0 or below",
        "lowers = [" + ", ".join(f'"{c}"' for c in m.lowers) + "]",
        "",
        "[weights]",
    ]
    lines += [f"{code} = {weight}" for code, weight in m.weights.items()]
    return "\n".join(lines) + "\n"


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def _f(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.4f}"
