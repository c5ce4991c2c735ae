"""The collect request's own headers over real HTTP (plugins/http_client.py, _bots.py).

Script clients, declared bots from the shipped crawler-user-agents list, app networking
stacks on the web, a browser on the SDK channel, a header that is not the payload's and
client hints that contradict it: each is sent as the client would send it, and scored.
"""

from __future__ import annotations

import json
from typing import Any

import crawleruseragents
import httpx
import pytest

from tests.support import CHROME_WIN, ORIGIN, Running, android_attributes, web_attributes

FIREFOX_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_HINTS = {
    "Sec-CH-UA": '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
    "Sec-CH-UA-Mobile": "?0",
    "Sec-CH-UA-Platform": '"Windows"',
}
TOP_BAND = 0.8


def instance(pattern: str) -> str:
    """The first real user agent the shipped list gives for one of its patterns."""
    for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA:
        if entry["pattern"] == pattern:
            return str(entry["instances"][0])
    raise AssertionError(f"no list entry with pattern {pattern!r}")


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer["reasons"]}


async def as_client(svc: Running, ua: str | None, attrs: Any = None, **kw: Any) -> dict[str, Any]:
    headers = {"User-Agent": ua if ua is not None else ""}
    return await svc.flow(attrs or web_attributes(), headers={**headers, **kw})


async def test_a_browser_is_quiet(svc: Running) -> None:
    answer = await as_client(svc, CHROME_WIN, **CHROME_HINTS)
    assert answer["flags"]["automation"] is False
    assert answer["flags"]["ua_mismatch"] is False
    assert answer["attributes"]["http_client_kind"] == "browser"
    assert answer["attributes"]["http_ua_matches_payload"] is True
    assert answer["attributes"]["http_client_hints"] is True
    assert answer["score"] < 0.1


@pytest.mark.parametrize(
    "ua", ["Python-urllib/3.11", "curl/8.5.0", "Go-http-client/1.1", "okhttp/4.12.0", ""]
)
async def test_a_script_client_posting_a_browser_payload_is_automation(
    svc: Running, ua: str
) -> None:
    answer = await as_client(svc, ua)
    assert answer["flags"]["automation"] is True
    assert "HTTP_SCRIPT_CLIENT" in codes(answer)
    assert answer["score"] >= TOP_BAND


@pytest.mark.parametrize(
    "ua",
    [
        instance("Googlebot\\/"),
        instance("MagpieRSS"),
        instance("Feedfetcher-Google"),
        instance("Validator\\.nu"),
        "Hello World",
        "firefox",
        "DynatraceSynthetic/1.179",
    ],
)
async def test_a_bot_with_its_own_user_agent_is_automation(svc: Running, ua: str) -> None:
    attrs = web_attributes(software__user_agent=ua)
    answer = await as_client(svc, ua, attrs)
    assert answer["flags"]["automation"] is True
    assert codes(answer) & {"HTTP_CRAWLER", "HTTP_NOT_A_BROWSER", "UA_BOT"}
    assert answer["score"] >= TOP_BAND


@pytest.mark.parametrize(
    "ua",
    [
        "Lender/5.12 CFNetwork/1494.0.7 Darwin/23.4.0",
        "Dalvik/2.1.0 (Linux; U; Android 14; SM-S918B Build/UP1A.231005.007)",
    ],
)
async def test_an_app_networking_stack_cannot_run_the_collector(svc: Running, ua: str) -> None:
    answer = await as_client(svc, ua)
    assert answer["flags"]["automation"] is True
    assert answer["attributes"]["http_client_kind"] == "app_stack"


async def test_the_sdk_posts_from_its_own_stack(svc: Running) -> None:
    attrs = android_attributes()
    sdk = await svc.flow(attrs, channel="android", headers={"User-Agent": "okhttp/4.12.0"})
    assert sdk["flags"]["automation"] is False
    assert sdk["flags"]["ua_mismatch"] is False
    browser = await svc.flow(attrs, channel="android", headers={"User-Agent": CHROME_WIN})
    assert browser["flags"]["ua_mismatch"] is True
    assert "SDK_BROWSER_USER_AGENT" in codes(browser)
    script = await svc.flow(attrs, channel="android", headers={"User-Agent": "curl/8.5.0"})
    assert script["flags"]["automation"] is True


async def test_a_header_that_is_not_the_payloads_user_agent(svc: Running) -> None:
    answer = await as_client(svc, FIREFOX_WIN)
    assert answer["flags"]["ua_mismatch"] is True
    assert "HTTP_UA_MISMATCH" in codes(answer)
    assert answer["attributes"]["http_ua_matches_payload"] is False


async def test_client_hints_of_another_chromium_give_a_spoof_away(svc: Running) -> None:
    # Playwright with a spoofed user agent: Chromium 156 sends its own hints.
    real = {"Sec-CH-UA": '"Not:A-Brand";v="8", "Chromium";v="156"', "Sec-CH-UA-Mobile": "?0"}
    answer = await as_client(svc, CHROME_WIN, **real, **{"Sec-CH-UA-Platform": '"Windows"'})
    assert answer["flags"]["ua_mismatch"] is True
    assert "HTTP_HINTS_MISMATCH" in codes(answer)
    linux = await as_client(svc, CHROME_WIN, **{**CHROME_HINTS, "Sec-CH-UA-Platform": '"Linux"'})
    assert "HTTP_HINTS_MISMATCH" in codes(linux)
    headless = await as_client(
        svc, CHROME_WIN, **{**CHROME_HINTS, "Sec-CH-UA": '"HeadlessChrome";v="131"'}
    )
    assert headless["flags"]["automation"] is True
    assert "HTTP_HEADLESS_HINT" in codes(headless)
    firefox = web_attributes(software__user_agent=FIREFOX_WIN)
    hinted = await as_client(svc, FIREFOX_WIN, firefox, **CHROME_HINTS)
    assert "HTTP_HINTS_MISMATCH" in codes(hinted)  # Firefox sends no client hints


async def test_headers_are_stored_bounded_and_an_identifier_is_withheld(svc: Running) -> None:
    contact = "MyCrawler/1.0 (+mailto:ops.team@example.org)"
    answer = await as_client(svc, contact)
    record = await svc.service.session_record(answer["session_id"])
    assert record.http_user_agent is None
    assert record.http_withheld == ["user-agent"]
    assert answer["flags"]["automation"] is True
    dump = b"".join(k + v for k, v in (await svc.snapshot()).items())
    assert b"ops.team@example.org" not in dump

    long_ua = CHROME_WIN + " x" * 2000
    answer = await as_client(svc, long_ua, **CHROME_HINTS)
    record = await svc.service.session_record(answer["session_id"])
    assert record.http_user_agent == long_ua[:1024]
    assert record.http_ch_ua == CHROME_HINTS["Sec-CH-UA"]
    assert (record.http_ch_ua_mobile, record.http_ch_ua_platform) == (False, "Windows")


async def collect_in_order(svc: Running, headers: list[tuple[str, str]]) -> dict[str, Any]:
    """A collect whose headers go out exactly in this order (no client defaults merged)."""
    sid = await svc.session()
    body = {"session_id": sid, "site_key": "demo_site", "channel": "web",
            "attributes": web_attributes()}  # fmt: skip
    request = httpx.Request(
        "POST",
        svc.client.base_url.join("/v1/collect"),
        headers=[("Origin", ORIGIN), ("Content-Type", "application/json"), *headers],
        content=json.dumps(body).encode(),
    )
    response = await svc.client.send(request)
    assert response.status_code == 202, response.text
    scored = await svc.score(sid)
    return dict(scored.json())


async def test_header_order_keeps_names_and_gives_an_injected_header_away(svc: Running) -> None:
    chromium = [
        ("sec-ch-ua-platform", '"Windows"'),
        ("User-Agent", CHROME_WIN),
        ("sec-ch-ua", CHROME_HINTS["Sec-CH-UA"]),
        ("sec-ch-ua-mobile", "?0"),
        ("Accept", "*/*"),
        ("Accept-Encoding", "gzip, deflate, br, zstd"),
        ("Accept-Language", "en-US,en;q=0.9"),
    ]
    honest = await collect_in_order(svc, chromium)
    record = await svc.service.session_record(honest["session_id"])
    assert record.http_header_order is not None
    assert record.http_header_order[-2:] == ["accept-encoding", "accept-language"]
    assert "TAMPERING_HEADER_ORDER" not in codes(honest)
    # a kit's extra headers (CDP Network.setExtraHTTPHeaders) come before Accept
    language = chromium.pop()
    costume = await collect_in_order(svc, [*chromium[:4], language, *chromium[4:]])
    assert costume["flags"]["tampering"] is True
    assert "TAMPERING_HEADER_ORDER" in codes(costume)
