"""The traffic simulator: a small run end to end through the real service, the planned
population at the default size, the address pools, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.population import PATTERNS, Addresses, Settings, main, population, simulate
from tools.population.catalogue import LENDERS


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_a_small_run_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    meta = await simulate(Settings(seed=3, applicants=300, days=3, fraud_rate=0.3), out)
    truth, scores = _jsonl(out / "truth.jsonl"), _jsonl(out / "scores.jsonl")
    pop = meta["population"]
    assert len(truth) == len(scores) == pop["sessions"]
    assert [t["session_id"] for t in truth] == [s["session_id"] for s in scores]
    fraud = [t for t in truth if t["label"] == "fraud"]
    assert {t["pattern"] for t in fraud} == {p.name for p in PATTERNS}
    assert len({t["tenant"] for t in fraud}) >= 3
    assert {t["channel"] for t in truth} == {"web", "android", "ios"}
    # the truth stays out of what the service answered
    assert all("label" not in s and "pattern" not in s for s in scores)
    assert all(0.0 <= float(s["score"]) <= 1.0 for s in scores)  # type: ignore[arg-type]
    assert {s["model_version"] for s in scores} == {meta["model_version"]}
    assert pop["feedback"]["good"] > 0
    assert pop["feedback"]["fraud"] + pop.get("feedback", {}).get("damage", 0) > 0
    tenants = (out / "config" / "tenants.toml").read_text()
    assert all(f"[tenants.{x.id}]" in tenants for x in LENDERS)
    assert (out / "data").is_dir()
    assert json.loads((out / "run.json").read_text())["seed"] == 3


def test_the_default_population_is_realistic() -> None:
    apps = population(Settings(seed=1), Addresses())
    fraud = [a for a in apps if a.fraud]
    assert 0.01 <= len(fraud) / len(apps) <= 0.03
    assert len(PATTERNS) >= 15
    assert {a.pattern for a in fraud} == {p.name for p in PATTERNS}
    assert len({a.tenant for a in fraud}) >= 3
    assert len({a.day for a in fraud}) >= 10
    assert [a.at for a in apps] == sorted(a.at for a in apps)
    honest = [a for a in apps if not a.fraud]
    assert {a.channel for a in honest} == {"web", "android", "ios"}
    mobile = sum(a.channel != "web" or "Mobile" in a.headers["User-Agent"] for a in honest)
    assert mobile / len(honest) > 0.5
    for a in honest[:500]:
        assert {"User-Agent", "X-Forwarded-For"} <= set(a.headers)
        assert ("Origin" in a.headers) == (a.channel == "web")
    reported = [a for a in fraud if a.feedback in ("fraud", "damage")]
    assert 0.7 < len(reported) / len(fraud) < 0.95
    assert all(a.feedback_at is not None and a.feedback_at > a.at for a in reported)


def test_the_same_seed_gives_the_same_population() -> None:
    cfg = Settings(seed=5, applicants=200, days=2, fraud_rate=0.3)

    def dump() -> str:
        return json.dumps([(a.at, a.attributes, a.headers, a.pattern) for a in
                           population(cfg, Addresses())])  # fmt: skip

    assert dump() == dump()


def test_every_pattern_documents_what_it_does_and_its_signals() -> None:
    for p in PATTERNS:
        assert len(p.doc) > 150, p.name
        assert p.weight > 0


def test_address_pools_follow_the_services_ip_data(tmp_path: Path) -> None:
    checked = Addresses().checked(lambda ip: "de" if ip.startswith("84.150.") else None)
    assert checked.residential["de"] == ("84.150",)
    assert "de:91.12" in checked.dropped
    assert checked.residential["fr"] == Addresses().residential["fr"]  # none left: kept
    (tmp_path / "tor-exits.txt").write_text("# exits\n185.220.100.240\nnot-an-ip\n")
    (tmp_path / "hosting.csv").write_text("network,asn\n3.120.0.0/16,16509\n10.0.0.0/8,1\n")
    lists = Addresses().with_service_lists(tmp_path)
    assert lists.tor == ("185.220.100.240/32",)
    assert lists.hosting == ("3.120.0.0/16",)  # private ranges are never client addresses
    assert lists.vpn == Addresses().vpn
    assert set(lists.sources) == {"tor", "hosting"}


def test_an_output_directory_holding_a_run_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "truth.jsonl").write_text("")
    assert main(["--small", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "already holds a run (truth.jsonl); pass --force to replace it" in err
    assert main(["--patterns", "nope", "--out", str(tmp_path / "new")]) == 2
    assert "unknown fraud pattern nope; known: emulator_farm" in capsys.readouterr().err
    assert main(["--list-patterns"]) == 0
    assert "credit_stacking" in capsys.readouterr().out
