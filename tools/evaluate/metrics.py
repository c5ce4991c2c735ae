"""The evaluation metrics, in numpy: rank-based AUC with ties, the ROC curve, the share of
fraud caught at a decline rate, the Brier score, calibration bins, and precision and
recall of each reason code and flag.

Ties matter here: hand-set weights give many sessions exactly the same score, so a decline
threshold may fall inside a group of equal scores. Such a group is declined in part, as if
the lender broke the tie at random: each of its sessions counts with the declined fraction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Labels = npt.ArrayLike

# Reliability bins: fine where most scores are (fraud is rare), coarse above.
EDGES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)


def _xy(y: Labels, score: Labels) -> tuple[npt.NDArray[np.int8], Floats]:
    yy = np.asarray(y, dtype=np.int8)
    ss = np.asarray(score, dtype=np.float64)
    if yy.shape != ss.shape or yy.ndim != 1:
        raise ValueError("labels and scores must be 1-d arrays of one length")
    return yy, ss


def average_ranks(x: Floats) -> Floats:
    """1-based ranks, ties given the mean of the ranks they span."""
    order = np.argsort(x, kind="mergesort")
    _, inverse, counts = np.unique(x[order], return_inverse=True, return_counts=True)
    ends = np.cumsum(counts).astype(np.float64)
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = (ends - (counts - 1) / 2)[inverse]
    return ranks


def auc(y: Labels, score: Labels) -> float:
    """Area under the ROC curve (Mann-Whitney U; ties count one half). NaN with one class."""
    yy, ss = _xy(y, score)
    pos, neg = int(yy.sum()), int(len(yy) - yy.sum())
    if pos == 0 or neg == 0:
        return math.nan
    ranks = average_ranks(ss)
    return float((ranks[yy == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def roc(y: Labels, score: Labels) -> tuple[Floats, Floats]:
    """(false positive rate, true positive rate) at every distinct threshold, from (0, 0)."""
    yy, ss = _xy(y, score)
    if len(yy) == 0:
        return np.zeros(1), np.zeros(1)
    order = np.argsort(-ss, kind="mergesort")
    ys, sorted_scores = yy[order], ss[order]
    last = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(ys) - 1]  # end of each tie group
    tp = np.cumsum(ys)[last].astype(np.float64)
    fp = (last + 1 - tp).astype(np.float64)
    pos, neg = max(tp[-1], 1.0), max(fp[-1], 1.0)
    return np.r_[0.0, fp / neg], np.r_[0.0, tp / pos]


class Decline(NamedTuple):
    rate: float  # share of applicants declined
    threshold: float  # scores above are declined; at it, `tie_share` of them
    tie_share: float
    caught: float  # share of fraud declined
    weights: Floats  # per session: how much of it is declined (0, 1, or tie_share)


def decline(y: Labels, score: Labels, rate: float) -> Decline:
    """The lender declines the riskiest `rate` of applicants: how much fraud that catches."""
    yy, ss = _xy(y, score)
    if not 0 <= rate <= 1:
        raise ValueError("decline rate must be between 0 and 1")
    n = len(ss)
    budget = rate * n
    if n == 0 or budget == 0:
        return Decline(rate, math.inf, 0.0, 0.0, np.zeros(n))
    desc = np.sort(ss)[::-1]
    threshold = float(desc[min(math.ceil(budget), n) - 1])
    above = ss > threshold
    at = ss == threshold
    share = (budget - above.sum()) / at.sum()
    weights = above.astype(np.float64) + at * share
    fraud = yy.sum()
    caught = float((weights * yy).sum() / fraud) if fraud else math.nan
    return Decline(rate, threshold, float(share), caught, weights)


class Cut(NamedTuple):
    """What declining at a cut does: one row of the report's threshold tables."""

    threshold: float  # scores above are declined (at it, in part: see `decline`)
    declined: float  # share of applicants declined
    caught: float  # share of fraud declined
    precision: float  # fraud rate among the declined
    honest_declined: float  # share of honest applicants declined


def cut_at_rate(y: Labels, score: Labels, rate: float) -> Cut:
    """Declining the riskiest `rate` of applicants (ties in part, as in `decline`)."""
    yy, ss = _xy(y, score)
    d = decline(yy, ss, rate)
    return _cut(yy, d.weights, d.threshold)


def cut_at_score(y: Labels, score: Labels, threshold: float) -> Cut:
    """Declining every applicant whose score is `threshold` or more."""
    yy, ss = _xy(y, score)
    return _cut(yy, (ss >= threshold).astype(np.float64), threshold)


def _cut(y: npt.NDArray[np.int8], weights: Floats, threshold: float) -> Cut:
    n, fraud = len(y), int(y.sum())
    honest = n - fraud
    declined = float(weights.sum())
    caught = float((weights * y).sum())
    return Cut(
        threshold,
        declined / n if n else math.nan,
        caught / fraud if fraud else math.nan,
        caught / declined if declined else math.nan,
        (declined - caught) / honest if honest else math.nan,
    )


def brier(y: Labels, score: Labels) -> float:
    yy, ss = _xy(y, score)
    return float(np.mean((ss - yy) ** 2)) if len(yy) else math.nan


class Bin(NamedTuple):
    lo: float
    hi: float
    n: int
    fraud: int
    mean_score: float
    observed: float  # fraud rate in the bin
    low: float  # Wilson 95 % interval of the observed rate
    high: float


def calibration(y: Labels, score: Labels, edges: Sequence[float] = EDGES) -> list[Bin]:
    """Sessions binned by score: mean predicted score against the observed fraud rate."""
    yy, ss = _xy(y, score)
    out = []
    index = np.clip(np.searchsorted(edges, ss, side="right") - 1, 0, len(edges) - 2)
    for b in range(len(edges) - 1):
        mask = index == b
        n = int(mask.sum())
        fraud = int(yy[mask].sum())
        mean = float(ss[mask].mean()) if n else math.nan
        rate = fraud / n if n else math.nan
        low, high = wilson(fraud, n)
        out.append(Bin(edges[b], edges[b + 1], n, fraud, mean, rate, low, high))
    return out


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


class Signal(NamedTuple):
    name: str
    n: int  # sessions where it fired
    fraud: int  # of which fraudulent
    precision: float
    recall: float  # share of all fraud where it fired
    lift: float  # precision / base rate


def signals(y: Labels, fired: Sequence[Iterable[str]]) -> list[Signal]:
    """Precision and recall of each signal (reason code or flag), most frequent first."""
    yy = np.asarray(y, dtype=np.int8)
    total_fraud = int(yy.sum())
    base = total_fraud / len(yy) if len(yy) else math.nan
    n: dict[str, int] = {}
    k: dict[str, int] = {}
    for label, names in zip(yy, fired, strict=True):
        for name in names:
            n[name] = n.get(name, 0) + 1
            k[name] = k.get(name, 0) + int(label)
    out = [
        Signal(
            name,
            n[name],
            k[name],
            k[name] / n[name],
            k[name] / total_fraud if total_fraud else math.nan,
            (k[name] / n[name]) / base if base else math.nan,
        )
        for name in n
    ]
    return sorted(out, key=lambda s: (-s.n, s.name))
