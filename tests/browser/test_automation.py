"""Automation in real Chromium: driven browsers are found, a person's browser is not.

Driven: headless Chromium under Playwright, with its user agent spoofed to a normal one,
`navigator.webdriver` hidden by `--disable-blink-features=AutomationControlled` or by an
init script, and without a viewport. Each must come out `automation`, in the top band.

Not driven: Debian's Chromium started by hand under Xvfb, without remote debugging and
without Playwright, opening the demo page by URL. The page's test hook (`?autosubmit=1`)
fills the form with synthetic input and submits; `&report=` has it post the session id to
a listener here, which this test then scores through the API like a lender's back-end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright

from tests.process import Server

from .conftest import CHROMIUM_ARGS
from .test_collector import fill_application, open_demo, score, submit

pytestmark = pytest.mark.browser

TOP_BAND = 0.8
WAIT_S = 60.0


@pytest.fixture(scope="module")
def stealth_browser(playwright: Playwright, chromium_path: Path) -> Iterator[Browser]:
    """Headless Chromium that does not announce automation (navigator.webdriver false)."""
    browser = playwright.chromium.launch(
        executable_path=str(chromium_path),
        headless=True,
        args=[*CHROMIUM_ARGS, "--disable-blink-features=AutomationControlled"],
    )
    try:
        yield browser
    finally:
        browser.close()


def windows_chrome(major: int) -> str:
    return (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.0.0 Safari/537.36"
    )


def linux_chrome(major: int) -> str:
    return (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.0.0 Safari/537.36"
    )


def drive(browser: Browser, server: Server, init_script: str = "", **options: Any) -> Any:
    """One application through a new context; returns (payload, score answer)."""
    context = browser.new_context(**options)
    try:
        if init_script:
            context.add_init_script(init_script)
        visit = open_demo(context, server)
        fill_application(visit.page)
        session_id, body, status, _ = submit(visit.page)
        assert status == 202
        return body["attributes"], score(server, "demo_site", session_id)
    finally:
        context.close()


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer["reasons"]}


def test_spoofed_user_agent_without_webdriver(stealth_browser: Browser, server: Server) -> None:
    attrs, answer = drive(stealth_browser, server, user_agent=windows_chrome(131))
    assert attrs["software"]["webdriver"] is False
    assert attrs["software"]["user_agent"] == windows_chrome(131)
    assert answer["flags"]["automation"] is True
    assert "AUTOMATION_UA_DATA" in codes(answer)  # userAgentData: the real engine and OS
    assert "HTTP_HINTS_MISMATCH" in codes(answer)  # Sec-CH-UA: the same, from the server
    assert answer["score"] >= TOP_BAND


def test_consistent_user_agent_without_webdriver(stealth_browser: Browser, server: Server) -> None:
    """The most careful spoof Playwright's options allow: the engine's own version and OS."""
    major = int(stealth_browser.version.split(".")[0])
    attrs, answer = drive(stealth_browser, server, user_agent=linux_chrome(major))
    assert attrs["software"]["webdriver"] is False
    assert "HeadlessChrome" not in attrs["software"]["user_agent"]
    assert answer["flags"]["automation"] is True
    assert "screen_window_without_ui" in attrs["software"]["automation_signals"]
    assert answer["score"] >= TOP_BAND


def test_webdriver_redefined_by_a_stealth_script(browser: Browser, server: Server) -> None:
    hide = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false});"
    major = int(browser.version.split(".")[0])
    attrs, answer = drive(browser, server, hide, user_agent=windows_chrome(major))
    assert attrs["software"]["webdriver"] is False
    assert "webdriver_tampered" in attrs["software"]["automation_signals"]
    assert "AUTOMATION_PAGE" in codes(answer)
    assert answer["score"] >= TOP_BAND


# -- a person's Chromium: no driver, no remote debugging ----------------------------------


class _Reports(BaseHTTPRequestHandler):
    received: list[str]
    arrived: threading.Event

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append(self.rfile.read(length).decode())
        self.send_response(204)
        self.end_headers()
        self.arrived.set()

    def log_message(self, *args: Any) -> None:
        pass


def test_chromium_started_by_hand_is_not_automation(
    chromium_path: Path, server: Server, display: str, tmp_path: Path
) -> None:
    received: list[str] = []
    arrived = threading.Event()
    handler = type("Handler", (_Reports,), {"received": received, "arrived": arrived})
    listener = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    report = f"http://127.0.0.1:{listener.server_address[1]}/"
    profile = tmp_path / "profile"
    args = [a for a in CHROMIUM_ARGS if not a.startswith("--remote-debugging")]
    with (tmp_path / "chromium.log").open("wb") as log:
        chromium = subprocess.Popen(
            [
                str(chromium_path),
                *args,
                f"--user-data-dir={profile}",
                f"{server.base_url}/demo?autosubmit=1&report={report}",
            ],
            env={**os.environ, "DISPLAY": display},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert arrived.wait(WAIT_S), (tmp_path / "chromium.log").read_text()[-2000:]
    finally:
        chromium.terminate()
        chromium.wait(timeout=20)
        listener.shutdown()
        listener.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    (session_id,) = received
    answer = score(server, "demo_site", session_id)
    assert answer["flags"]["automation"] is False, answer["reasons"]
    assert answer["flags"]["tampering"] is False, answer["reasons"]
    assert answer["attributes"]["tampering_lies"] is None
    assert answer["flags"]["ua_mismatch"] is False, answer["reasons"]
    assert answer["attributes"]["automation_traces"] is None
    assert answer["attributes"]["http_client_kind"] == "browser"
    assert answer["attributes"]["http_client_hints"] is True
    assert answer["attributes"]["fields_count"] >= 3  # the form's input was counted
    assert answer["score"] < 0.5
