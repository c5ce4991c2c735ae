"""The fitting kernel recovers known weights, and holds to the prior where data is thin."""

from __future__ import annotations

import numpy as np

from engine.scoring.kernels import fit_logistic, logistic_score


def _data(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    k = 8
    x = (rng.random((n, k)) < 0.15) * rng.random((n, k))
    w = rng.normal(size=k) * 3
    bias = -4.0
    p, _ = logistic_score(x, w, bias)
    y = (rng.random(n) < p).astype(float)
    return x, y, w, bias


def test_known_weights_are_recovered() -> None:
    x, y, w, bias = _data(40_000)
    fitted_bias, fitted = fit_logistic(x, y, l2=0.01)
    assert abs(fitted_bias - bias) < 0.25
    assert np.max(np.abs(fitted - w)) < 0.6


def test_a_code_without_data_keeps_its_prior() -> None:
    x, y, _, _ = _data(5_000)
    x[:, 3] = 0.0  # this code never fired
    prior = np.full(x.shape[1], 2.0)
    _, fitted = fit_logistic(x, y, prior=prior, l2=1.0)
    assert abs(fitted[3] - 2.0) < 1e-6
    _, fitted_zero = fit_logistic(x, y, l2=1.0)
    assert abs(fitted_zero[3]) < 1e-6


def test_weighted_rows_count_as_repeated_rows() -> None:
    x, y, _, _ = _data(2_000, seed=3)
    doubled = fit_logistic(np.vstack([x, x]), np.concatenate([y, y]), l2=0.5)
    weighted = fit_logistic(x, y, np.full(len(y), 2.0), l2=0.5)
    assert abs(doubled[0] - weighted[0]) < 1e-6
    assert np.allclose(doubled[1], weighted[1], atol=1e-6)


def test_with_prior_bias_a_code_without_data_keeps_its_score_alone() -> None:
    """The pull is on bias + weight: when the data move the bias, a code they never saw
    moves with it, so its score alone is the prior's."""
    x, y, _, _ = _data(5_000)
    x[:, 3] = 0.0
    prior = np.full(x.shape[1], 6.0)
    bias, fitted = fit_logistic(x, y, prior=prior, prior_bias=-1.0, l2=1.0)
    assert abs(bias - -1.0) > 1.0  # the data's bias (about -4) is not the prior's
    assert abs((bias + fitted[3]) - (-1.0 + 6.0)) < 1e-6
    # a code the data know is fitted as before: far from its prior
    assert np.max(np.abs(fitted + bias - 5.0)) > 1.0
