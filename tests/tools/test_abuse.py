"""The abuse scenarios of tools/population/abuse.py, small, end to end through the real
service (issue 15): a fraud ring of three new lenders reporting honest devices, and
fraudsters opting out from the page after a lender reported them."""

from __future__ import annotations

from pathlib import Path

from tools.population.abuse import main


def _run(tmp_path: Path, scenario: str, *extra: str) -> dict[str, object]:
    import json

    out = tmp_path / scenario
    assert main([scenario, "--seed", "2", "--out", str(out), *extra]) == 0
    report: dict[str, object] = json.loads((out / "abuse.json").read_text())
    return report


def test_a_ring_of_new_lenders_cannot_blacklist_honest_devices(tmp_path: Path) -> None:
    report = _run(tmp_path, "poison-ring", "--devices", "15", "--fraud", "6")
    groups = report["groups"]
    assert isinstance(groups, dict)
    honest = groups["honest"]
    assert honest["with"]["n"] == honest["without"]["n"] == 15
    assert honest["with"]["top"] == 0.0
    assert honest["with"]["review_or_more"] <= honest["without"]["review_or_more"] + 0.07
    outcomes = report["outcomes"]
    assert isinstance(outcomes, dict)
    assert outcomes["with"]["abuser report 202"] > 0


def test_the_self_wipe_keeps_the_evidence(tmp_path: Path) -> None:
    report = _run(tmp_path, "self-wipe", "--fraud", "6", "--devices", "10")
    outcomes = report["outcomes"]
    assert isinstance(outcomes, dict)
    assert outcomes["with"]["optout 200"] == 6
    assert outcomes["with"]["rescore 200"] == 6  # the lender's record answers after it
    assert not any(k.startswith("rescore 4") for k in outcomes["with"])
    groups = report["groups"]
    assert isinstance(groups, dict)
    for name, group in groups.items():  # the opt-out changed no score
        assert group["with"]["n"] == group["without"]["n"], name
        assert abs(group["with"]["median"] - group["without"]["median"]) < 0.01, name
