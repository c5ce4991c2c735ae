"""The numba scoring kernel and the model on top of it."""

from __future__ import annotations

import math

import numpy as np

from engine.config import ModelFile
from engine.scoring.kernels import logistic_score, score_batch
from engine.scoring.model import ScoringModel


def test_kernel_matches_the_formula() -> None:
    rng = np.random.default_rng(7)
    x = rng.random((50, 6))
    w = rng.normal(size=6)
    scores, contrib = logistic_score(x, w, -1.5)
    for i in range(50):
        z = -1.5 + float(x[i] @ w)
        assert math.isclose(scores[i], 1 / (1 + math.exp(-z)), rel_tol=1e-12)
        assert np.allclose(contrib[i], x[i] * w)


def test_kernel_is_stable_at_extremes() -> None:
    scores, _ = logistic_score(np.array([[1000.0], [-1000.0]]), np.array([1.0]), 0.0)
    assert scores[0] == 1.0
    assert scores[1] == 0.0
    assert not np.isnan(scores).any()


def test_batch_equals_single() -> None:
    x = np.array([[1.0, 0.0], [0.5, 1.0]])
    w = np.array([2.0, -1.0])
    scores = np.empty(2)
    contrib = np.empty_like(x)
    score_batch(x, w, 0.25, scores, contrib)
    for i in range(2):
        one, _ = logistic_score(x[i : i + 1], w, 0.25)
        assert one[0] == scores[i]


def test_model_reasons_are_sorted_and_unknown_codes_ignored() -> None:
    model = ScoringModel(ModelFile(version="t", bias=-4.0, weights={"A": 1.0, "B": 3.0, "C": -0.5}))
    score, reasons = model.score({"A": 1.0, "B": 0.5, "C": 1.0, "UNKNOWN": 1.0})
    assert [r.code for r in reasons] == ["B", "A", "C"]
    assert [r.contribution for r in reasons] == [1.5, 1.0, -0.5]
    assert math.isclose(score, 1 / (1 + math.exp(-(-4.0 + 2.0))), rel_tol=1e-5)
    base, none = model.score({})
    assert none == []
    assert base < score
    assert np.allclose(
        model.score_many([{}, {"A": 1.0, "B": 0.5, "C": 1.0}]), [base, score], atol=1e-6
    )


def test_a_code_with_weight_zero_that_fired_is_a_reason() -> None:
    model = ScoringModel(ModelFile(version="t", bias=-4.0, weights={"A": 1.0, "Z": 0.0}))
    score, reasons = model.score({"A": 1.0, "Z": 1.0})
    assert [(r.code, r.contribution) for r in reasons] == [("A", 1.0), ("Z", 0.0)]
    assert model.score({"A": 1.0})[0] == score
    assert model.score({})[1] == []
