"""plugins/tampering.py, plugins/engine_version.py, plugins/header_order.py: the lies a
costume tells, and what a privacy browser's uniform profile is excused."""

from __future__ import annotations

from typing import Any

import pytest

from plugins import engine_version, header_order, tampering
from tests.plugins.support import ANGLE_NVIDIA, UA, build_context, build_session, codes_of

CTX = build_context()
ALL_FEATURES = list(engine_version.SHIPPED)
CHROMIUM_ORDER = (
    "sec-ch-ua-platform",
    "user-agent",
    "sec-ch-ua",
    "content-type",
    "sec-ch-ua-mobile",
    "accept",
    "origin",
    "sec-fetch-site",
    "referer",
    "accept-encoding",
    "accept-language",
)


def windows(coherence: dict[str, Any], **device: Any) -> dict[str, Any]:
    return {
        "software": {"user_agent": UA["chrome_win"], "platform": "Win32"},
        "device": {"webgl_renderer": ANGLE_NVIDIA, "touch_points": 0, **device},
        "coherence": coherence,
    }


HONEST = {
    "worker_differs": [],
    "frame_differs": [],
    "native_claims": [],
    "native_readback": [],
    "geometry_conflicts": [],
    "pointer": "fine",
    "hover": True,
    "touch_events": False,
    "max_texture_size": 16384,
    "font_families": ["windows"],
    "engine_features": ALL_FEATURES,
    "devtools_protocol": False,
}


def lies(attributes: dict[str, Any]) -> dict[str, str]:
    return tampering.lies(build_session(attributes))


def test_an_honest_browser_tells_no_lie(real_profile) -> None:
    assert lies(windows(HONEST)) == {}
    assert tampering.anonscore_evaluate_rule(build_session(windows(HONEST))) is None
    assert tampering.anonscore_evaluate_rule(real_profile) is None


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"worker_differs": ["hardware_concurrency"]}, "worker"),
        ({"frame_differs": ["platform"]}, "worker"),
        ({"worker_differs": ["webgl_renderer"]}, "renderer"),
        ({"native_claims": ["navigator_platform"]}, "native"),
        ({"native_claims": ["proxy"]}, "native"),
        ({"max_texture_size": 8192}, "renderer"),
        ({"geometry_conflicts": ["screen_aspect"]}, "geometry"),
        ({"font_families": ["linux"]}, "fonts"),
    ],
)
def test_each_lie_is_named(change: dict[str, Any], kind: str) -> None:
    found = lies(windows({**HONEST, **change}))
    assert set(found) == {kind}
    hits = tampering.anonscore_evaluate_rule(build_session(windows({**HONEST, **change})))
    assert hits is not None
    assert [(h.flag, h.strength) for h in hits] == [("tampering", 1.0)]


def test_a_phone_claim_with_a_desktop_pointer_and_no_touch() -> None:
    phone = {
        "software": {"user_agent": UA["safari_iphone"], "platform": "iPhone"},
        "coherence": {"pointer": "fine", "hover": True, "touch_events": False},
    }
    assert set(lies(phone)) == {"geometry"}
    phone["coherence"] = {"pointer": "coarse", "hover": False, "touch_events": True}
    assert lies(phone) == {}


def test_software_and_generic_renderers_are_not_judged_by_texture_size() -> None:
    for renderer in ("Google SwiftShader", "llvmpipe (LLVM 15.0.7, 256 bits)", "Mozilla"):
        attrs = windows({**HONEST, "max_texture_size": 8192}, webgl_renderer=renderer)
        assert lies(attrs) == {}, renderer


def test_facts_outside_the_known_set_are_ignored() -> None:
    assert lies(windows({**HONEST, "worker_differs": ["something_new"]})) == {}


def rfp(coherence: dict[str, Any]) -> dict[str, Any]:
    """Firefox with resistFingerprinting on Windows: WebGL "Mozilla", UTC-like zone."""
    return {
        "software": {
            "user_agent": UA["firefox_win"],
            "platform": "Win32",
            "timezone": "Atlantic/Reykjavik",
            "timezone_offset_min": 0,
        },
        "device": {"webgl_vendor": "Mozilla", "webgl_renderer": "Mozilla"},
        "coherence": coherence,
    }


def test_resist_fingerprinting_is_excused_its_uniform_profile() -> None:
    uniform = {"font_families": ["linux"], "geometry_conflicts": ["screen_aspect"]}
    assert lies(rfp({**HONEST, **uniform, "max_texture_size": 2048})) == {}
    # but not a worker that disagrees: RFP answers the same in every scope
    assert set(lies(rfp({**HONEST, "worker_differs": ["platform"]}))) == {"worker"}


# -- the claimed version against the engine's built-ins (plugins/engine_version.py) ------


CHROME = UA["chrome_win"]  # Chrome 131: every built-in of the table but RegExp.escape (136)
CHROME_131 = ALL_FEATURES[:-1]
FIREFOX_128 = ALL_FEATURES[:7]  # up to URL.parse (126); Promise.try came in 134


@pytest.mark.parametrize(
    ("ua", "features", "fires"),
    [
        (CHROME, CHROME_131, False),
        (CHROME, ALL_FEATURES, True),  # RegExp.escape: Chromium 136 or later
        (CHROME.replace("131.", "120."), CHROME_131, True),  # has promise_try (128)
        (CHROME, [f for f in CHROME_131 if f != "promise_try"], True),  # lacks 128's
        (UA["firefox_esr_win"], FIREFOX_128, False),
        (UA["firefox_esr_win"].replace("128.", "115."), FIREFOX_128, True),
        (UA["safari_iphone"], ALL_FEATURES[:6], False),  # Safari 17.6
        (UA["safari_iphone"], ALL_FEATURES[:3], True),  # lacks object_group_by (17.4)
        ("Mozilla/5.0 (X11) Konqueror/5", [], False),  # not judged
    ],
)
def test_the_engine_is_as_old_as_it_says(ua: str, features: list[str], fires: bool) -> None:
    assert (engine_version.contradiction(ua, features) is not None) is fires


def test_engine_version_rule_sets_tampering() -> None:
    attrs = {
        "software": {"user_agent": CHROME.replace("131.", "110.")},
        "coherence": {"engine_features": ALL_FEATURES},
    }
    hit = engine_version.anonscore_evaluate_rule(build_session(attrs))
    assert hit is not None
    assert (hit.code, hit.flag) == ("TAMPERING_ENGINE_VERSION", "tampering")
    assert engine_version.anonscore_evaluate_rule(build_session({"coherence": {}})) is None


# -- the collect request's header order (plugins/header_order.py) --------------------------


def ordered(order: tuple[str, ...], ua: str = CHROME) -> Any:
    session = build_session({}, http_user_agent=ua, http_header_order=order)
    return header_order.anonscore_evaluate_rule(session)


def test_chromium_sends_accept_language_last() -> None:
    assert ordered(CHROMIUM_ORDER) is None
    moved = ("accept-language", *[h for h in CHROMIUM_ORDER if h != "accept-language"])
    hit = ordered(moved)
    assert hit is not None
    assert (hit.code, hit.flag) == ("TAMPERING_HEADER_ORDER", "tampering")


def test_firefox_order_is_its_own() -> None:
    firefox = ("user-agent", "accept", "accept-language", "accept-encoding", "content-type")
    assert ordered(firefox, UA["firefox_win"]) is None
    assert ordered((), CHROME) is None  # nothing recorded: nothing judged


def test_codes_of_the_sample_costume() -> None:
    attrs = windows({**HONEST, "worker_differs": ["platform"], "font_families": ["linux"]})
    hits = tampering.anonscore_evaluate_rule(build_session(attrs))
    assert codes_of(hits) == {"TAMPERING_WORKER", "TAMPERING_FONTS"}
