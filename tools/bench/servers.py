"""The servers under test as child processes: a free port, start pinned to a CPU, wait
until ready, stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .client import HOST
from .cpu import pin_to

REPO = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Child:
    """A server subprocess with its output in a log file; `stop()` ends it (SIGINT, then kill)."""

    def __init__(self, name: str, argv: list[str], cpu: int | None, logfile: Path) -> None:
        self.name, self.logfile = name, logfile
        self.out = logfile.open("wb")
        self.proc = subprocess.Popen(
            argv,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            preexec_fn=pin_to(cpu),
        )

    def tail(self, lines: int = 25) -> str:
        text = self.logfile.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self, url: str, ready: Callable[[int], bool], timeout: float) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no env proxy
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with status {self.proc.returncode} "
                    f"before it was ready; the end of its log:\n{self.tail()}"
                )
            try:
                with opener.open(url, timeout=2) as r:
                    status = r.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            if status and ready(status):
                return
            time.sleep(0.25)
        raise RuntimeError(
            f"{self.name} not ready after {timeout:.0f} s; the end of its log:\n{self.tail()}"
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
