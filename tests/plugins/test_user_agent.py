from __future__ import annotations

import pytest

from plugins import user_agent
from plugins._ua import parse_ua
from tests.plugins.support import ANGLE_M1, ANGLE_NVIDIA, UA, build_session, codes_of

extract = user_agent.anonscore_extract_features
evaluate = user_agent.anonscore_evaluate_rule


@pytest.mark.parametrize(
    ("ua", "browser", "os", "mobile"),
    [
        ("chrome_win", "Chrome", "Windows", False),
        ("edge_win", "Edge", "Windows", False),
        ("firefox_win", "Firefox", "Windows", False),
        ("opera_win", "Opera", "Windows", False),
        ("chrome_mac", "Chrome", "Mac OS X", False),
        ("safari_mac", "Safari", "Mac OS X", False),
        ("firefox_mac", "Firefox", "Mac OS X", False),
        ("firefox_linux", "Firefox", "Ubuntu", False),
        ("chrome_linux", "Chrome", "Linux", False),
        ("chrome_cros", "Chrome", "Chrome OS", False),
        ("chrome_android", "Chrome Mobile", "Android", True),
        ("samsung_android", "Samsung Internet", "Android", True),
        ("firefox_android", "Firefox Mobile", "Android", True),
        ("edge_android", "Edge Mobile", "Android", True),
        ("chrome_android_tablet", "Chrome", "Android", True),
        ("safari_iphone", "Mobile Safari", "iOS", True),
        ("chrome_iphone", "Chrome Mobile iOS", "iOS", True),
        ("firefox_iphone", "Firefox iOS", "iOS", True),
        ("chrome_ipad", "Chrome Mobile iOS", "iOS", True),
        ("android_webview", "Chrome Mobile WebView", "Android", True),
    ],
)
def test_features_of_real_user_agents(ua: str, browser: str, os: str, mobile: bool) -> None:
    features = extract(build_session({"software": {"user_agent": UA[ua]}}))
    assert features["ua_browser"] == browser
    assert features["ua_os"] == os
    assert features["ua_is_mobile"] is mobile
    assert features["ua_is_bot"] is False
    assert isinstance(features["ua_browser_major"], int)


def test_versions_are_integers() -> None:
    features = extract(build_session({"software": {"user_agent": UA["safari_iphone"]}}))
    assert features["ua_browser_major"] == 17
    assert features["ua_os_major"] == 17
    assert features["ua_device_family"] == "iPhone"


def test_no_hit_on_consistent_real_devices(real_profile) -> None:
    assert evaluate(real_profile) is None


@pytest.mark.parametrize("ua", ["googlebot", "bingbot", "gptbot", "curl", "python_requests"])
def test_bots_and_http_libraries_are_automation(ua: str) -> None:
    session = build_session({"software": {"user_agent": UA[ua]}})
    assert extract(session)["ua_is_bot"] is True
    hits = evaluate(session)
    assert [(h.code, h.flag) for h in hits] == [("UA_BOT", "automation")]


def test_okhttp_is_a_bot_on_the_web_but_not_from_the_sdk() -> None:
    attrs = {"software": {"user_agent": UA["okhttp"]}}
    assert codes_of(evaluate(build_session(attrs))) == {"UA_BOT"}
    assert evaluate(build_session(attrs, channel="android")) is None


def test_headless_chrome_is_left_to_the_automation_plugin() -> None:
    session = build_session({"software": {"user_agent": UA["headless_chrome"]}})
    assert extract(session)["ua_is_bot"] is False
    assert evaluate(session) is None


@pytest.mark.parametrize(
    ("ua", "platform"),
    [
        ("chrome_android", "Win32"),
        ("chrome_win", "MacIntel"),
        ("chrome_win", "Linux x86_64"),
        ("safari_mac", "Win32"),
        ("chrome_linux", "iPhone"),
        ("safari_iphone", "Linux armv81"),
    ],
)
def test_platform_of_another_os_is_a_mismatch(ua: str, platform: str) -> None:
    session = build_session({"software": {"user_agent": UA[ua], "platform": platform}})
    hits = evaluate(session)
    assert [(h.code, h.flag) for h in hits] == [("UA_PLATFORM_MISMATCH", "ua_mismatch")]


def test_iphone_ua_on_a_mac_without_touch_is_a_mismatch() -> None:
    attrs = {
        "software": {"user_agent": UA["safari_iphone"], "platform": "MacIntel"},
        "device": {"touch_points": 0},
    }
    assert "UA_PLATFORM_MISMATCH" in codes_of(evaluate(build_session(attrs)))


@pytest.mark.parametrize(
    ("ua", "platform", "touch"),
    [
        ("safari_mac", "MacIntel", 5),  # iPad in its default desktop mode
        ("safari_iphone", "MacIntel", 5),  # iOS UA, MacIntel platform, touch: an Apple handheld
        ("safari_mac", "iPhone", 5),  # iPhone in desktop-site mode
        ("chrome_android", "Linux aarch64", 5),
        ("chrome_cros", "Linux x86_64", 10),
        ("chrome_android", "Android", 5),  # the SDK's OS name as platform
        ("chrome_win", "Win64", 0),
        ("chrome_win", "", 0),
        ("chrome_win", "FreeBSD amd64", 0),  # unknown platforms are never a mismatch
    ],
)
def test_known_real_combinations_are_not_mismatches(ua: str, platform: str, touch: int) -> None:
    attrs = {
        "software": {"user_agent": UA[ua], "platform": platform},
        "device": {"touch_points": touch},
    }
    assert evaluate(build_session(attrs)) is None


def test_phone_without_touch_is_a_mismatch() -> None:
    for ua in ("chrome_android", "safari_iphone", "samsung_android"):
        attrs = {"software": {"user_agent": UA[ua]}, "device": {"touch_points": 0}}
        assert codes_of(evaluate(build_session(attrs))) == {"UA_TOUCH_MISMATCH"}


def test_tablets_and_desktops_without_touch_are_fine() -> None:
    for ua in ("chrome_android_tablet", "chrome_win", "safari_mac", "chrome_linux"):
        attrs = {"software": {"user_agent": UA[ua]}, "device": {"touch_points": 0}}
        assert evaluate(build_session(attrs)) is None


@pytest.mark.parametrize(
    ("ua", "screen", "touch"),
    [
        ("chrome_win", (375, 812), 0),  # DevTools phone emulation with a desktop UA
        ("edge_win", (390, 844), 5),
        ("chrome_linux", (412, 915), 0),
        ("chrome_win", (150, 100), 0),
        ("safari_iphone", (1920, 1080), 5),  # phone UA, desktop monitor
        ("chrome_android", (2560, 1440), 5),
    ],
)
def test_screen_of_another_device_class_is_a_mismatch(
    ua: str, screen: tuple[int, int], touch: int
) -> None:
    attrs = {
        "software": {"user_agent": UA[ua]},
        "device": {"screen_width": screen[0], "screen_height": screen[1], "touch_points": touch},
    }
    hits = evaluate(build_session(attrs))
    assert [(h.code, h.strength) for h in hits] == [("UA_SCREEN_MISMATCH", 0.8)]


@pytest.mark.parametrize(
    ("ua", "screen", "touch"),
    [
        ("samsung_desktop_mode", (384, 832), 5),  # phone in desktop-site mode
        ("chrome_linux", (412, 915), 5),
        ("safari_mac", (390, 844), 5),  # iPhone in desktop-site mode says Macintosh
        ("chrome_win", (1080, 1920), 0),  # portrait monitor
        ("firefox_win", (384, 216), 0),  # 500 % zoom on a 1920x1080 screen in Firefox
        ("chrome_android_tablet", (1280, 800), 10),
        ("chrome_ipad", (1024, 1366), 5),
        ("chrome_win", (3440, 1440), 0),
    ],
)
def test_real_screens_are_not_mismatches(ua: str, screen: tuple[int, int], touch: int) -> None:
    attrs = {
        "software": {"user_agent": UA[ua]},
        "device": {"screen_width": screen[0], "screen_height": screen[1], "touch_points": touch},
    }
    assert evaluate(build_session(attrs)) is None


@pytest.mark.parametrize(
    ("ua", "renderer"),
    [
        ("safari_iphone", ANGLE_NVIDIA),
        ("chrome_iphone", "Adreno (TM) 740"),
        ("chrome_android", "Apple GPU"),
        ("chrome_android", ANGLE_NVIDIA),
        ("chrome_win", ANGLE_M1),
        ("chrome_win", "Apple GPU"),
        ("chrome_mac", ANGLE_NVIDIA),
        ("safari_mac", "Mali-G78"),
    ],
)
def test_renderer_of_another_platform_is_a_mismatch(ua: str, renderer: str) -> None:
    attrs = {"software": {"user_agent": UA[ua]}, "device": {"webgl_renderer": renderer}}
    assert codes_of(evaluate(build_session(attrs))) == {"UA_GPU_MISMATCH"}


@pytest.mark.parametrize(
    ("ua", "renderer"),
    [
        ("safari_iphone", "Apple GPU"),
        ("safari_iphone", "WebKit WebGL"),  # masked renderer
        ("chrome_android", "Adreno (TM) 740"),
        ("chrome_android", "Mali-G715"),
        ("chrome_mac", ANGLE_M1),
        ("chrome_mac", "ANGLE (Intel Inc., Intel(R) Iris(TM) Plus Graphics OpenGL Engine)"),
        ("chrome_win", "ANGLE (Qualcomm, Qualcomm(R) Adreno(TM) 8cx Gen 3 GPU Direct3D11)"),
        ("chrome_linux", "ANGLE (Microsoft Corporation, D3D12 (NVIDIA GeForce RTX 3060))"),
        ("chrome_android", "Android Emulator OpenGL ES Translator (ANGLE Metal Renderer)"),
        ("chrome_win", ""),
    ],
)
def test_real_renderers_are_not_mismatches(ua: str, renderer: str) -> None:
    attrs = {"software": {"user_agent": UA[ua]}, "device": {"webgl_renderer": renderer}}
    assert evaluate(build_session(attrs)) is None


def test_sdk_os_against_the_web_view_user_agent() -> None:
    iphone_ua = {"software": {"user_agent": UA["safari_iphone"]}}
    assert codes_of(evaluate(build_session(iphone_ua, channel="android"))) == {"UA_OS_MISMATCH"}
    android_on_ios = {"software": {"user_agent": UA["android_webview"], "os": "iOS"}}
    assert codes_of(evaluate(build_session(android_on_ios, channel="ios"))) == {"UA_OS_MISMATCH"}
    # iPad web views default to a Mac user agent; Android web views in desktop mode say Linux
    ipad = {"software": {"user_agent": UA["safari_mac"]}}
    assert evaluate(build_session(ipad, channel="ios")) is None
    linux = {"software": {"user_agent": UA["chrome_linux"], "os": "Android"}}
    assert evaluate(build_session(linux, channel="android")) is None
    # an unknown SDK OS name is not a claim
    tizen = {"software": {"user_agent": UA["chrome_win"], "os": "Tizen"}}
    assert evaluate(build_session(tizen)) is None


@pytest.mark.parametrize(
    "ua",
    [None, "", "   ", "x", "Mozilla/5.0", "Mozilla/5.0 ()", "\u00e9\u4e2d\U0001f600", "A" * 1024],
)
def test_odd_user_agents_never_raise(ua: str | None) -> None:
    session = build_session({"software": {"user_agent": ua, "platform": "Win32"}})
    features = extract(session)
    assert set(features) == set(user_agent.FEATURES)
    evaluate(session)


def test_missing_user_agent_gives_none_features() -> None:
    assert extract(build_session({})) == dict.fromkeys(user_agent.FEATURES)
    assert evaluate(build_session({})) is None


def test_parsing_is_cached() -> None:
    parse_ua(UA["edge_android"])
    before = parse_ua.cache_info().hits
    parse_ua(UA["edge_android"])
    assert parse_ua.cache_info().hits == before + 1
    assert parse_ua.cache_info().maxsize == 4096
