"""Fixtures for the browser tests: the real service in a subprocess, and headless Chromium.

The service runs as `python -m engine.cli serve` on a free port (a subprocess, as an operator
runs it), with a copy of `config/` whose demo tenants also allow that port's origin (the
shipped config allows :8080 only; `tests.support.copy_config` does the rewrite).
Chromium is the system one (`tools/install_browser.sh`), driven by Playwright's sync API:
pytest-trio runs async tests under Trio, and Playwright's async API needs asyncio.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from tests.support import copy_config

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
READY_TIMEOUT_S = 60.0  # numba compiles the kernels on a first start
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # without these Chromium keeps calling home, which floods a closed network
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Server:
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[bytes], server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                response = client.get(f"{server.base_url}/readyz")
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}"
            except httpx.TransportError as exc:
                last = type(exc).__name__
            time.sleep(0.2)
    pytest.fail(f"server not ready after {READY_TIMEOUT_S:.0f} s ({last}):\n{server.log_tail()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    root = tmp_path_factory.mktemp("service")
    config_dir = copy_config(root / "config", extra_origin=base_url)
    tenants = (config_dir / "tenants.toml").read_text()
    assert tenants.count(f'"{base_url}"') >= 2, "the demo tenants must allow the test origin"
    data_dir = root / "data"
    data_dir.mkdir()
    srv = Server(base_url=base_url, log_path=root / "server.log")
    cmd = [
        sys.executable,
        "-m",
        "engine.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--config-dir",
        str(config_dir),
    ]
    with srv.log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(proc, srv)
        yield srv
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found; run tools/install_browser.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    ctx = browser.new_context()
    # Real clipboard, so that Control+V in a field fires a genuine `paste` event.
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    try:
        yield ctx
    finally:
        ctx.close()
