"""Fixtures for the adversary harness tests: the real service, and the harness run against it.

The service runs as an operator runs it (`tests.process.running_server`); the harness runs as
its CLI in a subprocess (`python -m tools.adversary run`), a small matrix of kits, costumes
and honest controls, once per module: its sessions are then read back from the JSON Lines
file it wrote. What it needs is installed by tools/install_browser.sh and
tools/install_adversary.sh (tools/run test calls both); without it the tests skip, and fail
on CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.process import Server, running_server
from tests.support import REPO
from tools.adversary import Result, read_results

NEEDED = {
    Path("/usr/bin/chromium"): "tools/install_browser.sh",
    Path("/usr/bin/Xvfb"): "tools/install_browser.sh",
    Path("/usr/bin/xdotool"): "tools/install_adversary.sh",
    Path("/usr/bin/firefox-esr"): "tools/install_adversary.sh",
    REPO / "tools/adversary/node/node_modules": "tools/install_adversary.sh",
}
RUN_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Run:
    """One CLI run of the harness: what it was asked, what it printed, what it recorded."""

    args: tuple[str, ...]
    results: list[Result]
    stdout: str
    out_dir: Path


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node not found; run tools/install_adversary.sh"
    for path, script in NEEDED.items():
        if not path.exists():
            return f"{path} not found; run {script}"
    return None


@pytest.fixture(scope="module")
def adversary_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with running_server(tmp_path_factory.mktemp("service")) as srv:
        yield srv


def run_harness(server: Server, out_dir: Path, *args: str) -> Run:
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.jsonl"
    argv = (
        "run",
        "--base-url",
        server.base_url,
        "--out",
        str(results),
        "--summary",
        str(out_dir / "summary.md"),
        "--plot",
        str(out_dir / "scores.png"),
        *args,
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tools.adversary", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Run(argv, read_results(results), proc.stdout, out_dir)
