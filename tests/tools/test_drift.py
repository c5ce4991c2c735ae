"""The device-drift simulation: its metrics on handcrafted observations, the coherence of its
release calendar and population, and a small run through the real service with bounds any
acceptable device linker meets."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from random import Random

import msgspec
import pytest

from engine.schema import Attributes
from tools.drift import (
    Calendar,
    Config,
    Observation,
    Sizes,
    build,
    continuity,
    exact_hash,
    look_at,
    lookalike_merges,
    main,
    make_devices,
    merges,
    reliability,
    sample_pairs,
    simulate,
    tracking,
    user_links,
)
from tools.drift.catalogue import DAY
from tools.drift.device import render
from tools.drift.releases import START

# -- the metrics, by hand ------------------------------------------------------------------

Ob = Observation
D = DAY


def test_continuity_by_hand() -> None:
    obs = [
        Ob(1, "a", at=0),  # first visits are not returning
        Ob(2, "b", at=0),
        Ob(1, "a", 0.9, ("none", "mobile_data"), at=1 * D),  # kept
        Ob(1, "c", 0.0, ("browser_major", "browser_canvas"), at=2 * D),  # lost
        Ob(2, "b", 0.8, ("abroad",), at=3 * D),  # kept
        Ob(1, "a", 0.7, ("fonts_installed",), at=4 * D),  # lost: previous was c
    ]
    c = continuity(obs)
    assert (c["returning_visits"], c["kept"], c["continuity"]) == (4, 2, 0.5)
    ev = c["by_event"]
    assert ev["none"] == {"n": 1, "continuity": 1.0, "n_alone": 1, "continuity_alone": 1.0}
    assert ev["mobile_data"]["n_alone"] == 1  # nothing but the network changed
    assert ev["browser_major"] == {"n": 1, "continuity": 0.0, "n_alone": 0,
                                   "continuity_alone": None}  # fmt: skip
    assert ev["abroad"]["continuity_alone"] == 1.0
    assert list(ev) == [
        "none",
        "browser_major",
        "browser_canvas",
        "fonts_installed",
        "abroad",
        "mobile_data",
    ]  # fmt: skip (the order of EVENT_KINDS)
    assert c["by_channel"] == {"web": {"n": 4, "continuity": 0.5}}


def test_tracking_days_by_hand() -> None:
    obs = [  # device 1: a a b b (days 0 10 20 50); device 2: x x (0, 30); device 3: once
        Ob(1, "a", at=0), Ob(2, "x", at=0), Ob(3, "z", at=0), Ob(1, "a", at=10 * D),
        Ob(1, "b", at=20 * D), Ob(2, "x", at=30 * D), Ob(1, "b", at=50 * D),
    ]  # fmt: skip
    t = tracking(obs)
    assert t["devices"] == 2  # seen at least twice
    assert t["mean_tracking_days"] == (30 + 30) / 2  # device 1: runs of 10 and 30 days
    assert t["ceiling_days"] == (50 + 30) / 2
    assert t["mean_days_to_first_change"] == (20 + 30) / 2  # device 2 never changed
    assert t["tracked_whole_span"] == 0.5


def test_false_merges_by_hand() -> None:
    obs = [
        Ob(1, "a", group="fleet", machine=1),
        Ob(2, "a", 0.9, group="fleet", machine=2),  # 1 and 2 share a: both merged
        Ob(3, "c", group="unique", machine=3),
        Ob(4, "c", 0.4, group="unique", machine=3),  # a second browser of machine 3
        Ob(5, "e", group="unique", machine=5),
        Ob(2, "f", group="fleet", machine=2),
        Ob(6, "g", group="iphones", machine=6),
        Ob(7, "g", 0.3, group="iphones", machine=7),
    ]
    m = merges(obs)
    assert (m["devices"], m["merged_devices"], m["false_merge_rate"]) == (7, 6, round(6 / 7, 4))
    assert m["same_machine_only"] == 2  # devices 3 and 4
    assert m["by_class"] == {
        "unique": {"devices": 3, "merged": 2, "rate": round(2 / 3, 4), "merged_across_machines": 0},
        "fleet": {"devices": 2, "merged": 2, "rate": 1.0, "merged_across_machines": 2},
        "iphones": {"devices": 2, "merged": 2, "rate": 1.0, "merged_across_machines": 2},
    }
    assert m["merged_pairs_across_machines"] == {"fleet+fleet": 1, "iphones+iphones": 1}
    assert m["foreign_id_visits"] == 3  # visits 2, 4 and 8
    la = lookalike_merges(obs)
    assert (la["visits"], la["merged_visits"], la["overconfident"]) == (5, 2, 1)
    assert la["by_class"]["iphones"] == {"visits": 2, "merged_visits": 1, "overconfident": 0}


def test_user_links_by_hand() -> None:
    obs = [  # machine 1 runs browsers 1 and 2 (person 1); machine 3 browsers 3, 4 (person 3)
        Ob(1, "d1", user_id="u1", machine=1, person=1),
        Ob(2, "d2", user_id="u1", machine=1, person=1),  # linked to its sibling
        Ob(3, "d3", user_id="u3", machine=3, person=3),
        Ob(4, "d4", user_id="u4", machine=3, person=3),  # not linked
        Ob(5, "d5", user_id="u1", machine=5, person=5),  # a stranger gets person 1's id
        Ob(6, "d6", user_id="u6", machine=6, person=6),
        Ob(7, "d7", user_id="u7", channel="android", machine=7, person=6),  # their phone
        Ob(4, "d4", user_id="u3", machine=3, person=3),  # now linked through its sibling
    ]
    u = user_links(obs)
    assert (u["same_machine_pairs"], u["linked_pairs"], u["cross_browser_link_rate"]) == (2, 2, 1.0)
    assert (u["visits_with_other_browser"], u["visit_link_rate"]) == (3, round(2 / 3, 4))
    assert (u["people"], u["people_pairs"], u["false_link_pairs"]) == (4, 6, 1)
    assert u["false_user_link_rate"] == round(1 / 6, 4)
    assert u["people_linked_to_another"] == 0.5
    assert (u["other_machine_pairs"], u["other_machine_links"]) == (1, 0)


def test_reliability_by_hand() -> None:
    obs = [
        Ob(1, "a"),  # a fresh id: no claim
        Ob(1, "a", 0.95),  # correct
        Ob(2, "a", 0.85),  # wrong: a is device 1's
        Ob(2, "b"),  # a fresh id for a returning device
        Ob(2, "b", 0.15),  # correct
    ]
    r = reliability(obs)
    assert (r["links"], r["correct_links"], r["new_ids"], r["new_ids_returning"]) == (3, 2, 2, 1)
    assert r["brier"] == round((0.05**2 + 0.85**2 + 0.85**2) / 3, 4)
    rows = {row["lo"]: row for row in r["bins"] if row["n"]}
    assert rows[0.1] == {"lo": 0.1, "hi": 0.2, "n": 1, "mean_confidence": 0.15, "correct": 1.0}
    assert rows[0.8]["correct"] == 0.0
    assert r["ece"] == round((0.85 + 0.85 + 0.05) / 3, 4)


def test_perfect_and_collapsed_linkers() -> None:
    truth = [Ob(d, f"id{d}", 1.0, at=s * D) for s in range(3) for d in range(4)]
    assert continuity(truth)["continuity"] == 1.0
    assert merges(truth)["false_merge_rate"] == 0.0
    assert tracking(truth)["mean_tracking_days"] == tracking(truth)["ceiling_days"] == 2.0
    one = [Ob(d, "same", at=s * D) for s in range(3) for d in range(4)]
    assert continuity(one)["continuity"] == 1.0  # each device does keep "its" id...
    assert merges(one)["false_merge_rate"] == 1.0  # ...but all four share it
    fresh = [Ob(d, f"s{s}d{d}", at=s * D) for s in range(3) for d in range(4)]
    assert continuity(fresh)["continuity"] == 0.0
    assert tracking(fresh)["mean_tracking_days"] == 0.0
    assert continuity([])["continuity"] is None


# -- the calendar and the population -------------------------------------------------------


def test_a_browser_major_changes_everyone_on_it_on_one_date() -> None:
    cal = Calendar(7)
    chrome, edge = cal.tracks["chrome"], cal.tracks["edge"]
    assert [r.canvas for r in chrome] == [r.canvas for r in edge]  # Chromium renders both
    assert 1 <= sum(r.canvas for r in chrome) <= 4
    assert sum(r.audio for r in chrome) >= 1
    gaps = {round((b.at - a.at) / DAY) for a, b in pairwise(chrome[3:])}
    assert gaps == {28}  # every four weeks from August
    world = build(Config(devices=80, days=180, fleet=0, iphones=0, seed=7))
    on_chrome = [d for d in world.devices if d.browser == "chrome" and d.os == "windows"]
    assert len(on_chrome) >= 10
    for r in chrome:
        if not START < r.at < START + 180 * DAY:
            continue
        before, after = set(), set()
        for d in on_chrome:
            d = dataclasses.replace(d, lag=0.0)
            old = look_at(d, cal, r.at - 60, Random(0))
            new = look_at(d, cal, r.at + 60, Random(0))
            assert (old.version, new.version) == (chrome[chrome.index(r) - 1].name, r.name)
            assert (new.browser_canvas - old.browser_canvas) == r.canvas
            if old.driver == new.driver:
                rng = Random(0)
                a, b = (render(d, x, rng)["device"]["canvas_hash"] for x in (old, new))
                (after if a != b else before).add(d.id)
        assert after == set() if not r.canvas else before == set()


def test_seeds_differ_and_repeat() -> None:
    a, b = build(Config(devices=60, seed=3)), build(Config(devices=60, seed=3))
    assert [(v.at, v.attributes, v.headers) for v in a.visits] == [
        (v.at, v.attributes, v.headers) for v in b.visits
    ]
    c = build(Config(devices=60, seed=4))
    assert [d.model.name for d in a.devices] != [d.model.name for d in c.devices]
    assert [r.canvas for r in a.calendar.tracks["firefox"]] != [
        r.canvas for r in c.calendar.tracks["firefox"]
    ] or [r.canvas for r in a.calendar.tracks["chrome"]] != [
        r.canvas for r in c.calendar.tracks["chrome"]
    ]


def test_visits_are_valid_and_their_events_are_true() -> None:
    w = build(Config(devices=120, days=180, seed=5, fleet=8, iphones=8))
    assert [v.at for v in w.visits] == sorted(v.at for v in w.visits)
    previous: dict[int, dict[str, object]] = {}
    seen: set[str] = set()
    for v in w.visits:
        attrs = msgspec.convert(v.attributes, Attributes)  # the service's own schema
        dev = v.attributes["device"]
        seen.update(v.events)
        if v.channel == "web":
            assert ("iPhone" in (attrs.software.user_agent or "")) == (
                attrs.software.platform == "iPhone"
            )
            assert v.headers["Origin"] == "http://127.0.0.1:8080"
        else:
            assert attrs.device.device_id_hash
        last = previous.get(v.device)
        assert (last is None) == (v.events == ())
        if last is not None:
            if "browser_canvas" in v.events and not ({"private_window", "canvas_blocked"} &
                                                     set(v.events)):  # fmt: skip
                assert dev["canvas_hash"] != last.get("canvas_hash")
            if "fonts_installed" in v.events and "private_window" not in v.events:
                assert dev["fonts_count"] > last["fonts_count"]  # type: ignore[operator]
            if "gpu_driver_canvas" in v.events and v.channel == "web":
                assert dev["webgl_renderer"] == last["webgl_renderer"] or "Mesa" in str(
                    dev["webgl_renderer"]
                )
            if "canvas_blocked" in v.events:
                assert "canvas_hash" not in dev
        previous[v.device] = dev
    assert {"browser_major", "browser_canvas", "ios_yearly", "abroad", "mobile_data"} <= seen


def test_lookalike_groups_render_alike() -> None:
    w = build(Config(devices=60, days=60, seed=2, fleet=6, iphones=6))
    groups: dict[str, set[str]] = defaultdict(set)
    offices: set[str | None] = set()
    for d in w.devices:
        if d.group:
            groups[d.group].add(w.looks[d.id])
            offices |= {d.person.office} if d.group == "fleet" else set()
    assert set(groups) == {"fleet", "iphones"}
    assert all(len(looks) == 1 for looks in groups.values())
    assert len(offices) == 1  # one office NAT
    assert {w.classes[d.id] for d in w.devices if d.group == "fleet"} == {"fleet"}
    devices = make_devices(9, Sizes(devices=200, fleet=0, iphones=0))
    assert sum(1 for d in devices if d.channel != "web") >= 15
    machines = defaultdict(list)
    for d in devices:
        machines[d.machine.id].append(d)
    assert any(len(ds) == 2 for ds in machines.values())  # two browsers on one machine


def test_pairs_and_the_exact_hash() -> None:
    w = build(Config(devices=40, days=60, seed=3, fleet=4, iphones=4))
    pairs = sample_pairs(w.visits, w.classes, w.looks, 3)
    strata = {s for s, *_ in pairs}
    assert {"same_device_next", "lookalike", "different"} <= strata
    for s, weight, a, b in pairs:
        assert a < b
        assert weight > 0
        same = w.visits[a].device == w.visits[b].device
        assert same == s.startswith("same_device")
    quiet = {"none", "mobile_data", "office_network"}
    unchanged = [v for v in w.visits if v.events and set(v.events) <= quiet]
    assert unchanged
    keys = {v.device: exact_hash(v) for v in w.visits if not v.events}
    assert any(exact_hash(v) == keys.get(v.device) for v in unchanged)


# -- through the real service --------------------------------------------------------------


async def test_small_run_meets_sane_bounds(tmp_path: Path) -> None:
    """Bounds that the exact hash and today's linker both meet on a small run."""
    seen: list[int] = []
    cfg = Config(devices=40, days=60, seed=3, fleet=4, iphones=4)
    rep = await simulate(cfg, data_dir=tmp_path / "data", progress=lambda d, t: seen.append(d))
    m, b = rep.metrics["linker"], rep.metrics["exact_hash"]
    assert m["devices"] == b["devices"] == 40
    assert seen[-1] == m["visits"]
    assert 10 <= len(seen) <= 11
    for x in (m, b):  # an unchanged device keeps its ID, whatever its IP address
        assert x["continuity"]["by_event"]["none"]["continuity"] >= 0.95
        assert x["merges"]["by_class"]["fleet"]["rate"] >= 0.5  # identical laptops merge
        assert 0 <= x["users"]["false_user_link_rate"] <= 0.2
        assert x["reliability"]["links"] + x["reliability"]["new_ids"] == m["visits"]
    assert m["continuity"]["continuity"] >= b["continuity"]["continuity"]
    assert m["continuity"]["continuity"] >= 0.7
    assert m["tracking"]["mean_tracking_days"] <= m["tracking"]["ceiling_days"]
    assert m["merges"]["by_class"]["unique"]["rate"] <= 0.3


def test_command_prints_every_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, png, pairs = tmp_path / "drift.json", tmp_path / "r.png", tmp_path / "pairs.jsonl"
    argv = ["--devices", "14", "--days", "30", "--fleet", "2", "--iphones", "2", "--json",
            str(out), "--plot", str(png), "--export-pairs", str(pairs)]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr()
    for figure in ("continuity", "mean tracking days", "false merges among distinguishable",
                   "over-confident look-alike merges", "cross-browser user-ID link rate",
                   "false user links", "Brier score", "exact hash"):  # fmt: skip
        assert figure in printed.out
    assert "visits (100%)" in printed.err
    doc = json.loads(out.read_text())
    assert doc["config"]["devices"] == 14
    assert set(doc["metrics"]) == {"linker", "exact_hash"}
    assert set(doc["metrics"]["linker"]) >= {"continuity", "tracking", "merges", "users",
                                             "lookalike_merges", "reliability"}  # fmt: skip
    assert png.read_bytes()[:4] == b"\x89PNG"
    row = json.loads(pairs.read_text().splitlines()[0])
    assert set(row) >= {"stratum", "weight", "same_device", "a", "b"}
    assert set(row["a"]) >= {"attributes", "headers", "device", "at"}
    assert main(["--devices", "5", "--fleet", "0", "--iphones", "0", "--export-pairs",
                 str(pairs), "--export-only"]) == 0  # fmt: skip
    assert "continuity" not in capsys.readouterr().out


# -- issue 17: the real-prior world, the drift scenarios, a world written elsewhere -------------


def test_the_real_prior_world_draws_machines_from_real_traffic() -> None:
    """Machines come from browserforge's network: seeded, varied, and look-alikes arise."""
    from tools.drift.priors import COLLECTOR_FONTS, machine_model

    a, fonts = machine_model("7/machine/1", "win_desktop")
    assert machine_model("7/machine/1", "win_desktop") == (a, fonts)
    assert fonts <= set(COLLECTOR_FONTS)
    models = {machine_model(f"7/machine/{i}", "win_desktop")[0].gpu for i in range(30)}
    assert len(models) > 5
    world = build(Config(devices=120, days=60, seed=5, fleet=0, iphones=0))
    assert world.devices[0].machine.fonts <= set(COLLECTOR_FONTS)
    assert "lookalike" in set(world.classes.values())
    catalogue = build(Config(devices=30, days=30, seed=5, world="catalogue"))
    assert any(f.startswith("base:") for d in catalogue.devices for f in d.machine.fonts)


def test_every_drift_scenario_keeps_the_id() -> None:
    from tools.drift.scenarios import run

    outcomes = run(seed=7, background=60)
    assert len(outcomes) == 7
    failed = [(o.name, o.kept, o.confidences) for o in outcomes if not o.passed]
    assert not failed


def test_a_file_of_visits_replays_to_the_figures_of_the_replay(tmp_path: Path) -> None:
    """The external replay reads the independent generator's format; fed the drift tool's
    own visits, it gives the replay's own figures."""
    from tools.drift.external import export, load
    from tools.drift.external import replay as replay_file
    from tools.drift.replay import replay
    from tools.drift.run import measure

    world = build(Config(devices=40, days=60, seed=3, fleet=4, iphones=4))
    path = tmp_path / "visits.jsonl"
    assert export(world.visits, path) == len(world.visits)
    rows = load(path)
    assert set(rows[0]) == {"t", "tenant", "device", "person", "browser", "ip", "headers",
                            "channel", "attributes", "events"}  # fmt: skip
    mine = measure(replay(world.visits, world.classes)[0])
    theirs = measure(replay_file(rows, tmp_path / "data"))
    assert theirs["continuity"]["continuity"] == mine["continuity"]["continuity"]
    assert theirs["devices"] == mine["devices"] == 40
