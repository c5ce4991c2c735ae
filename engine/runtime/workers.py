"""`anonscore serve --workers N`: N stateless processes on one listening port.

The parent binds the port once and passes the listening socket to N worker processes
(`anonscore serve --listen-fd FD --worker I`), each with its own Trio engine; the kernel
hands each new connection to one of them. Every worker talks to the same Redis Cluster, so
any worker answers any request (RocksDB allows one process per directory: with it, more
than one worker is refused). The parent holds the pid file: `anonscore reload` (SIGHUP)
reaches it and it passes the signal to every worker, which each re-read the config; SIGTERM
or Ctrl-C stops them all. A worker that dies is started again after a pause.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

RESTART_PAUSE_S = 1.0


def worker_argv(args_list: list[str], fd: int, index: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "engine.cli",
        "serve",
        *args_list,
        "--listen-fd",
        str(fd),
        "--worker",
        str(index),
    ]


def run_workers(n: int, listen: tuple[str, int], args_list: list[str], data_dir: Path) -> int:
    """Bind, start `n` workers, forward signals, restart the ones that die. Blocks."""
    from engine.runtime.server import pid_file
    from engine.runtime.sockets import listen_sockets

    sock = listen_sockets(*listen)[0]
    fd = sock.fileno()
    os.set_inheritable(fd, True)
    data_dir.mkdir(parents=True, exist_ok=True)
    pid_file(data_dir).write_text(str(os.getpid()))
    children: dict[int, subprocess.Popen[bytes]] = {}
    stopping = False

    def start(index: int) -> None:
        children[index] = subprocess.Popen(worker_argv(args_list, fd, index), pass_fds=(fd,))

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        if signum != signal.SIGHUP:
            stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)

    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    print(
        f"anonscore: {n} workers on {listen[0]}:{sock.getsockname()[1]} (pid {os.getpid()})",
        file=sys.stderr,
        flush=True,
    )
    try:
        for index in range(1, n + 1):
            start(index)
        while not stopping:
            time.sleep(0.2)
            for index, child in list(children.items()):
                code = child.poll()
                if code is not None and not stopping:
                    print(
                        f"anonscore: worker {index} exited with {code}; starting it again",
                        file=sys.stderr,
                        flush=True,
                    )
                    time.sleep(RESTART_PAUSE_S)
                    start(index)
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return 0 if all(c.returncode in (0, -signal.SIGTERM) for c in children.values()) else 1
    finally:
        sock.close()
        try:
            pid_file(data_dir).unlink()
        except FileNotFoundError:
            pass
