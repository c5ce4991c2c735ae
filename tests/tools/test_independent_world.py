"""The independent world: its file is what the format promises, its crowds and drift are
real, its ground truth holds together, and the service takes its visits."""

from __future__ import annotations

import ipaddress
import itertools
import json
import math
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
import trio

from engine.schema import CollectRequest
from tests.support import ORIGIN, REPO, copy_config, start
from tools.independent_world.__main__ import main

KEYS = {
    "t",
    "tenant",
    "device",
    "person",
    "browser",
    "ip",
    "headers",
    "channel",
    "attributes",
    "events",
    "label",
}
EVENTS = {
    "fonts_installed",
    "trip_abroad",
    "docked_monitor",
    "zoom",
    "os_minor_update",
    "browser_major_update",
    "new_ip_every_visit",
    "cookie_clear",
    "browser_switch",
}
HOUR = 3600.0
DAY = 86_400.0

# What each drift may change in what the service sees (the contract, written here
# independently of the generator's code).
ALLOWED = {
    "fonts_installed": {"fonts_hash", "fonts_count"},
    "trip_abroad": {"timezone", "ip"},
    "docked_monitor": {"screen_width", "screen_height", "pixel_ratio"},
    "zoom": {"screen_width", "screen_height", "pixel_ratio"},
    "os_minor_update": {"user_agent", "os_version", "build_fingerprint"},
    "browser_major_update": {"user_agent", "ua_data_brands", "sec_ch_ua", "canvas_hash"},
    "new_ip_every_visit": {"ip"},
    "cookie_clear": set(),
    "browser_switch": set(),
}


def _write(path: Path, *args: str) -> list[dict[str, Any]]:
    assert main(["generate", "--out", str(path), *args]) == 0
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """A world of 800 devices over six months (seed 7)."""
    return _write(tmp_path_factory.mktemp("world") / "w.jsonl", "--devices", "800", "--seed", "7")


def view(visit: dict[str, Any]) -> dict[str, Any]:
    """What the service sees of a visit that identifies the device and its setting."""
    a = visit["attributes"]
    device, software = a["device"], a["software"]
    out = {
        k: device.get(k)
        for k in (
            "screen_width",
            "screen_height",
            "pixel_ratio",
            "color_depth",
            "hardware_concurrency",
            "device_memory",
            "touch_points",
            "webgl_vendor",
            "webgl_renderer",
            "canvas_hash",
            "audio_hash",
            "fonts_hash",
            "fonts_count",
            "plugins_count",
            "model",
            "build_fingerprint",
        )
    }
    out.update(
        {
            k: software.get(k)
            for k in (
                "user_agent",
                "platform",
                "languages",
                "timezone",
                "ua_data_brands",
                "os_version",
                "app_id",
            )
        }
    )
    out["ip"] = visit["ip"]
    out["sec_ch_ua"] = visit["headers"].get("Sec-CH-UA")
    return out


def by_install(world: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for visit in world:
        out[visit["browser"]].append(visit)
    return out


def test_every_line_is_a_visit_of_the_documented_shape(world: list[dict[str, Any]]) -> None:
    assert len(world) > 2000
    first = datetime(2026, 5, 4, tzinfo=UTC).timestamp()  # the default start, 180 days
    assert first <= world[0]["t"] <= world[-1]["t"] < first + 180 * DAY
    assert [v["t"] for v in world] == sorted(v["t"] for v in world)
    for visit in world:
        assert set(visit) == KEYS
        assert visit["tenant"] in ("demo", "demo2", "demo3")
        assert visit["channel"] in ("web", "android", "ios")
        assert visit["label"] in ("honest", "fraud")
        assert set(visit["events"]) <= EVENTS
        request = {
            "session_id": "s",
            "site_key": f"{visit['tenant']}_site",
            "channel": visit["channel"],
            "attributes": visit["attributes"],
        }
        msgspec.convert(request, CollectRequest)  # raises on any schema violation
        address = ipaddress.ip_address(visit["ip"])
        assert address.is_global, visit["ip"]
        assert visit["headers"]["User-Agent"] == visit["attributes"]["software"]["user_agent"]
        assert (
            visit["headers"]["Accept-Language"].split(",")[0]
            == (visit["attributes"]["software"]["languages"][0])
        )


def test_client_hints_agree_with_the_payload(world: list[dict[str, Any]]) -> None:
    chromium = [v for v in world if v["attributes"]["software"].get("ua_data_brands")]
    assert len(chromium) > 500
    for visit in chromium:
        software, headers = visit["attributes"]["software"], visit["headers"]
        hinted = [part.split(";v=") for part in headers["Sec-CH-UA"].split(", ")]
        assert [f"{b.strip(chr(34))}/{v.strip(chr(34))}" for b, v in hinted] == (
            software["ua_data_brands"]
        )
        assert headers["Sec-CH-UA-Platform"] == f'"{software["ua_data_platform"]}"'
        assert headers["Sec-CH-UA-Mobile"] == ("?1" if software["ua_data_mobile"] else "?0")
        major = next(
            v for b, v in (x.rsplit("/", 1) for x in software["ua_data_brands"]) if b == "Chromium"
        )
        assert f"/{major}." in software["user_agent"]
    others = [v for v in world if "Firefox/" in v["headers"]["User-Agent"] or v["channel"] != "web"]
    assert others
    assert all("Sec-CH-UA" not in v["headers"] for v in others)


def test_phones_come_as_crowds_of_look_alikes(world: list[dict[str, Any]]) -> None:
    """One current iPhone model on one iOS release: many owners, one fingerprint, told
    apart only by where they are (time zone, address)."""
    crowds: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for visit in world:
        if visit["channel"] == "web" and visit["attributes"]["software"]["platform"] == "iPhone":
            seen = view(visit)
            seen.pop("ip"), seen.pop("timezone"), seen.pop("languages")
            crowds[tuple(sorted((k, str(v)) for k, v in seen.items()))].append(visit)
    largest = max(crowds.values(), key=lambda group: len({v["device"] for v in group}))
    assert len({v["device"] for v in largest}) >= 10
    assert len({v["person"] for v in largest}) >= 10
    assert len({v["attributes"]["software"]["timezone"] for v in largest}) >= 2
    assert len({v["ip"] for v in largest}) >= 10
    # and an Android model on one build is a crowd too, in the SDK's words
    builds: dict[str, set[str]] = defaultdict(set)
    for visit in world:
        if visit["channel"] == "android":
            builds[visit["attributes"]["device"]["build_fingerprint"]].add(visit["device"])
    assert max(len(devices) for devices in builds.values()) >= 5


def test_office_desktops_share_hardware_and_a_24(world: list[dict[str, Any]]) -> None:
    offices: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for visit in world:
        d = visit["attributes"]["device"]
        if visit["channel"] == "web" and d.get("touch_points", 0) == 0 and "." in visit["ip"]:
            prefix = visit["ip"].rsplit(".", 1)[0]
            offices[(prefix, d["webgl_renderer"], d["fonts_hash"])].add(visit["person"])
    assert max(len(persons) for persons in offices.values()) >= 3


def test_one_machine_two_browsers(world: list[dict[str, Any]]) -> None:
    installs = by_install(world)
    pairs = 0
    for device, visits in itertools.groupby(
        sorted(world, key=lambda v: (v["device"], v["t"])), key=lambda v: v["device"]
    ):
        web = [v for v in visits if v["channel"] == "web"]
        if len({v["browser"] for v in web}) < 2:
            continue
        first, second = sorted({v["browser"] for v in web})
        a, b = installs[first][0], installs[second][0]
        assert max(v["t"] for v in installs[first]) < b["t"], "the switch is for good"
        assert "browser_switch" in b["events"]
        assert (
            a["attributes"]["device"]["hardware_concurrency"]
            == (b["attributes"]["device"]["hardware_concurrency"])
        )
        assert a["attributes"]["device"]["fonts_count"] <= b["attributes"]["device"]["fonts_count"]
        assert "Firefox/" in b["headers"]["User-Agent"]
        assert a["attributes"]["device"]["canvas_hash"] != b["attributes"]["device"]["canvas_hash"]
        pairs += device.startswith("p")
    assert pairs >= 3


def test_drift_events_change_exactly_what_they_should(world: list[dict[str, Any]]) -> None:
    changed_by: dict[str, int] = defaultdict(int)
    for visits in by_install(world).values():
        for before, after in itertools.pairwise(visits):
            diff = {k for k, v in view(after).items() if view(before)[k] != v}
            allowed = set().union(*(ALLOWED[e] for e in after["events"]))
            assert diff <= allowed, (after["browser"], after["events"], diff - allowed)
            if len(after["events"]) == 1 and diff:
                changed_by[after["events"][0]] += 1
    for event in (
        "fonts_installed",
        "trip_abroad",
        "docked_monitor",
        "zoom",
        "os_minor_update",
        "browser_major_update",
        "new_ip_every_visit",
    ):
        assert changed_by[event] >= 1, f"{event} never changed anything alone"


def test_browser_updates_move_canvas_for_everyone_on_that_engine(
    world: list[dict[str, Any]],
) -> None:
    """A Chromium major that changed text rendering changes the canvas of every device on
    it; a major that did not leaves it."""
    canvases: dict[tuple[str, str], set[str]] = defaultdict(set)
    for visit in world:
        if visit["channel"] == "web" and "Chrome/" in visit["headers"]["User-Agent"]:
            d = visit["attributes"]["device"]
            canvases[(visit["device"], d["webgl_renderer"])].add(d["canvas_hash"])
    moved = [k for k, v in canvases.items() if len(v) > 1]
    assert len(moved) >= 10
    for visits in by_install(world).values():
        for before, after in itertools.pairwise(visits):
            if before["attributes"]["device"].get("canvas_hash") != after["attributes"][
                "device"
            ].get("canvas_hash"):
                assert "browser_major_update" in after["events"]


def test_ground_truth_holds_together(world: list[dict[str, Any]]) -> None:
    owner: dict[str, str] = {}
    device_of: dict[str, str] = {}
    channels: dict[str, set[str]] = defaultdict(set)
    for visit in world:
        assert owner.setdefault(visit["device"], visit["person"]) == visit["person"]
        assert device_of.setdefault(visit["browser"], visit["device"]) == visit["device"]
        assert visit["browser"].startswith(visit["device"] + "/")
        channels[visit["device"]].add(visit["channel"])
        if visit["person"].startswith("farm"):
            assert visit["label"] == "fraud"
    assert all(len(c - {"web"}) <= 1 for c in channels.values()), "one OS per device"
    persons: dict[str, set[str]] = defaultdict(set)
    for device, person in owner.items():
        persons[person].add(device)
    assert any(len(d) >= 2 for p, d in persons.items() if not p.startswith("farm"))
    models = {
        v["attributes"]["device"].get("model")
        for v in world
        if v["person"] == "farm0" and v["channel"] == "android"
    }
    assert len(models) == 1


def test_fraud_patterns_are_there(world: list[dict[str, Any]]) -> None:
    fraud = [v for v in world if v["label"] == "fraud"]
    assert 0.01 < len(fraud) / len(world) < 0.25
    by_device: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for visit in fraud:
        by_device[visit["device"]].append(visit)
    stacking = returning = 0
    for visits in by_device.values():
        if visits[0]["person"].startswith("farm"):
            continue
        stacked = any(
            len({w["tenant"] for w in visits if v["t"] <= w["t"] <= v["t"] + HOUR}) == 3
            for v in visits
        )
        stacking += stacked
        gaps = [b for a, b in itertools.pairwise(visits) if b["t"] - a["t"] > 21 * DAY]
        if gaps and not stacked:
            returning += 1
            assert "cookie_clear" in gaps[0]["events"]
    assert stacking >= 2
    assert returning >= 2
    farm = [v for v in fraud if v["person"] == "farm0"]
    assert len({v["ip"] for v in farm}) > 0.9 * len(farm), "farms rotate addresses"
    assert len(farm) > 5 * len({v["device"] for v in farm})


def test_same_seed_same_world_other_seed_other_world(tmp_path: Path) -> None:
    """Byte for byte, in another process with another string-hash seed too."""
    args = ["--devices", "120", "--days", "60", "--farms", "1"]
    a = _write(tmp_path / "a.jsonl", *args, "--seed", "3")
    subprocess.run(
        [sys.executable, "-m", "tools.independent_world", "generate", "--out",
         str(tmp_path / "b.jsonl"), *args, "--seed", "3"],
        cwd=REPO, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "123"},
    )  # fmt: skip
    c = _write(tmp_path / "c.jsonl", *args, "--seed", "4")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert a != c


def test_help_explains_the_format() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.independent_world", "generate", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    for key in sorted(KEYS | EVENTS):
        assert key in done.stdout
    assert "--devices" in done.stdout
    assert "--rate-trip-abroad" in done.stdout


async def test_the_service_takes_the_worlds_visits(
    tmp_path: Path, nursery: trio.Nursery, world: list[dict[str, Any]]
) -> None:
    """A visit of every channel and tenant, and of the world's odd cases (a farm, Firefox,
    IPv6, a trip, fraud), posted as the browser or app would (its headers, its address
    through the trusted proxy), collected and scored."""
    picked: dict[tuple[str, str], dict[str, Any]] = {}
    for visit in world:
        picked.setdefault((visit["channel"], visit["tenant"]), visit)
    assert len(picked) == 9
    kinds: dict[str, Callable[[dict[str, Any]], bool]] = {
        "farm": lambda v: v["person"].startswith("farm"),
        "firefox": lambda v: "Firefox/" in v["headers"]["User-Agent"],
        "ipv6": lambda v: ":" in v["ip"],
        "trip": lambda v: "trip_abroad" in v["events"],
        "stacking": lambda v: v["label"] == "fraud" and v["person"].startswith("p"),
    }
    for name, wanted in kinds.items():
        picked[(name, "")] = next(v for v in world if wanted(v))
    running = await start(nursery, tmp_path / "data", copy_config(tmp_path / "config"))
    async with running.client as client:
        for visit in picked.values():
            answer = await _replay(client, visit)
            assert answer["device_id"]
            assert answer["attributes"]["http_ua_matches_payload"] is True


# Time zone -> country, for the world's zones (the IANA zone.tab).
ZONE_COUNTRY = {
    "Europe/London": "GB", "Europe/Berlin": "DE", "Europe/Paris": "FR", "Europe/Madrid": "ES",
    "Europe/Rome": "IT", "Europe/Amsterdam": "NL", "Europe/Warsaw": "PL",
    "Europe/Lisbon": "PT", "Europe/Athens": "GR", "America/New_York": "US",
    "America/Chicago": "US", "America/Denver": "US", "America/Los_Angeles": "US",
}  # fmt: skip


async def _replay(client: Any, visit: dict[str, Any]) -> dict[str, Any]:
    """Session, collect with the visit's headers and address, score: the score's answer."""
    site = f"{visit['tenant']}_site"
    r = await client.post("/v1/sessions", json={"site_key": site}, headers={"Origin": ORIGIN})
    assert r.status_code == 201, r.text
    sid = r.json()["session_id"]
    body = {"session_id": sid, "site_key": site, "channel": visit["channel"],
            "attributes": visit["attributes"]}  # fmt: skip
    headers = {**visit["headers"], "Origin": ORIGIN, "X-Forwarded-For": visit["ip"]}
    r = await client.post("/v1/collect", json=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] > 10
    r = await client.post("/v1/score", json={"session_id": sid},
                          headers={"Authorization": f"Bearer {visit['tenant']}_key"})  # fmt: skip
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_service_places_honest_visits_where_their_clock_is(
    tmp_path: Path, nursery: trio.Nursery, world: list[dict[str, Any]]
) -> None:
    """The addresses are plausible: the service's own IP data puts nine in ten honest
    visits in the country of the device's time zone (the rest: roaming phones abroad)."""
    honest = [v for v in world if v["label"] == "honest"][::97][:30]
    running = await start(nursery, tmp_path / "data", copy_config(tmp_path / "config"))
    placed = agree = 0
    async with running.client as client:
        for visit in honest:
            country = (await _replay(client, visit))["attributes"].get("ip_country")
            if country is not None:
                placed += 1
                agree += country == ZONE_COUNTRY[visit["attributes"]["software"]["timezone"]]
    assert placed >= 25
    assert agree >= 0.9 * placed


def test_stats_counts_what_the_file_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    visits = _write(tmp_path / "w.jsonl", "--devices", "150", "--days", "90", "--farms", "1")
    capsys.readouterr()
    assert main(["stats", str(tmp_path / "w.jsonl")]) == 0
    counted = json.loads(capsys.readouterr().out)
    assert counted["visits"] == len(visits)
    assert counted["devices"] == len({v["device"] for v in visits})
    assert counted["persons"] == len({v["person"] for v in visits})
    assert sum(counted["labels"].values()) == len(visits)
    assert sum(counted["devices_by_crowd_size"].values()) == counted["devices"]


def _prefix(ip: str) -> str:
    address = ipaddress.ip_address(ip)
    bits = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def test_households_share_the_home_line(world: list[dict[str, Any]]) -> None:
    """A person's phone on the home Wi-Fi and their laptop share the line's /24 (or /64:
    IPv6 privacy addresses differ visit by visit within it)."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    addresses: dict[tuple[str, str], set[str]] = defaultdict(set)
    for visit in world:
        if not visit["person"].startswith("p"):
            continue
        key = (visit["person"], _prefix(visit["ip"]))
        seen[key].add(visit["device"])
        addresses[key].add(visit["ip"])
    shared = [key for key, devices in seen.items() if len(devices) >= 2]
    assert len(shared) >= 50
    assert any(":" in key[1] and len(addresses[key]) >= 3 for key in shared)


def test_each_browser_writes_its_own_language_header(world: list[dict[str, Any]]) -> None:
    for visit in world:
        header = visit["headers"]["Accept-Language"]
        languages = visit["attributes"]["software"]["languages"]
        agent = visit["headers"]["User-Agent"]
        if visit["channel"] == "web" and ("iPhone" in agent or "Version/" in agent):
            assert len(languages) == 1  # Safari's navigator.languages
        elif visit["channel"] == "web" and "Firefox/" in agent:
            if len(languages) == 2:
                assert header.endswith(";q=0.5")
        elif visit["channel"] == "web" and len(languages) >= 2:
            assert header.split(",")[1].endswith(";q=0.9")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-13-01"], "--start must be a day as YYYY-MM-DD, e.g. 2026-05-04"),
        (["--days", "3"], "--days must be at least 7 (an application episode spans days)"),
        (["--devices", "0"], "--devices must be at least 1"),
        (["--stackers", "1.5"], "--stackers is a share: give a number from 0 to 1"),
        (["--rate-zoom", "-1"], "--rate-zoom must be >= 0 (a share at most 1)"),
        (
            ["--out", "/nonexistent/w.jsonl"],
            "--out must be in an existing folder (create it first)",
        ),
    ],
)
def test_options_out_of_range_are_refused_with_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["generate", "--out", str(tmp_path / "w.jsonl"), *args])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip().endswith(f"error: {message}")
    assert not (tmp_path / "w.jsonl").exists()


def test_tiny_and_short_worlds_still_hold_together(tmp_path: Path) -> None:
    one = _write(tmp_path / "one.jsonl", "--devices", "1", "--farms", "0")
    assert len({v["device"] for v in one}) == 1
    week = _write(
        tmp_path / "week.jsonl", "--devices", "40", "--days", "7", "--farms", "1",
        "--start", "2026-06-01",
    )  # fmt: skip
    first = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
    assert all(first <= v["t"] < first + 7 * DAY for v in week)


def test_macs_are_machines_apple_built(world: list[dict[str, Any]]) -> None:
    """Apple's specifications: an M1, M2 or M3 has 8 cores and no MacBook Pro screen; an
    M1 only the 13-inch Air's 1440x900."""
    macs = 0
    for visit in world:
        d = visit["attributes"]["device"]
        renderer = str(d.get("webgl_renderer", ""))
        for name in ("M1", "M2", "M3"):
            if f"Renderer: Apple {name}," in renderer:
                macs += 1
                assert d["hardware_concurrency"] == 8
                assert (d["screen_width"], d["screen_height"]) not in ((1512, 982), (1728, 1117))
                if name == "M1" and d["pixel_ratio"] == 2:
                    assert (d["screen_width"], d["screen_height"]) not in ((1470, 956),)
    assert macs >= 20


def test_towers_stay_home_and_undocked(world: list[dict[str, Any]]) -> None:
    """A machine with a desktop graphics card is a tower: never docked, never abroad."""
    tower = re.compile(r"GeForce (RTX|GTX) \d{3,4}|Radeon RX \d{3,4}(?![0-9]*M)")
    towers = 0
    for visit in world:
        renderer = str(visit["attributes"]["device"].get("webgl_renderer", ""))
        if tower.search(renderer) and "Laptop" not in renderer:
            towers += 1
            assert not {"docked_monitor", "trip_abroad"} & set(visit["events"])
    assert towers >= 10


def test_a_phone_states_one_android_release(world: list[dict[str, Any]]) -> None:
    """Firefox's agent states the Android release; the same phone's SDK says the same."""
    stated: dict[str, set[str]] = defaultdict(set)
    for visit in world:
        agent = visit["headers"]["User-Agent"]
        found = re.search(r"Android (\d+); Mobile", agent)
        if visit["channel"] == "web" and found:
            stated[visit["device"]].add(found.group(1))
        elif visit["channel"] == "android":
            stated[visit["device"]].add(visit["attributes"]["software"]["os_version"])
    assert all(len(releases) == 1 for releases in stated.values())


def test_a_phones_app_and_browser_describe_one_screen(world: list[dict[str, Any]]) -> None:
    """The SDK's panel in physical pixels, the browser's in CSS pixels (rounded up):
    one panel, of a spec-sheet size (no 1081-pixel Android panel)."""
    web: dict[str, tuple[int, int, float]] = {}
    app: dict[str, tuple[int, int]] = {}
    for visit in world:
        d = visit["attributes"]["device"]
        if visit["channel"] == "web" and d.get("touch_points") == 5:
            if "docked_monitor" not in visit["events"]:
                web[visit["device"]] = (d["screen_width"], d["screen_height"], d["pixel_ratio"])
        elif visit["channel"] in ("android", "ios"):
            app[visit["device"]] = (d["screen_width"], d["screen_height"])
    both = set(web) & set(app)
    assert len(both) >= 20
    for device in both:
        (w, h, dpr), (pw, ph) = web[device], app[device]
        assert pw in (750, 828, 1080, 1125, 1170, 1179, 1206, 1242, 1284, 1290, 1320, 1440)
        assert (w, h) == (math.ceil(pw / dpr - 1e-9), math.ceil(ph / dpr - 1e-9))
