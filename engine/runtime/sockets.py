"""The listening sockets and the data directory's permissions: the few operating-system
calls start-up makes before anything is served (engine/runtime/server.py, workers.py)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

BACKLOG = 100  # pending connections the kernel queues per listening socket


def restrict_permissions(data_dir: Path) -> None:
    """The data directory and everything under it: directories 0700, files 0600."""
    data_dir.chmod(0o700)
    for root, dirs, files in os.walk(data_dir):
        for name in dirs:
            (Path(root) / name).chmod(0o700)
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                path.chmod(0o600)


def inherited_socket(fd: int) -> list[socket.socket]:
    """The listening socket a parent process (`--workers N`) made and passed down."""
    sock = socket.socket(fileno=fd)
    sock.setblocking(False)
    return [sock]


def listen_sockets(host: str, port: int, *, workers: int = 1) -> list[socket.socket]:
    """A bound, listening socket for `host:port` (IPv6 when the host has a colon), with
    SO_REUSEADDR, TCP_NODELAY, and SO_REUSEPORT when several worker processes share the
    port. (Hypercorn's `Config.create_sockets` did this before; these few lines are all of
    it the service used.)"""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if workers > 1 and hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host.strip("[]"), port))
        sock.setblocking(False)
        sock.set_inheritable(True)
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return [sock]
