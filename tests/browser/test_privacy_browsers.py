"""Browsers with privacy protections are not liars (docs/anti-detect.md).

Started by hand under Xvfb, no driver and no DevTools protocol, as a person would:

- Debian's Firefox ESR with `privacy.resistFingerprinting` on (a profile whose user.js sets
  it): its uniform profile (UTC-like time zone, WebGL "Mozilla", a rounded screen) must come
  out `PRIVACY_BROWSER`, never `tampering` nor `automation`.
- Debian's Chromium with its canvas readback varying from one browser session to the
  next, as Brave's farbling makes it. Farbling is native engine code: what the collector
  sees of it is a canvas (and audio) readback that differs per session while every
  function stays the engine's own. An extension or an init script would emulate it with
  patched JavaScript functions, i.e. with a costume of its own, so the variation is made
  natively instead: each run gets its own fontconfig rasterization settings (hinting,
  antialiasing; FONTCONFIG_FILE), which change the canvas pixels inside the engine.
  Chromium's own CanvasNoise feature would be the closer match, but Debian's build does
  not noise a CPU-rastered canvas under Xvfb (measured: identical readbacks with
  `--enable-features=CanvasNoise`). Audio farbling cannot be emulated natively here; no
  lie probe reads audio values (docs/anti-detect.md).

The page's test hook (`?autosubmit=1`, demo.html) fills the form; `&report=` posts the
session id to a listener here, which scores it as a lender's back-end would.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.process import Server

from .conftest import CHROMIUM_ARGS
from .test_collector import score

pytestmark = pytest.mark.browser

FIREFOX = Path("/usr/bin/firefox-esr")
WAIT_S = 90.0
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <match target="font">
    <edit name="hintstyle" mode="assign"><const>{hint}</const></edit>
    <edit name="antialias" mode="assign"><bool>{aa}</bool></edit>
  </match>
</fontconfig>
"""
# A first-run-free, quiet profile: no telemetry, no updates, no welcome page.
FIREFOX_PREFS = {
    "privacy.resistFingerprinting": "true",
    "browser.shell.checkDefaultBrowser": "false",
    "browser.aboutwelcome.enabled": "false",
    "browser.startup.homepage_override.mstone": '"ignore"',
    "datareporting.policy.dataSubmissionEnabled": "false",
    "toolkit.telemetry.enabled": "false",
    "app.update.enabled": "false",
    "network.captive-portal-service.enabled": "false",
}
CANVAS_PAGE = b"""<!doctype html><body><script>
var c = document.createElement('canvas'); c.width = 200; c.height = 50;
var x = c.getContext('2d'); x.fillStyle = '#f60'; x.fillRect(10, 5, 120, 30);
x.fillStyle = '#069'; x.font = '16px sans-serif'; x.fillText('anonscore noise', 12, 25);
fetch('/', {method: 'POST', body: c.toDataURL()});
</script></body>"""


class Listener:
    """A loopback HTTP listener: serves CANVAS_PAGE, keeps what is posted to it."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.arrived = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(CANVAS_PAGE)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                owner.received.append(self.rfile.read(length))
                self.send_response(204)
                self.end_headers()
                owner.arrived.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    srv = Listener()
    try:
        yield srv
    finally:
        srv.close()


def run_by_hand(cmd: list[str], display: str, listener: Listener, log: Path, **env: str) -> bytes:
    """Start a browser (no driver), wait for the page to post, stop it; what it posted."""
    listener.arrived.clear()
    before = len(listener.received)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            env={**os.environ, **env, "DISPLAY": display},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert listener.arrived.wait(WAIT_S), log.read_text(errors="replace")[-2000:]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return listener.received[before]


def chromium_cmd(chromium_path: Path, profile: Path, url: str, *extra: str) -> list[str]:
    return [str(chromium_path), *CHROMIUM_ARGS, *extra, f"--user-data-dir={profile}", url]


def firefox_cmd(profile: Path, url: str) -> list[str]:
    profile.mkdir()
    prefs = "\n".join(f'user_pref("{k}", {v});' for k, v in FIREFOX_PREFS.items())
    (profile / "user.js").write_text(prefs + "\n")
    return [str(FIREFOX), "--no-remote", "--profile", str(profile), url]


def assert_not_a_liar(answer: dict[str, Any]) -> None:
    codes = {r["code"] for r in answer["reasons"]}
    assert answer["flags"]["tampering"] is False, answer["reasons"]
    assert answer["flags"]["automation"] is False, answer["reasons"]
    assert answer["attributes"]["tampering_lies"] is None, codes
    assert answer["score"] < 0.5, answer["reasons"]


def demo_url(server: Server, listener: Listener) -> str:
    return f"{server.base_url}/demo?autosubmit=1&report={listener.url}"


def test_firefox_resisting_fingerprinting_is_a_privacy_browser(
    server: Server, display: str, listener: Listener, tmp_path: Path
) -> None:
    if not FIREFOX.exists():
        reason = f"{FIREFOX} not found; run tools/install_browser.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    cmd = firefox_cmd(tmp_path / "profile", demo_url(server, listener))
    session_id = run_by_hand(cmd, display, listener, tmp_path / "firefox.log").decode()
    answer = score(server, "demo_site", session_id)
    assert_not_a_liar(answer)
    assert "resist_fingerprinting" in answer["attributes"]["privacy_protections"]
    assert "PRIVACY_BROWSER" in {r["code"] for r in answer["reasons"]}


def session_rendering(tmp_path: Path, run: str, hint: str, aa: bool) -> dict[str, str]:
    """The environment of one browser session with its own rasterization settings."""
    conf = tmp_path / f"{run}.conf"
    conf.write_text(FONTCONFIG.format(hint=hint, aa=str(aa).lower()))
    return {"FONTCONFIG_FILE": str(conf)}


def test_chromium_with_per_session_canvas_is_not_a_liar(
    chromium_path: Path, server: Server, display: str, listener: Listener, tmp_path: Path
) -> None:
    def canvas(run: str, hint: str, aa: bool) -> str:
        profile = tmp_path / run
        cmd = chromium_cmd(chromium_path, profile, listener.url)
        env = session_rendering(tmp_path, run, hint, aa)
        posted = run_by_hand(cmd, display, listener, tmp_path / f"{run}.log", **env)
        shutil.rmtree(profile, ignore_errors=True)
        return hashlib.sha256(posted).hexdigest()

    # the variation is real, and the engine's: one drawing, two sessions, two readbacks
    first = canvas("session-1", "hintnone", True)
    assert canvas("session-2", "hintfull", False) != first
    assert canvas("session-3", "hintnone", True) == first  # settings, not chance

    profile = tmp_path / "demo"
    cmd = chromium_cmd(chromium_path, profile, demo_url(server, listener))
    env = session_rendering(tmp_path, "demo", "hintfull", False)
    session_id = run_by_hand(cmd, display, listener, tmp_path / "demo.log", **env).decode()
    answer = score(server, "demo_site", session_id)
    assert_not_a_liar(answer)
