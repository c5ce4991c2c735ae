"""The service as an operator runs it: `python -m engine.cli serve` in a subprocess.

For tests that cannot run under Trio (Playwright's sync API, schemathesis): the service gets
a free port, a fresh data directory and a copy of `config/` whose demo tenants also allow the
port's origin.
"""

from __future__ import annotations

import dataclasses
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import REPO, copy_config

READY_TIMEOUT_S = 60.0  # numba compiles the kernels on a first start


@dataclass(frozen=True)
class Server:
    base_url: str
    log_path: Path
    data_dir: Path
    pid: int = 0

    def rss_bytes(self) -> int:
        """The server process's resident memory (Linux /proc)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS for the server process")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def run_module(
    module: str, *args: str, timeout: float = 60, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS` from the repository, as an operator types it: output captured
    as text, a non-zero exit returned (not raised)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        input=input,
        timeout=timeout,
        check=False,
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_ready(proc: subprocess.Popen[bytes], server: Server) -> None:
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


@contextmanager
def running_server(
    root: Path, configure: Callable[[Path], None] | None = None, host: str = "127.0.0.1"
) -> Iterator[Server]:
    """`anonscore serve` on a free port of `host` (a loopback address) with a copy of config/
    (changed by `configure`, given the copy's directory, before the start), until the block
    ends; then SIGTERM."""
    port = free_port(host)
    base_url = f"http://{host}:{port}"
    config_dir = copy_config(root / "config", extra_origin=base_url)
    if configure is not None:
        configure(config_dir)
    tenants = (config_dir / "tenants.toml").read_text()
    assert tenants.count(f'"{base_url}"') >= 2, "the demo tenants must allow the test origin"
    data_dir = root / "data"
    data_dir.mkdir()
    srv = Server(base_url=base_url, log_path=root / "server.log", data_dir=data_dir)
    cmd = [
        sys.executable,
        "-m",
        "engine.cli",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--config-dir",
        str(config_dir),
    ]
    with srv.log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    srv = dataclasses.replace(srv, pid=proc.pid)
    try:
        wait_ready(proc, srv)
        yield srv
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
