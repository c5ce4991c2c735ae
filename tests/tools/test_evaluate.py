"""The evaluator: its metrics against values computed by hand, and the report and figures
it writes for a tiny run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tools.evaluate import auc, brier, calibration, decline, main, roc, signals
from tools.evaluate.metrics import average_ranks, cut_at_rate, cut_at_score


def test_auc_of_perfect_reversed_tied_and_random_rankings() -> None:
    y = [0, 0, 0, 1, 1]
    assert auc(y, [0.1, 0.2, 0.3, 0.8, 0.9]) == 1.0
    assert auc(y, [0.9, 0.8, 0.7, 0.2, 0.1]) == 0.0
    assert auc(y, [0.5] * 5) == 0.5
    rng = np.random.default_rng(0)
    labels = rng.random(20_000) < 0.3
    assert auc(labels, rng.random(20_000)) == pytest.approx(0.5, abs=0.015)


def test_auc_by_hand_with_ties() -> None:
    # pairs (fraud, good): (0.35 > 0.1), (0.35 < 0.4), (0.8 > both): 3 of 4
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    # a fraud tied with a good counts one half: (0.5 = 0.5) 0.5 + (0.5 > 0.2) 1 + 0.9: 2
    assert auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == 0.875
    assert math.isnan(auc([1, 1], [0.2, 0.3]))
    assert list(average_ranks(np.array([0.3, 0.1, 0.3, 0.2]))) == [3.5, 1.0, 3.5, 2.0]


def test_roc_runs_from_origin_to_one_one_through_tie_groups() -> None:
    fpr, tpr = roc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])
    assert list(fpr) == [0.0, 0.0, 0.5, 1.0]
    assert list(tpr) == [0.0, 0.5, 1.0, 1.0]


def test_brier_of_known_scores() -> None:
    assert brier([1, 0, 1, 0], [0.9, 0.1, 0.6, 0.3]) == pytest.approx(
        (0.01 + 0.01 + 0.16 + 0.09) / 4
    )
    assert brier([0, 1], [0.0, 1.0]) == 0.0


def test_catch_rate_at_a_decline_rate() -> None:
    scores = np.arange(20) / 20  # distinct: 0.00 .. 0.95
    y = np.zeros(20, dtype=int)
    y[[19, 18, 5]] = 1  # the two riskiest, and one low score
    one = decline(y, scores, 0.05)  # 1 of 20 declined
    assert (one.threshold, one.caught) == (0.95, pytest.approx(1 / 3))
    assert decline(y, scores, 0.10).caught == pytest.approx(2 / 3)
    assert decline(y, scores, 1.0).caught == 1.0


def test_a_threshold_inside_a_tie_group_declines_it_in_part() -> None:
    scores = [0.9, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    y = [0, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    d = decline(y, scores, 0.2)  # 2 declined: 0.9, and 1 of the three at 0.5
    assert d.threshold == 0.5
    assert d.tie_share == pytest.approx(1 / 3)
    assert d.caught == pytest.approx((1 / 3) / 2)
    assert d.weights.sum() == pytest.approx(2.0)


def test_the_threshold_tables_by_rate_and_by_score() -> None:
    scores = np.arange(20) / 20  # 0.00 .. 0.95
    y = np.zeros(20, dtype=int)
    y[[19, 18, 5]] = 1
    by_rate = cut_at_rate(y, scores, 0.10)  # the two riskiest: both fraud
    assert (by_rate.threshold, by_rate.declined) == (0.9, 0.1)
    assert by_rate.caught == pytest.approx(2 / 3)
    assert by_rate.precision == 1.0
    assert by_rate.honest_declined == 0.0
    by_score = cut_at_score(y, scores, 0.3)  # 0.30 .. 0.95: 14 declined, 2 fraud among them
    assert by_score.declined == pytest.approx(14 / 20)
    assert by_score.caught == pytest.approx(2 / 3)
    assert by_score.precision == pytest.approx(2 / 14)
    assert by_score.honest_declined == pytest.approx(12 / 17)
    nothing = cut_at_score(y, scores, 2.0)
    assert (nothing.declined, nothing.caught, nothing.honest_declined) == (0.0, 0.0, 0.0)
    assert math.isnan(nothing.precision)


def test_calibration_bins_count_every_session() -> None:
    bins = calibration([0, 0, 1, 1, 0], [0.001, 0.015, 0.03, 0.95, 1.0])
    assert sum(b.n for b in bins) == 5
    top = bins[-1]
    assert (top.n, top.fraud, top.observed) == (2, 1, 0.5)
    assert top.mean_score == pytest.approx(0.975)
    assert top.low < 0.5 < top.high


def test_precision_and_recall_per_signal() -> None:
    y = [1, 1, 0, 0]
    fired = [{"A", "B"}, {"A"}, {"A"}, set()]
    by_name = {s.name: s for s in signals(y, fired)}
    assert by_name["A"][1:5] == (3, 2, pytest.approx(2 / 3), 1.0)
    assert by_name["B"][1:5] == (1, 1, 1.0, 0.5)
    assert by_name["B"].lift == 2.0  # precision 1.0 over a base rate of 0.5


def _tiny_run(path: Path) -> None:
    rng = np.random.default_rng(1)
    path.mkdir()
    truth, scores = [], []
    for i in range(200):
        fraud = i % 10 == 0
        score = float(np.clip(rng.normal(0.7 if fraud else 0.1, 0.15), 0, 1))
        sid = f"s{i}"
        pattern = "bot" if fraud and i % 20 == 0 else "farm" if fraud else "honest"
        truth.append({"session_id": sid, "label": "fraud" if fraud else "good",
                      "pattern": pattern, "tenant": "t1" if i % 2 else "t2", "day": i % 3,
                      "channel": "web", "tags": [] if fraud else ["office"]})  # fmt: skip
        flags = ["automation"] if score > 0.5 else []
        scores.append(
            {
                "session_id": sid,
                "tenant": truth[-1]["tenant"],
                "day": i % 3,
                "score": score,
                "flags": flags,
                "model_version": "m-test",
                "reasons": [{"code": "BOT", "contribution": 2.0}] if flags else [],
            }
        )
    for name, rows in (("truth.jsonl", truth), ("scores.jsonl", scores)):
        (path / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    (path / "run.json").write_text(json.dumps({"seed": 7}))


def test_the_report_and_figures_name_the_seed_and_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tiny_run(tmp_path / "run")
    assert main([str(tmp_path / "run"), "--out", str(tmp_path / "report")]) == 0
    assert "population seed 7, model m-test" in capsys.readouterr().out
    report = (tmp_path / "report" / "report.md").read_text()
    headings = [line for line in report.splitlines() if line.startswith("#")]
    assert headings
    assert all("population seed 7, model m-test" in h for h in headings)
    for table in ("| bot |", "| farm |", "| office |", "| BOT |", "| automation |", "| t1 |"):
        assert table in report
    assert "| 5.0% | " in report  # the decline-rate table
    assert "| 0.500 | " in report  # the score table
    for png in ("roc.png", "reliability.png", "scores.png"):
        assert (tmp_path / "report" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert (metrics["seed"], metrics["fraud"]) == ("7", 20)
    assert 0.9 < metrics["auc"] <= 1.0
    assert [c["declined"] for c in metrics["decline_table"]][:2] == [0.005, 0.01]
    assert metrics["score_table"][0]["threshold"] == 0.9


def test_a_directory_without_a_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path)]) == 2
    assert "scores.jsonl: not found; give the output directory" in capsys.readouterr().err
