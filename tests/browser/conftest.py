"""Fixtures for the browser tests: the real service in a subprocess, and headless Chromium.

The service runs as `python -m engine.cli serve` on a free port (a subprocess, as an operator
runs it), with a copy of `config/` whose demo tenants also allow that port's origin (the
shipped config allows :8080 only; `tests.support.copy_config` does the rewrite).
Chromium is the system one (`tools/install_browser.sh`), driven by Playwright's sync API:
pytest-trio runs async tests under Trio, and Playwright's async API needs asyncio.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright

from tests.process import Server, running_server

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
XVFB = Path("/usr/bin/Xvfb")
NO_TCP = ("-nolisten", "tcp")
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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("service")) as srv:
        yield srv


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found; run tools/install_browser.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_path: Path) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
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


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    """A private X display (Xvfb picks a free number and writes it to a pipe)."""
    if not XVFB.exists():
        reason = f"{XVFB} not found; run tools/install_browser.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    read, write = os.pipe()
    with (tmp_path / "xvfb.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(XVFB), "-displayfd", str(write), "-screen", "0", "1920x1080x24", *NO_TCP],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        assert number.isdigit(), (tmp_path / "xvfb.log").read_text()
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
