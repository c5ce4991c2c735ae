"""engine/static/collector.js in headless Chromium against the running service.

Plain sync tests on Playwright's sync API (see conftest.py for why). The visitor is played
with real input: `keyboard.type` and Backspace send genuine key and input events, and the
paste is a genuine one: the text is put on Chromium's clipboard (the context is granted
clipboard permissions) and Control+V pressed in the field, which fires a trusted `paste`
event whose clipboardData the collector measures (its length only).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import msgspec
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from engine.schema import CollectRequest

if TYPE_CHECKING:
    from .conftest import Server

pytestmark = pytest.mark.browser

# What the visitor enters. None of it may ever leave the page.
NAME = "Marta Kowal"  # typed, then 2 Backspaces and the last 2 letters typed again
EMAIL = "marta.kowal@example.org"  # pasted
PHONE = "+48 600 100 200"  # typed
INCOME = "4200"  # typed
COMMENT = "A used car"  # typed
SECRETS = (NAME, EMAIL, PHONE, COMMENT, "marta", "Kowal", "600 100 200")

EXPECTED_FIELDS = {  # name -> (chars_typed, chars_pasted, corrections)
    "full_name": (len(NAME) + 2, 0, 2),
    "email": (0, len(EMAIL), 0),
    "phone": (len(PHONE), 0, 0),
    "income": (len(INCOME), 0, 0),
    "comment": (len(COMMENT), 0, 0),
}
# keydown events: every typed character, 2 Backspaces, and Control + V for the paste
KEYDOWNS = len(NAME) + 2 + 2 + 2 + len(PHONE) + len(INCOME) + len(COMMENT)

# The contract (docs/api.md): every score response has these fields and at least these flags.
API_FLAGS = set(
    "proxy vpn tor datacenter_ip emulator virtual_machine automation timezone_mismatch"
    " language_mismatch ua_mismatch paste_in_form typing_anomaly credit_app_stacking"
    " proxy_app_installed known_fraud_device".split()
)
SCORE_FIELDS = set(
    "session_id score device_id device_confidence user_id flags attributes reasons"
    " model_version".split()
)
WEB_DEVICE = set(
    "screen_width screen_height pixel_ratio color_depth hardware_concurrency touch_points"
    " canvas_hash audio_hash fonts_hash fonts_count plugins_count".split()
)  # device_memory is Chromium-only; webgl_* only where WebGL works
WEB_SOFTWARE = set(
    "user_agent platform languages timezone timezone_offset_min do_not_track webdriver".split()
)
API_KEYS = {"demo_site": "demo_key", "demo2_site": "demo2_key"}


@dataclass
class Visit:
    page: Page
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (url, post body)
    problems: list[str] = field(default_factory=list)  # page errors and console errors


def open_demo(context: BrowserContext, server: Server, site_key: str | None = None) -> Visit:
    page = context.new_page()
    visit = Visit(page)
    page.on("request", lambda r: visit.requests.append((r.url, r.post_data)))
    page.on("pageerror", lambda exc: visit.problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            visit.problems.append(f"console {msg.type}: {msg.text}")
            if msg.type in ("error", "warning")
            else None
        ),
    )
    query = f"?site_key={site_key}" if site_key else ""
    page.goto(f"{server.base_url}/demo{query}")
    session_id = page.evaluate("window.anonscore.ready")
    assert isinstance(session_id, str), visit.problems  # null: no session
    assert session_id
    assert page.evaluate("window.anonscore.sessionId()") == session_id
    return visit


def fill_application(page: Page) -> None:
    page.click("#full_name")
    page.keyboard.type(NAME)
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type(NAME[-2:])
    page.evaluate("text => navigator.clipboard.writeText(text)", EMAIL)
    page.click("#email")
    page.keyboard.press("Control+V")
    assert page.input_value("#email") == EMAIL, "the clipboard paste did not happen"
    page.click("#phone")
    page.keyboard.type(PHONE)
    page.click("#income")
    page.keyboard.type(INCOME)
    page.click("#comment")
    page.keyboard.type(COMMENT)
    assert page.input_value("#full_name") == NAME


def submit(page: Page) -> tuple[str, dict[str, Any], int, dict[str, Any]]:
    """Click submit; return (session id shown, collect body, collect status, collect answer)."""
    with page.expect_response(lambda r: r.url.endswith("/v1/collect")) as info:
        page.click("#submit")
    result = page.wait_for_selector("#result[data-session-id]:not([data-session-id=''])")
    assert result is not None
    assert "Application received" in result.inner_text()
    response = info.value
    body = response.request.post_data_json
    assert isinstance(body, dict)
    return result.get_attribute("data-session-id") or "", body, response.status, response.json()


def score(server: Server, site_key: str, session_id: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/v1/score",
        headers={"Authorization": f"Bearer {API_KEYS[site_key]}"},
        json={"session_id": session_id},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert isinstance(answer, dict)
    return answer


def assert_valid_payload(body: dict[str, Any], site_key: str, session_id: str) -> None:
    request = msgspec.convert(body, CollectRequest)  # the service's own strict schema
    assert request.session_id == session_id
    assert request.site_key == site_key
    assert request.channel == "web"


def test_demo_page_end_to_end(context: BrowserContext, server: Server) -> None:
    visit = open_demo(context, server)
    page = visit.page
    fill_application(page)
    shown_id, body, status, answer = submit(page)

    session_id = page.evaluate("window.anonscore.sessionId()")
    assert shown_id == session_id
    assert status == 202, answer
    assert answer["dropped"] == []  # tenant demo enables no optional attribute: none was sent
    assert_valid_payload(body, "demo_site", session_id)

    attributes = body["attributes"]
    device, software, network = attributes["device"], attributes["software"], attributes["network"]
    assert WEB_DEVICE <= set(device)
    assert re.fullmatch(r"[0-9a-f]{64}", device["canvas_hash"])  # SHA-256: loopback is secure
    assert WEB_SOFTWARE <= set(software)
    assert software["webdriver"] is True
    assert "HeadlessChrome" in software["user_agent"]
    assert "connection_type" in network

    behaviour = attributes["behaviour"]
    assert behaviour["pages_visited"] == 1
    assert behaviour["time_on_page_ms"] > 0
    assert "keystroke_intervals_ms" not in behaviour  # typing_rhythm is off for demo
    assert "custom" not in attributes
    assert "persistent_session" not in software  # off for demo: no IndexedDB value
    seen = {
        f["name"]: (f["chars_typed"], f["chars_pasted"], f["corrections"])
        for f in behaviour["fields"]
    }
    assert seen == EXPECTED_FIELDS
    assert all(f["focus_ms"] > 0 for f in behaviour["fields"])

    result = score(server, "demo_site", session_id)
    assert SCORE_FIELDS <= set(result)
    assert result["session_id"] == session_id
    assert 0.0 <= result["score"] <= 1.0
    assert API_FLAGS <= set(result["flags"])
    assert result["flags"]["automation"] is True  # headless Chromium: navigator.webdriver
    assert result["flags"]["paste_in_form"] is True
    features = result["attributes"]
    assert features["chars_typed_total"] == sum(v[0] for v in EXPECTED_FIELDS.values())
    assert features["chars_pasted_total"] == len(EMAIL)
    assert features["corrections_total"] == 2
    assert features["fields_count"] == len(EXPECTED_FIELDS)

    # Privacy: no cookie, nothing in web storage, and what was typed never left the page.
    assert context.cookies() == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.evaluate("indexedDB.databases()") == []
    for url, post_data in visit.requests:
        for secret in SECRETS:
            assert secret not in url
            assert post_data is None or secret not in post_data, (secret, url)
    assert visit.problems == []


def test_typing_rhythm_only_when_the_tenant_enables_it(
    context: BrowserContext, server: Server
) -> None:
    off = open_demo(context, server, "demo_site")
    fill_application(off.page)
    _, body_off, status_off, _ = submit(off.page)
    assert status_off == 202
    assert "keystroke_intervals_ms" not in body_off["attributes"]["behaviour"]
    off.page.close()

    on = open_demo(context, server, "demo2_site")
    session_id = on.page.evaluate("window.anonscore.sessionId()")
    fill_application(on.page)
    _, body_on, status_on, answer = submit(on.page)
    assert status_on == 202, answer
    assert_valid_payload(body_on, "demo2_site", session_id)
    intervals = body_on["attributes"]["behaviour"]["keystroke_intervals_ms"]
    assert len(intervals) == KEYDOWNS - 1
    assert all(isinstance(ms, int) and 0 <= ms <= 60_000 for ms in intervals)
    assert "keystroke_intervals_ms" not in answer["dropped"]

    # persistent_session is on for demo2: a value kept in IndexedDB, the same on the next visit.
    ps = body_on["attributes"]["software"]["persistent_session"]
    assert re.fullmatch(r"[0-9a-f]{64}", ps)
    again = open_demo(context, server, "demo2_site")
    assert again.page.evaluate("window.anonscore.sessionId()") != session_id
    with again.page.expect_response(lambda r: r.url.endswith("/v1/collect")) as info:
        again.page.evaluate("window.anonscore.flush()")
    assert info.value.status == 202
    assert info.value.request.post_data_json["attributes"]["software"]["persistent_session"] == ps
    assert score(server, "demo2_site", session_id)["session_id"] == session_id
    assert on.problems + off.problems + again.problems == []


def test_a_failing_probe_is_skipped(context: BrowserContext, server: Server) -> None:
    # Canvas read-back throws (as with anti-fingerprinting extensions), audio rendering hangs.
    context.add_init_script(
        """
        HTMLCanvasElement.prototype.toDataURL = function () { throw new Error('blocked'); };
        OfflineAudioContext.prototype.startRendering = function () {
            return new Promise(function () {});
        };
        """
    )
    visit = open_demo(context, server)
    page = visit.page
    fill_application(page)
    shown_id, body, status, answer = submit(page)
    assert status == 202, answer
    device = body["attributes"]["device"]
    assert "canvas_hash" not in device
    assert "audio_hash" not in device
    assert WEB_DEVICE - {"canvas_hash", "audio_hash"} <= set(device)
    assert_valid_payload(body, "demo_site", shown_id)
    result = score(server, "demo_site", shown_id)
    assert result["flags"]["automation"] is True
    assert visit.problems == []


def test_a_hanging_service_does_not_block_the_applicant(
    context: BrowserContext, server: Server
) -> None:
    visit = open_demo(context, server)
    page = visit.page
    held: list[Route] = []
    page.route("**/v1/collect", lambda route: held.append(route))  # never answered
    fill_application(page)
    started = time.monotonic()
    page.click("#submit")
    page.wait_for_selector("#result[data-session-id]:not([data-session-id=''])", timeout=5000)
    waited = time.monotonic() - started
    assert held, "the collector did not try to post its attributes"
    assert 1.4 <= waited < 4.0
    assert page.get_attribute("#result", "data-session-id") == page.evaluate(
        "window.anonscore.sessionId()"
    )
    for route in held:
        route.abort()


def test_a_phone_with_touch_input(browser: Browser, server: Server) -> None:
    """Mobile traffic: a touch screen, a small viewport, a high pixel ratio, taps not clicks."""
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        # the engine's own major: Chromium's client hints tell any other version apart
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, "
        f"like Gecko) Chrome/{browser.version.split('.')[0]}.0.0.0 Mobile Safari/537.36",
    )
    try:
        visit = open_demo(phone, server)
        page = visit.page
        page.tap("#full_name")
        page.keyboard.type(NAME)
        page.tap("#email")
        page.keyboard.type(EMAIL)
        page.tap("#income")
        page.keyboard.type(INCOME)
        session_id, body, status, _ = submit(page)
        assert status == 202
        assert_valid_payload(body, "demo_site", session_id)
        device = body["attributes"]["device"]
        assert device["touch_points"] >= 1
        assert device["pixel_ratio"] == 3
        assert min(device["screen_width"], device["screen_height"]) <= 430
        answer = score(server, "demo_site", session_id)
        assert answer["attributes"]["ua_is_mobile"] is True
        assert answer["flags"]["ua_mismatch"] is False  # a consistent phone is not flagged
        typed = {f["name"]: f["chars_typed"] for f in body["attributes"]["behaviour"]["fields"]}
        assert typed["full_name"] == len(NAME)
        assert visit.problems == []
    finally:
        phone.close()


def test_an_unreachable_service_does_not_block_the_form(
    context: BrowserContext, server: Server
) -> None:
    """No session at page load: the form is still submitted, at once, with an empty id."""
    page = context.new_page()
    page.route("**/v1/sessions", lambda route: route.abort())
    page.goto(f"{server.base_url}/demo")
    assert page.evaluate("window.anonscore.ready") is None
    page.fill("#full_name", NAME)
    page.fill("#email", EMAIL)
    started = time.monotonic()
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])", timeout=5000)
    assert time.monotonic() - started < 1.0  # no flush to wait for
    assert page.get_attribute("#result", "data-session-id") == ""
