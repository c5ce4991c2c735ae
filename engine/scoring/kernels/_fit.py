"""Fitting the scoring model: L2-regularised logistic regression by Newton's method.

The model is the kernel's own (`_score.py`): score = sigmoid(bias + sum_j w_j x_j), with
x the rule strengths a session had when it was scored. The fit minimises the weighted
log-loss plus an L2 pull towards a prior: on the weights (`l2/2 * |w - prior|^2`, the bias
free), or on each code's logit alone (bias + w_j; see `fit_logistic`). Newton's method
converges in a handful of steps on this convex problem; numba accumulates the gradient and
the Hessian over the rows (the batch work a kernel is for), numpy solves the small k+1
system.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from numba import njit

F64 = npt.NDArray[np.float64]


@njit(cache=True, nogil=True)
def _accumulate(x: F64, y: F64, sw: F64, theta: F64, grad: F64, hess: F64) -> float:
    """Gradient and Hessian of the weighted log-loss at theta = [bias, w...]; the loss."""
    n, k = x.shape
    grad[:] = 0.0
    hess[:, :] = 0.0
    loss = 0.0
    for i in range(n):
        z = theta[0]
        for j in range(k):
            z += theta[j + 1] * x[i, j]
        if z >= 0:
            p = 1.0 / (1.0 + math.exp(-z))
            loss += sw[i] * (math.log1p(math.exp(-z)) + (1.0 - y[i]) * z)
        else:
            e = math.exp(z)
            p = e / (1.0 + e)
            loss += sw[i] * (math.log1p(e) - y[i] * z)
        r = sw[i] * (p - y[i])
        v = sw[i] * p * (1.0 - p)
        grad[0] += r
        hess[0, 0] += v
        for j in range(k):
            grad[j + 1] += r * x[i, j]
            hess[0, j + 1] += v * x[i, j]
            for m in range(j, k):
                hess[j + 1, m + 1] += v * x[i, j] * x[i, m]
    for j in range(k + 1):
        for m in range(j):
            hess[j, m] = hess[m, j]
    return loss


def fit_logistic(
    x: F64,
    y: F64,
    sample_weight: F64 | None = None,
    *,
    prior: F64 | None = None,
    prior_bias: float | None = None,
    l2: float = 1.0,
    max_iter: int = 50,
    tol: float = 1e-8,
) -> tuple[float, F64]:
    """(bias, weights) minimising the weighted log-loss + l2/2 |weights - prior|^2.

    With `prior` (the weights in force), a code the data says little about keeps its prior
    weight instead of being pulled to zero; without it the prior is 0.

    With `prior_bias` as well, the pull is on what each code means alone instead: the
    penalty is l2/2 sum_j ((bias + w_j) - (prior_bias + prior_j))^2, on the logit of a
    session where code j is the only signal, and the bias itself is free. When the data
    move the bias, a code they say little about moves with it and keeps its score alone.
    Still a convex problem (a Gaussian prior on each code's score alone, a flat one on the
    bias), solved the same way."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    n, k = x.shape
    sw = (
        np.ones(n, dtype=np.float64)
        if sample_weight is None
        else np.ascontiguousarray(sample_weight, dtype=np.float64)
    )
    if n == 0:
        raise ValueError("no rows to fit")
    rows, centre = _penalty(k, prior, prior_bias)
    theta = np.zeros(k + 1, dtype=np.float64)
    rate = float(np.clip((sw * y).sum() / sw.sum(), 1e-6, 1 - 1e-6))
    theta[0] = math.log(rate / (1 - rate))
    theta[1:] = centre - (theta[0] if prior_bias is not None else 0.0)

    def objective(at: F64, g: F64, h: F64) -> float:
        loss = _accumulate(x, y, sw, at, g, h)
        off = rows @ at - centre
        return float(loss + 0.5 * l2 * np.sum(off**2))

    theta = _newton(objective, theta, rows, centre, l2, max_iter, tol)
    return float(theta[0]), theta[1:].copy()


def _penalty(k: int, prior: F64 | None, prior_bias: float | None) -> tuple[F64, F64]:
    """(R, c) of the penalty l2/2 |R theta - c|^2 with theta = [bias, w...]: R = [0 | I]
    pulls the weights to the prior, R = [1 | I] each code's logit alone to its prior."""
    centre = np.zeros(k, dtype=np.float64)
    if prior is not None:
        centre[:] = np.asarray(prior, dtype=np.float64)
    rows = np.zeros((k, k + 1), dtype=np.float64)
    rows[:, 1:] = np.eye(k)
    if prior_bias is not None:
        rows[:, 0] = 1.0
        centre = centre + prior_bias
    return rows, centre


def _newton(
    objective: Callable[[F64, F64, F64], float],
    theta: F64,
    rows: F64,
    centre: F64,
    l2: float,
    max_iter: int,
    tol: float,
) -> F64:
    """Damped Newton steps from `theta`: `objective` returns the value and fills the loss's
    gradient and Hessian; the penalty's are added here. A step is halved until the
    objective goes down (near-separable data makes a full step overshoot)."""
    k1 = theta.shape[0]
    pen_hess = l2 * rows.T @ rows
    grad = np.empty(k1, dtype=np.float64)
    hess = np.empty((k1, k1), dtype=np.float64)
    spare_g = np.empty_like(grad)
    spare_h = np.empty_like(hess)
    current = objective(theta, grad, hess)
    for _ in range(max_iter):
        grad += l2 * rows.T @ (rows @ theta - centre)
        hess += pen_hess
        hess[np.diag_indices(k1)] += 1e-9
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while True:
            trial = theta - scale * step
            value = objective(trial, spare_g, spare_h)
            if value <= current or scale < 1e-6:
                break
            scale /= 2
        theta, current = trial, value
        grad, spare_g = spare_g, grad
        hess, spare_h = spare_h, hess
        if float(np.max(np.abs(scale * step))) < tol:
            break
    return theta
