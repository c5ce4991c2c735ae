"""The device-drift simulation: its metrics on a hand-checked case, its devices, and a small
run through the real service with bounds any acceptable device linker meets."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from random import Random
from typing import Any

import msgspec
import pytest

from engine.schema import Attributes
from tools.drift import (
    EVENTS,
    Config,
    Observation,
    Rates,
    compute_metrics,
    device_classes,
    drift,
    main,
    make_devices,
    plan,
    simulate,
)

# -- the metrics, by hand ------------------------------------------------------------------

Ob = Observation
HAND = [
    Ob(1, "a", 0.0),  # new_first
    Ob(2, "b", 0.0),  # new_first; b belongs to device 2
    Ob(1, "a", 0.9),  # linked (no event)
    Ob(1, "c", 0.0, ("browser_update",)),  # new_split: recall miss
    Ob(3, "b", 0.8),  # false merge: b is device 2's; first session of device 3
    Ob(2, "b", 0.7, ("timezone_travel", "ip_change")),  # linked
    Ob(1, "a", 0.6, ("font_installed",)),  # relinked_older: recall miss (last was c)
    Ob(3, "b", 0.5, (), "android"),  # returning, same id as last: linked, still a false merge
]


def test_metrics_on_a_hand_checked_case() -> None:
    m = compute_metrics(HAND, {1: "unique", 2: "twin", 3: "twin"})
    assert m["sessions"] == 8
    assert m["devices"] == 3
    assert m["device_ids"] == 3
    # returning: sessions 3, 4, 6, 7, 8; linked: 3, 6, 8
    assert (m["returning_sessions"], m["linked_sessions"], m["recall"]) == (5, 3, 0.6)
    assert (m["false_merge_sessions"], m["false_merge_rate"], m["merged_devices"]) == (2, 0.25, 1)
    assert m["ids_per_device"] == round(4 / 3, 4)  # 1: {a, c}, 2: {b}, 3: {b}
    assert m["devices_per_id"] == round(4 / 3, 4)  # a: {1}, b: {2, 3}, c: {1}
    assert m["recall_by_channel"] == {
        "android": {"n": 1, "recall": 1.0},
        "web": {"n": 4, "recall": 0.5},
    }
    ev = m["recall_by_event"]
    assert ev["none"] == {"n": 2, "recall": 1.0, "n_alone": 2, "recall_alone": 1.0}
    assert ev["browser_update"] == {"n": 1, "recall": 0.0, "n_alone": 1, "recall_alone": 0.0}
    assert ev["timezone_travel"] == {"n": 1, "recall": 1.0, "n_alone": 0, "recall_alone": None}
    assert ev["ip_change"]["recall"] == 1.0
    assert ev["font_installed"]["recall_alone"] == 0.0
    assert list(ev) == ["none", "browser_update", "font_installed", "timezone_travel", "ip_change"]
    assert m["false_merges_by_class"] == {
        "twin": {
            "devices": 2,
            "sessions": 4,
            "false_merge_sessions": 2,
            "false_merge_rate": 0.5,
            "merged_devices": 1,
        },
        "unique": {
            "devices": 1,
            "sessions": 4,
            "false_merge_sessions": 0,
            "false_merge_rate": 0.0,
            "merged_devices": 0,
        },
    }
    assert m["confidence"] == {
        "linked": {"n": 2, "mean": 0.8},
        "new_first": {"n": 2, "mean": 0.0},
        "new_split": {"n": 1, "mean": 0.0},
        "relinked_older": {"n": 1, "mean": 0.6},
        "false_merge": {"n": 2, "mean": 0.65},
    }


def test_perfect_and_collapsed_linkers() -> None:
    truth = [Ob(d, f"id{d}", 1.0) for _ in range(3) for d in range(4)]
    m = compute_metrics(truth)
    assert (m["recall"], m["false_merge_rate"], m["ids_per_device"], m["devices_per_id"]) == (
        1.0,
        0.0,
        1.0,
        1.0,
    )
    one = [Ob(d, "same") for _ in range(3) for d in range(4)]  # every device the same id
    m = compute_metrics(one)
    assert m["recall"] == 1.0  # each device does keep "its" id...
    assert m["false_merge_sessions"] == 9  # ...but it is device 0's: all others are merged
    assert (m["merged_devices"], m["devices_per_id"]) == (3, 4.0)
    fresh = [Ob(d, f"s{s}d{d}") for s in range(3) for d in range(4)]  # a new id every time
    m = compute_metrics(fresh)
    assert (m["recall"], m["false_merge_rate"], m["ids_per_device"]) == (0.0, 0.0, 3.0)
    assert compute_metrics([])["recall"] is None


# -- the simulated devices -----------------------------------------------------------------


def test_devices_are_deterministic_valid_and_coherent() -> None:
    a = plan(make_devices(60, 3), 3, 3, 30, Rates())
    b = plan(make_devices(60, 3), 3, 3, 30, Rates())
    assert [(v.at, v.attributes, v.headers) for v in a] == [
        (v.at, v.attributes, v.headers) for v in b
    ]
    assert [v.at for v in a] == sorted(v.at for v in a)
    for v in a:
        attrs = msgspec.convert(v.attributes, Attributes)  # the service's own schema
        ua = attrs.software.user_agent or ""
        if v.channel == "web":
            assert attrs.device.canvas_hash
            assert attrs.device.fonts_hash
            assert ("iPhone" in ua) == (attrs.software.platform == "iPhone")
            assert ("Windows" in ua) == (attrs.software.platform == "Win32")
            assert v.headers["Origin"] == "http://127.0.0.1:8080"
        else:
            assert attrs.device.device_id_hash
            assert attrs.software.os_version
            assert "Origin" not in v.headers


SAME = (
    "canvas_hash audio_hash fonts_hash webgl_renderer screen_width pixel_ratio model "
    "build_fingerprint storage_total_mb"
).split()


def test_twins_and_same_model_iphones_render_alike() -> None:
    devices = make_devices(200, 5, twin_fraction=0.3)
    groups: dict[int, set[str]] = defaultdict(set)
    for d in devices:
        if d.group is not None:
            shown = d.payload(Random(0), 1.74e9)["device"]
            groups[d.group].add(repr([shown.get(k) for k in SAME]))
    assert len(groups) >= 5
    assert all(len(looks) == 1 for looks in groups.values())
    in_groups = sum(1 for d in devices if d.group is not None)
    assert 0.25 <= in_groups / len(devices) <= 0.35
    iphones: dict[tuple[str, str], set[str]] = defaultdict(set)
    for d in devices:
        if d.channel == "web" and d.model.kind == "iphone":
            iphones[(d.model.gpu_id, d.os_version())].add(d.canvas_hash())
    assert iphones
    assert all(len(c) == 1 for c in iphones.values())
    classes = device_classes(devices)
    assert {classes[d.id] for d in devices if d.group} == {"twin"}


def test_drift_events_change_what_they_should() -> None:
    d = next(d for d in make_devices(80, 2) if d.model.kind == "win_desktop")
    never = Rates(**dict.fromkeys(EVENTS, 0.0))

    def shown() -> dict[str, Any]:
        return dict(d.payload(Random(0), 1.74e9)["device"])

    before, ua = shown(), d.user_agent()
    assert drift(d, Random(1), replace(never, browser_update=1.0)) == ["browser_update"]
    assert d.user_agent() != ua
    assert shown()["fonts_hash"] == before["fonts_hash"]
    updated = shown()
    assert drift(d, Random(1), replace(never, font_installed=1.0)) == ["font_installed"]
    fonts = shown()
    assert fonts["fonts_count"] == updated["fonts_count"] + 1
    assert fonts["fonts_hash"] != updated["fonts_hash"]
    assert fonts["canvas_hash"] == updated["canvas_hash"]
    assert drift(d, Random(1), replace(never, incognito=1.0)) == ["incognito"]
    assert shown()["plugins_count"] == 0
    assert drift(d, Random(1), never) == ["incognito_ended"]
    assert shown() == fonts
    assert drift(d, Random(1), never) == []


# -- through the real service --------------------------------------------------------------


async def test_small_run_meets_sane_bounds(tmp_path: Path) -> None:
    """Bounds both the exact-hash identity (49fd4f2) and the probabilistic linker (ca42d39)
    meet on this run; measured there: recall 0.82 / 0.98, false merges 0.13 / 0.34."""
    seen: list[int] = []
    rep = await simulate(
        Config(devices=40, sessions_per_device=4, seed=3),
        data_dir=tmp_path / "data",
        progress=lambda done, total: seen.append(done),
    )
    m = rep.metrics
    assert (m["devices"], m["sessions"], m["returning_sessions"]) == (40, 160, 120)
    assert seen[-1] == 160
    assert len(seen) == 10
    assert rep.summary["twin_devices"] == 8  # 6 of 32 web devices, 2 of 8 app installs
    # an unchanged device keeps its ID; so does one whose only change is its IP address
    assert m["recall_by_event"]["none"]["recall"] >= 0.95
    assert m["recall_by_event"]["ip_change"]["recall_alone"] >= 0.95
    assert m["recall"] >= 0.7
    assert m["recall_by_channel"]["android"]["recall"] >= 0.9  # the install ID is stable
    assert m["ids_per_device"] <= 2.0
    assert m["devices_per_id"] <= 2.0
    assert m["false_merge_rate"] <= 0.4
    assert m["false_merges_by_class"]["unique"]["false_merge_rate"] <= 0.3
    assert m["confidence"]["new_first"]["mean"] <= m["confidence"]["linked"]["mean"]


async def test_different_devices_rarely_share_an_id(tmp_path: Path) -> None:
    """Both the exact hash and the linker with explained drift meet this; the first linker
    (weighted agreement alone) did not."""
    rep = await simulate(Config(devices=40, sessions_per_device=4, seed=5), data_dir=tmp_path)
    m = rep.metrics
    assert m["false_merge_rate"] <= 0.2
    assert m["false_merges_by_class"]["unique"]["false_merge_rate"] <= 0.05


def test_command_prints_the_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "drift.json"
    assert main(["--devices", "12", "--sessions-per-device", "2", "--json", str(out)]) == 0
    printed = capsys.readouterr()
    assert "returning-session link rate (recall)" in printed.out
    assert "false merge rate (sessions)" in printed.out
    assert "24/24 sessions (100%)" in printed.err
    doc = json.loads(out.read_text())
    assert doc["config"]["devices"] == 12
    assert doc["metrics"]["sessions"] == 24
    assert set(doc["metrics"]) >= {"recall", "false_merge_rate", "recall_by_event"}
