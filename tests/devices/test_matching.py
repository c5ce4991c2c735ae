"""The linking rules, without a store: what is ruled out, what drift explains, what a
missing component does, and how candidates are chosen."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from engine.devices import band_keys, choose, compare, fitted, observe, ruled_out
from engine.devices.matching import DECISIVE_SCORE, behind, best_score
from engine.schema import Attributes, DeviceProfile, Observation
from tests.support import web_attributes

KEY = b"k" * 32
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS {v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/{m} Mobile/15E148 Safari/604.1"
)


def chrome(major: int, system: str = "Windows NT 10.0; Win64; x64") -> str:
    return (
        f"Mozilla/5.0 ({system}) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.0.0 Safari/537.36"
    )


def seen(t: float = 0.0, **overrides: Any) -> Observation:
    attrs = msgspec.convert(web_attributes(**overrides), Attributes)
    return observe(attrs, "web", KEY, t, "198.51.100.0/24")


def iphone(version: str, **overrides: Any) -> Observation:
    ua = IPHONE_UA.format(v=version.replace(".", "_"), m=".".join(version.split(".")[:2]))
    phone: dict[str, Any] = {
        "software__user_agent": ua,
        "software__platform": "iPhone",
        "device__webgl_vendor": "Apple Inc.",
        "device__webgl_renderer": "Apple GPU",
        "device__touch_points": 5,
        "device__screen_width": 390,
        "device__screen_height": 844,
        "device__pixel_ratio": 3,
        "device__device_memory": None,
    }
    return seen(**(phone | overrides))


def profile(*recent: Observation, sessions: int = 1) -> DeviceProfile:
    return DeviceProfile(first_seen=0.0, last_seen=0.0, sessions=sessions, recent=list(recent))


PARAMS = fitted()
BASE = seen()


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("os family (Windows to Linux)",
         {"software__user_agent": chrome(131, "X11; Linux x86_64")}),
        ("platform", {"software__platform": "MacIntel"}),
        ("browser family (Chrome to Edge)",
         {"software__user_agent": chrome(131) + " Edg/131.0.0.0"}),
        ("GPU vendor", {"device__webgl_renderer": "ANGLE (AMD, AMD Radeon RX 6600 (0x000073FF) "
                                                  "Direct3D11 vs_5_0 ps_5_0, D3D11)"}),
        ("GPU model", {"device__webgl_renderer": "ANGLE (NVIDIA, NVIDIA GeForce GTX 1650 "
                                                 "(0x00001F82) Direct3D11 vs_5_0 ps_5_0, D3D11)"}),
        ("touch support", {"device__touch_points": 10}),
        ("colour depth", {"device__color_depth": 30}),
        ("browser downgrade", {"software__user_agent": chrome(120)}),
        ("time zone and language together",
         {"software__timezone": "Asia/Tokyo", "software__languages": ["ja-JP"]}),
        ("another persistent session", {"software__persistent_session": "b" * 24}),
    ],
)  # fmt: skip
def test_impossible_drift_is_ruled_out(name: str, change: dict[str, Any]) -> None:
    old = seen(software__persistent_session="a" * 24) if "persistent" in name else BASE
    new = seen(**change)
    assert ruled_out(new, old, "web"), name
    assert compare(new, old, "web", PARAMS) is None


def test_an_os_downgrade_and_a_phone_screen_change_are_ruled_out() -> None:
    assert ruled_out(iphone("17.5.1"), iphone("17.6"), "web")
    assert not ruled_out(iphone("17.6"), iphone("17.5.1"), "web")
    zoomed = iphone("17.6", device__screen_width=320, device__screen_height=693)
    assert ruled_out(zoomed, iphone("17.6"), "web")  # another display setting: another phone
    rotated = iphone("17.6", device__screen_width=844, device__screen_height=390)
    assert not ruled_out(rotated, iphone("17.6"), "web")


@pytest.mark.parametrize(
    "change",
    [
        {"software__user_agent": chrome(132), "device__canvas_hash": "0" * 64},  # an update
        {
            "software__user_agent": chrome(132),
            "device__canvas_hash": "0" * 64,
            "device__audio_hash": "35.1",
        },
        {
            "device__webgl_renderer": "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) "
            "Direct3D11 vs_5_0 ps_5_0, D3D11 31.0.15.5222)",
            "device__canvas_hash": "1" * 64,
        },  # a driver the renderer string shows; fmt: skip
        {"device__fonts_hash": "f" * 32, "device__fonts_count": 54},  # two fonts installed
        {
            "device__canvas_hash": "2" * 64,
            "device__audio_hash": "9.5",
            "device__fonts_hash": "e" * 32,
            "device__fonts_count": 40,
        },  # a private window
    ],
)
def test_explained_drift_costs_nothing(change: dict[str, Any]) -> None:
    same = compare(seen(), BASE, "web", PARAMS)
    drifted = compare(seen(**change), BASE, "web", PARAMS)
    assert same is not None
    assert drifted is not None
    assert drifted >= PARAMS.threshold["web"]
    lost = PARAMS.agree["web"]["canvas"] + PARAMS.agree["web"]["audio"]
    lost += PARAMS.agree["web"]["fonts"] + PARAMS.agree["web"]["fonts_count"]
    assert same - drifted <= lost + 1e-9  # no disagreement weight was charged


def test_unexplained_changes_cost_their_fitted_weight() -> None:
    plain = compare(seen(), BASE, "web", PARAMS)
    canvas = compare(seen(device__canvas_hash="3" * 64), BASE, "web", PARAMS)
    assert plain is not None
    assert canvas is not None
    expected = PARAMS.agree["web"]["canvas"] - PARAMS.disagree["web"]["canvas"]
    assert plain - canvas == pytest.approx(expected)
    fonts = compare(seen(device__fonts_hash="0" * 32, device__fonts_count=80), BASE, "web", PARAMS)
    assert fonts is not None
    assert fonts < PARAMS.threshold["web"]


@pytest.mark.parametrize(
    "missing",
    [
        {"device__canvas_hash": None},
        {"device__audio_hash": None},
        {"device__canvas_hash": None, "device__audio_hash": None},
    ],
)
def test_a_blocked_probe_is_no_evidence_either_way(missing: dict[str, Any]) -> None:
    new = seen(**missing)
    score = compare(new, BASE, "web", PARAMS)
    assert score is not None
    assert score >= PARAMS.threshold["web"]
    assert band_keys(new, "web")  # still found through the bands without it
    assert set(band_keys(new, "web")) & set(band_keys(BASE, "web"))


def test_a_decisive_id_wins() -> None:
    old = seen(software__persistent_session="a" * 24)
    new = seen(software__persistent_session="a" * 24, device__fonts_hash="0" * 32)
    assert compare(new, old, "web", PARAMS) == DECISIVE_SCORE


def test_an_update_is_not_explained_by_an_older_session_when_the_version_was_seen() -> None:
    """Device A at Chrome 131 then 132 (canvas X): device B at 132 with canvas Y is not A
    updated, even though A's 131 session would explain a new canvas."""
    a131 = seen(software__user_agent=chrome(131), device__canvas_hash="a" * 64)
    a132 = seen(software__user_agent=chrome(132), device__canvas_hash="b" * 64)
    b132 = seen(software__user_agent=chrome(132), device__canvas_hash="c" * 64)
    assert compare(b132, a131, "web", PARAMS) is not None  # alone, it would explain it
    both = best_score(b132, profile(a131, a132), "web", PARAMS)
    only = best_score(b132, profile(a131), "web", PARAMS)
    assert both is not None
    assert only is not None
    assert both < only


def test_a_laptop_docked_again_agrees_on_its_monitor() -> None:
    docked = seen(device__screen_width=2560, device__screen_height=1440, device__pixel_ratio=1.0)
    again = seen(device__screen_width=2560, device__screen_height=1440, device__pixel_ratio=1.0)
    alone = best_score(again, profile(BASE), "web", PARAMS)
    known = best_score(again, profile(docked, BASE), "web", PARAMS)
    assert alone is not None
    assert known is not None
    assert known > alone


def test_choose_prefers_the_most_evidence_then_the_most_sessions() -> None:
    other = seen(device__fonts_hash="1" * 32, device__fonts_count=53)  # one font more
    fit = choose(seen(), "web", [("dk_b", profile(other)), ("dk_a", profile(BASE))], PARAMS)
    assert fit is not None
    assert fit.dkey == "dk_a"
    twins = [("dk_1", profile(BASE, sessions=2)), ("dk_2", profile(BASE, sessions=9))]
    fit = choose(seen(), "web", twins, PARAMS)
    assert fit is not None
    assert (fit.dkey, fit.rivals) == ("dk_2", 1)
    assert choose(seen(software__platform="Linux x86_64"), "web", twins, PARAMS) is None


def test_versions_going_back_show_two_devices() -> None:
    assert behind(iphone("17.5.1"), profile(iphone("17.6")))
    assert not behind(iphone("17.6"), profile(iphone("17.5.1"), iphone("17.6")))
