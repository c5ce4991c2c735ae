"""plugins/http_client.py and plugins/_bots.py: the collect request's own headers."""

from __future__ import annotations

import re

import crawleruseragents
import pytest

from plugins import http_client
from plugins._bots import (
    APP_STACK,
    AUTOMATION_TOOL,
    BROWSER,
    CRAWLER,
    HTTP_LIBRARY,
    NONE,
    OTHER,
    brand_pairs,
    client_kind,
    list_version,
    match_bot,
    parse_brands,
)
from tests.plugins.support import PROFILES, UA, build_session, codes_of, profile_session
from tools.bench.agents import user_agents

evaluate = http_client.anonscore_evaluate_rule
extract = http_client.anonscore_extract_features
CHROME = {"software": {"user_agent": UA["chrome_win"]}}


@pytest.mark.parametrize(
    ("ua", "kind"),
    [
        (UA["chrome_win"], BROWSER),
        (UA["safari_iphone"], BROWSER),
        (UA["ios_wkwebview"], BROWSER),
        ("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko", BROWSER),
        ("Python-urllib/3.11", HTTP_LIBRARY),
        ("curl/8.5.0", HTTP_LIBRARY),
        ("Go-http-client/1.1", HTTP_LIBRARY),
        ("okhttp/4.12.0", APP_STACK),
        ("Lender/5.12 CFNetwork/1494.0.7 Darwin/23.4.0", APP_STACK),
        (UA["headless_chrome"], AUTOMATION_TOOL),
        (UA["googlebot"], CRAWLER),
        ("Feedfetcher-Google; (+http://www.google.com/feedfetcher.html)", CRAWLER),
        ("firefox", OTHER),
        ("DynatraceSynthetic/1.179", OTHER),
        ("", NONE),
        ("   ", NONE),
    ],
)
def test_client_kind(ua: str, kind: str) -> None:
    assert client_kind(ua) == kind


def test_every_real_browser_profile_is_a_browser() -> None:
    for name, (attrs, *_) in PROFILES.items():
        ua = attrs["software"]["user_agent"]
        assert client_kind(ua) == BROWSER, name


def test_the_list_is_the_pinned_one() -> None:
    version, newest, patterns = list_version()
    assert version == "1.67.0"
    assert newest == "2026-10-22"
    assert patterns > 1000


LIST = [re.compile(str(e["pattern"])) for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA]


def _first_entry(ua: str) -> str | None:
    """The reference: every pattern of the list in its order, one by one."""
    return next((p.pattern for p in LIST if p.search(ua)), None)


def test_the_screen_finds_the_same_first_entry_as_the_whole_list() -> None:
    """match_bot screens with one regex (the plain-string patterns as a trie) before trying
    entries one by one: for every example the list carries and 2,000 browser user agents
    of the bench, it names the entry the list's own order gives, or none."""
    samples = [
        str(i) for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA for i in e.get("instances", ())
    ]
    samples += [agent[0] for agent in user_agents(2000)]
    assert len(samples) > 4000
    for ua in samples:
        found = match_bot(ua)
        assert (found.pattern if found is not None else None) == _first_entry(ua), ua


def test_brands_parse() -> None:
    hints = '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'
    assert parse_brands(hints) == [("Google Chrome", 131), ("Chromium", 131), ("Not_A Brand", 24)]
    assert parse_brands('"Chromium";v="131.0.6778.85"') == [("Chromium", 131)]
    assert parse_brands("garbage") is None
    assert parse_brands(None) is None
    assert brand_pairs(["Chromium/156", "Not:A-Brand/8", "bad", "x/y"]) == [
        ("Chromium", 156),
        ("Not:A-Brand", 8),
    ]


def test_profiles_with_their_own_header_are_quiet() -> None:
    for name in PROFILES:
        session = profile_session(name)
        ua = session.attributes.software.user_agent
        header = ua if session.channel == "web" else "okhttp/4.12.0"
        quiet = build_session(PROFILES[name][0], channel=session.channel, http_user_agent=header)
        assert evaluate(quiet) is None, name
        assert extract(quiet)["http_client_kind"] in (BROWSER, APP_STACK)


def test_nothing_recorded_means_nothing_said() -> None:
    session = build_session(CHROME)
    assert evaluate(session) is None
    assert extract(session) == {
        "http_client_kind": None,
        "http_ua_matches_payload": None,
        "http_client_hints": False,
    }


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("", "HTTP_SCRIPT_CLIENT"),
        ("Python-urllib/3.11", "HTTP_SCRIPT_CLIENT"),
        ("Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP1A)", "HTTP_SCRIPT_CLIENT"),
        (UA["bingbot"], "HTTP_CRAWLER"),
        ("Hello", "HTTP_NOT_A_BROWSER"),
        (UA["firefox_win"], "HTTP_UA_MISMATCH"),
    ],
)
def test_web_headers(header: str, code: str) -> None:
    hits = evaluate(build_session(CHROME, http_user_agent=header))
    assert code in codes_of(hits)


def test_a_withheld_header_is_no_browser() -> None:
    session = build_session(CHROME, http_withheld=("user-agent",))
    assert codes_of(evaluate(session)) == {"HTTP_NOT_A_BROWSER"}


def test_only_the_version_differs_is_weaker() -> None:
    older = UA["chrome_win"].replace("131.0.0.0", "130.0.0.0")
    (hit,) = evaluate(build_session(CHROME, http_user_agent=older))
    assert (hit.code, hit.strength) == ("HTTP_UA_MISMATCH", 0.6)


@pytest.mark.parametrize(
    ("hints", "platform", "mobile", "fires"),
    [
        ('"Chromium";v="131", "Google Chrome";v="131"', "Windows", False, False),
        ('"Chromium";v="156"', "Windows", False, True),  # another engine version
        ('"Chromium";v="131"', "Linux", False, True),  # another OS
        ('"Chromium";v="131"', "Windows", True, True),  # a phone, says the engine
        (None, "Windows", None, False),
    ],
)
def test_client_hints(hints: str | None, platform: str, mobile: bool | None, fires: bool) -> None:
    session = build_session(
        CHROME,
        http_user_agent=UA["chrome_win"],
        http_ch_ua=hints,
        http_ch_ua_platform=platform,
        http_ch_ua_mobile=mobile,
    )
    assert ("HTTP_HINTS_MISMATCH" in codes_of(evaluate(session))) is fires


def test_android_in_desktop_mode_is_not_a_hint_mismatch() -> None:
    attrs = {"software": {"user_agent": UA["samsung_desktop_mode"]}}
    session = build_session(
        attrs,
        http_user_agent=UA["samsung_desktop_mode"],
        http_ch_ua='"Chromium";v="122", "Samsung Internet";v="26"',
        http_ch_ua_platform="Android",
        http_ch_ua_mobile=False,
    )
    assert evaluate(session) is None


def test_sdk_channel() -> None:
    sdk = {"software": {"os": "Android", "user_agent": UA["android_webview"]}}
    assert evaluate(build_session(sdk, channel="android", http_user_agent="okhttp/4.12.0")) is None
    webview = build_session(sdk, channel="android", http_user_agent=UA["android_webview"])
    assert evaluate(webview) is None
    browser = build_session(sdk, channel="android", http_user_agent=UA["chrome_android"])
    assert codes_of(evaluate(browser)) == {"SDK_BROWSER_USER_AGENT"}
    script = build_session(sdk, channel="android", http_user_agent="python-requests/2.32.3")
    assert codes_of(evaluate(script)) == {"HTTP_SCRIPT_CLIENT"}
