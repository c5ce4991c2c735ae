from __future__ import annotations

import pytest

from plugins import automation
from tests.plugins.support import UA, build_context, build_session, codes_of

extract = automation.anonscore_extract_features
evaluate = automation.anonscore_evaluate_rule
CTX = build_context()

SWIFTSHADER = (
    "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)"
)


def test_no_trace_on_real_devices(real_profile) -> None:
    assert extract(real_profile, CTX)["automation_signals"] == 0
    assert evaluate(real_profile, CTX) is None


def test_webdriver_fires_alone() -> None:
    session = build_session({"software": {"user_agent": UA["chrome_win"], "webdriver": True}})
    hits = evaluate(session, CTX)
    assert [(h.code, h.flag, h.strength) for h in hits] == [
        ("AUTOMATION_WEBDRIVER", "automation", 1.0)
    ]
    assert extract(session, CTX)["automation_signals"] == 1


@pytest.mark.parametrize("webdriver", [False, None])
def test_webdriver_false_or_absent_is_quiet(webdriver: bool | None) -> None:
    session = build_session({"software": {"user_agent": UA["chrome_win"], "webdriver": webdriver}})
    assert evaluate(session, CTX) is None


def test_headless_user_agent_fires_alone() -> None:
    for ua in (UA["headless_chrome"], UA["chrome_win"].replace("Chrome/", "HeadlessChrome/")):
        hits = evaluate(build_session({"software": {"user_agent": ua}}), CTX)
        assert codes_of(hits) == {"AUTOMATION_HEADLESS"}


def test_one_soft_trace_is_not_enough() -> None:
    session = build_session(
        {"software": {"user_agent": UA["chrome_linux"]}, "device": {"webgl_renderer": SWIFTSHADER}}
    )
    assert extract(session, CTX)["automation_signals"] == 1
    assert evaluate(session, CTX) is None


def test_two_soft_traces_fire_and_more_are_stronger() -> None:
    attrs = {
        "software": {"user_agent": UA["chrome_linux"], "languages": ["en-US"]},
        "device": {"webgl_renderer": SWIFTSHADER, "plugins_count": 0},
    }
    hits = evaluate(build_session(attrs), CTX)
    assert [(h.code, h.strength) for h in hits] == [("AUTOMATION_SIGNALS", 0.95)]
    assert hits[0].detail == "software_renderer,no_plugins_desktop_chrome"

    attrs["software"]["languages"] = []
    attrs["device"] |= {"screen_width": 800, "screen_height": 600}
    hits = evaluate(build_session(attrs), CTX)
    assert [(h.code, h.strength) for h in hits] == [("AUTOMATION_SIGNALS", 1.0)]


def test_no_plugins_counts_only_for_desktop_chromium() -> None:
    for ua in ("chrome_android", "firefox_win", "safari_mac", "samsung_android"):
        attrs = {
            "software": {"user_agent": UA[ua], "languages": []},
            "device": {"plugins_count": 0},
        }
        assert extract(build_session(attrs), CTX)["automation_signals"] == 1, ua


def test_inhuman_typing_speed_over_the_page_visit() -> None:
    fields = [{"name": "a", "chars_typed": 120}, {"name": "b", "chars_typed": 80}]
    fast = {"behaviour": {"fields": fields, "time_on_page_ms": 2_000}}
    assert extract(build_session(fast), CTX)["automation_signals"] == 1
    slow = {"behaviour": {"fields": fields, "time_on_page_ms": 60_000}}
    assert extract(build_session(slow), CTX)["automation_signals"] == 0
    fast["device"] = {"screen_width": 800, "screen_height": 600}
    assert codes_of(evaluate(build_session(fast), CTX)) == {"AUTOMATION_SIGNALS"}


def test_settings_lower_the_bar() -> None:
    session = build_session({"device": {"webgl_renderer": "llvmpipe (LLVM 15.0.7, 256 bits)"}})
    assert evaluate(session, CTX) is None
    hits = evaluate(session, build_context({"min_soft_signals": 1}))
    assert codes_of(hits) == {"AUTOMATION_SIGNALS"}


@pytest.mark.parametrize("bad", ["2", None, -1, True, float("nan"), [1]])
def test_bad_settings_fall_back_to_defaults(bad: object) -> None:
    session = build_session({"device": {"webgl_renderer": "llvmpipe"}})
    assert evaluate(session, build_context({"min_soft_signals": bad})) is None


def test_empty_session() -> None:
    assert extract(build_session({}), CTX)["automation_signals"] == 0
    assert evaluate(build_session({}), CTX) is None


@pytest.mark.parametrize(
    "signal",
    [
        "webdriver_tampered",
        "chrome_object_missing",
        "notification_permission_inconsistent",
        "window_without_ui",
        "zero_outer_size",
    ],
)
def test_page_probes_fire_alone(signal: str) -> None:
    attrs = {
        "software": {"user_agent": UA["chrome_win"], "automation_signals": [signal]},
        "device": {"touch_points": 0},
    }
    hits = evaluate(build_session(attrs), CTX)
    assert [(h.code, h.flag, h.strength) for h in hits] == [("AUTOMATION_PAGE", "automation", 1.0)]


@pytest.mark.parametrize("ua", ["chrome_android", "safari_iphone", "chrome_ipad"])
def test_window_probes_count_only_on_desktops(ua: str) -> None:
    for signal in ("window_without_ui", "zero_outer_size", "screen_window_without_ui"):
        attrs = {"software": {"user_agent": UA[ua], "automation_signals": [signal]}}
        assert evaluate(build_session(attrs), CTX) is None, (ua, signal)


def test_a_screen_sized_window_without_ui_is_soft() -> None:
    attrs = {
        "software": {"user_agent": UA["chrome_linux"]},
        "device": {"touch_points": 0, "webgl_renderer": SWIFTSHADER},
    }
    assert evaluate(build_session(attrs), CTX) is None
    attrs["software"]["automation_signals"] = ["screen_window_without_ui"]
    hits = evaluate(build_session(attrs), CTX)
    assert [(h.code, h.detail) for h in hits] == [
        ("AUTOMATION_SIGNALS", "screen_window_without_ui,software_renderer")
    ]


def test_unknown_signal_names_are_ignored() -> None:
    attrs = {"software": {"user_agent": UA["chrome_win"], "automation_signals": ["new_probe"]}}
    assert evaluate(build_session(attrs), CTX) is None


@pytest.mark.parametrize(
    ("ua_data", "fires"),
    [
        (
            {
                "ua_data_brands": ["Chromium/131", "Google Chrome/131"],
                "ua_data_platform": "Windows",
            },
            False,
        ),
        ({"ua_data_brands": ["Chromium/156"], "ua_data_platform": "Windows"}, True),
        ({"ua_data_brands": ["Chromium/131"], "ua_data_platform": "Linux"}, True),
        ({"ua_data_brands": ["Chromium/131"], "ua_data_mobile": True}, True),
        ({"ua_data_brands": ["HeadlessChrome/131"]}, True),
    ],
)
def test_user_agent_data_against_the_user_agent(ua_data: dict[str, object], fires: bool) -> None:
    attrs = {"software": {"user_agent": UA["chrome_win"], **ua_data}}
    assert bool(evaluate(build_session(attrs), CTX)) is fires


def test_android_in_desktop_mode_agrees_with_its_user_agent_data() -> None:
    attrs = {
        "software": {
            "user_agent": UA["samsung_desktop_mode"],
            "ua_data_brands": ["Chromium/122", "Samsung Internet/26"],
            "ua_data_platform": "Android",
            "ua_data_mobile": False,
        }
    }
    assert evaluate(build_session(attrs), CTX) is None
