"""tools/drift/fit on a small world: m/u weights have the right signs, the calibration
fits the outcomes, and the written module is the one the engine loads."""

from __future__ import annotations

import runpy
from pathlib import Path

import msgspec

from engine.devices import Params, fitted
from tools.drift import Config, build
from tools.drift.fit import calibrate, weights, write
from tools.drift.replay import Decision, replay


def test_weights_reward_agreement_and_punish_disagreement() -> None:
    world = build(Config(devices=60, days=90, seed=3, fleet=4, iphones=4))
    w, table = weights(world, 3)
    web = table["m_u"]["web"]
    for name in ("canvas", "audio", "hardware", "timezone"):
        assert web[name]["m"] > web[name]["u"]
        assert w["agree"]["web"][name] > 0 > w["disagree"]["web"][name]


def test_calibration_follows_the_outcomes() -> None:
    sure = [Decision(30.0, 0, 1.0, 0.1, False, True, False)] * 90
    sure += [Decision(30.0, 0, 1.0, 0.1, False, False, False)] * 10
    crowd = [Decision(30.0, 0, 40.0, 3.0, False, i % 10 == 0, True) for i in range(100)]
    (_a, _b), _per_p, _per_v, _prior, brier = calibrate(sure + crowd)
    assert brier < 0.1  # sure links near 0.9, the crowd's near 0.1


def test_the_prior_factors_follow_the_outcomes() -> None:
    """Links of a common fingerprint (mass 0.01 among 1,000 devices) from another country
    are wrong nine times in ten; from a known network, right: the fit says so."""
    abroad = [Decision(30.0, 0, 1.0, 0.1, False, i % 10 == 0, True, 1, 0.01, 1000.0, False,
                       False) for i in range(100)]  # fmt: skip
    home = [Decision(30.0, 0, 1.0, 0.1, False, True, False, 1, 0.01, 1000.0, True, True)] * 100
    (_a, _b), _p, _v, (_share, seen, _new), brier = calibrate(abroad + home)
    assert seen <= 0.1
    assert brier < 0.1


def test_the_written_module_loads_as_the_engine_params(tmp_path: Path) -> None:
    out = tmp_path / "_fitted.py"
    write(fitted(), out)
    params = msgspec.convert(runpy.run_path(str(out))["PARAMS"], Params)
    assert params == fitted()


def test_replay_gives_the_figures_of_a_run() -> None:
    world = build(Config(devices=30, days=60, seed=4, fleet=3, iphones=3))
    obs, decisions = replay(world.visits, world.classes)
    assert len(obs) == len(world.visits)
    assert decisions
    assert all(d.score is not None for d in decisions)
    assert len({o.device_id for o in obs}) < len(obs)  # returning devices are linked
