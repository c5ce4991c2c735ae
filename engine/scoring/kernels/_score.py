"""The scoring kernel: a logistic model over rule strengths, with per-feature contributions.

score = sigmoid(bias + sum_i weight_i * strength_i); contribution_i = weight_i * strength_i.
Contributions are in logit units, so they add up and their order explains the score.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

F64 = npt.NDArray[np.float64]


@njit(cache=True, nogil=True)
def score_batch(x: F64, weights: F64, bias: float, scores: F64, contributions: F64) -> None:
    """Score `x` (sessions x features) in place: `scores[n]`, `contributions[n, k]`."""
    n, k = x.shape
    for i in range(n):
        z = bias
        for j in range(k):
            c = x[i, j] * weights[j]
            contributions[i, j] = c
            z += c
        if z >= 0:
            scores[i] = 1.0 / (1.0 + math.exp(-z))
        else:
            e = math.exp(z)
            scores[i] = e / (1.0 + e)


def logistic_score(x: F64, weights: F64, bias: float) -> tuple[F64, F64]:
    """Convenience wrapper: allocate outputs and run `score_batch`."""
    x2 = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, weights.shape[0])
    scores = np.empty(x2.shape[0], dtype=np.float64)
    contributions = np.empty_like(x2)
    score_batch(
        x2, np.ascontiguousarray(weights, dtype=np.float64), float(bias), scores, contributions
    )
    return scores, contributions


def warm_up() -> None:
    """Compile (or load from cache) every kernel signature the service uses."""
    logistic_score(np.zeros((1, 2)), np.ones(2), 0.0)
