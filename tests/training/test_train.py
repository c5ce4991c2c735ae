"""The fit behind `anonscore train`: a prior on each code's score alone, weights that keep
their sign, and strong signals kept in the top band."""

from __future__ import annotations

import math

import numpy as np

from engine.config import ModelFile
from engine.scoring.model import ScoringModel
from engine.scoring.training import Dataset, train
from engine.scoring.training.train import fit_with_prior, top_band_floor

LOGIT_08 = math.log(0.8 / 0.2)


def _dataset() -> Dataset:
    """Groups of sessions with known fraud rates. No signal: 0.1% fraud (the data's bias is
    far below the prior's -4). MEDIUM alone: 20%. STRONG always fires with MEDIUM: 70% (so
    the fit can only split their credit, and gives STRONG little of it). GOOD ('good
    history'): 10%, above the no-signal rate, so the data alone would make it a risk.
    QUIET never fires."""
    groups = [  # (GOOD, MEDIUM, QUIET, STRONG), sessions, fraud
        ((0, 0, 0, 0), 20_000, 20),
        ((0, 1, 0, 0), 1_500, 300),
        ((0, 1, 0, 1), 150, 105),
        ((1, 0, 0, 0), 200, 20),
    ]
    rows, labels = [], []
    for codes, n, fraud in groups:
        rows += [codes] * n
        labels += [1.0] * fraud + [0.0] * (n - fraud)
    n = len(rows)
    return Dataset(
        codes=["GOOD", "MEDIUM", "QUIET", "STRONG"],
        x=np.array(rows, dtype=float),
        y=np.array(labels),
        at=np.arange(n, dtype=float),
        tenants=["t"] * n,
        scores=np.zeros(n),
        counts={"labelled fraud": int(sum(labels))},
    )


MODEL = ScoringModel(
    ModelFile(
        version="prior",
        bias=-4.0,
        weights={"GOOD": -1.0, "MEDIUM": 2.0, "QUIET": 6.0, "STRONG": 6.0},
    )
)


def test_weights_keep_their_sign() -> None:
    data = _dataset()
    prior = np.array([-1.0, 2.0, 6.0, 6.0])
    lowers = np.array([True, False, False, False])
    _, free = fit_with_prior(data.x, data.y, prior, -4.0, 1.0, lowers)
    assert free[0] == 0.0  # good history never raises the score, whatever the data say
    assert free[1] > 0
    assert free[3] > 0


def test_a_weight_held_at_zero_keeps_its_direction_when_retrained() -> None:
    """Trained once, GOOD is held at 0; the file says it lowers the score, so training again
    from that model holds it at 0 again instead of letting the data make it a risk (the
    fit alone gives it a positive weight: GOOD sessions are 10% fraud)."""
    first = train(_dataset(), MODEL, holdout=0.0, floor=0.0).model
    assert first.weights["GOOD"] == 0.0
    assert first.lowers == ("GOOD",)
    again = train(_dataset(), ScoringModel(first), holdout=0.0, floor=0.0).model
    assert again.weights["GOOD"] == 0.0
    assert again.lowers == ("GOOD",)


def test_a_code_the_data_never_saw_keeps_its_score_alone() -> None:
    report = train(_dataset(), MODEL, holdout=0.0, floor=0.0)
    m = report.model
    assert m.bias < -4.5  # the data's no-signal rate is lower than the prior's
    assert (
        m.bias + m.weights["QUIET"] == (-4.0 + 6.0) or abs(m.bias + m.weights["QUIET"] - 2.0) < 1e-3
    )


def test_strong_signals_stay_in_the_top_band_alone() -> None:
    unfloored = train(_dataset(), MODEL, holdout=0.0, floor=0.0).model
    assert unfloored.bias + unfloored.weights["STRONG"] < LOGIT_08  # credit shared
    report = train(_dataset(), MODEL, holdout=0.0)
    m = report.model
    assert "STRONG" in report.floored
    assert m.bias + m.weights["STRONG"] >= LOGIT_08
    assert m.weights["MEDIUM"] == unfloored.weights["MEDIUM"]  # only strong codes move


def test_the_floor_leaves_weak_codes_and_high_weights_alone() -> None:
    prior = np.array([2.0, 6.0, 6.0])
    weights = np.array([0.5, 3.0, 12.0])
    out, raised = top_band_floor(prior, -4.0, weights, -6.0, 0.8)
    assert raised.tolist() == [False, True, False]
    assert out[0] == 0.5
    assert out[2] == 12.0
    assert abs(out[1] - (LOGIT_08 + 6.0) - 1e-3) < 1e-9
    same, none = top_band_floor(prior, -4.0, weights, -6.0, 0.0)
    assert not none.any()
    assert same is weights
