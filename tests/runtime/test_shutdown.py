"""Shutdown as documented (engine/runtime/server.py, engine/http/listener.py): on SIGTERM the
listener stops accepting, and a request already in flight gets `graceful_s` (5 s) to finish,
with the engine still behind it, before anything is cancelled."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

from tests.process import running_server

SLOW_S = 1.5  # longer than any fixed pause a shutdown might allow, shorter than graceful_s


def _exit_code(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    raise AssertionError("the server did not exit after its requests finished")


def test_a_slow_request_in_flight_gets_its_answer_across_sigterm(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        host, port = srv.base_url.removeprefix("http://").split(":")
        body = b'{"site_key": "demo_site"}'
        head = (
            f"POST /v1/sessions HTTP/1.1\r\nHost: {host}\r\nOrigin: {srv.base_url}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(head + body[:5])  # the request is in flight: its body half sent
            os.kill(srv.pid, signal.SIGTERM)
            time.sleep(SLOW_S)  # a slow client, not a wait for the server to settle
            # a new connection is no longer accepted once the listener has stopped
            with socket.socket() as late:
                late.settimeout(2)
                refused = late.connect_ex((host, int(port))) != 0
            sock.sendall(body[5:])
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 201 "), answer[:200]
        assert refused, "the listener kept accepting after SIGTERM"
        assert _exit_code(srv.pid, timeout=15) == 0


def test_sigterm_with_an_idle_keep_alive_connection_exits_cleanly(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        host, port = srv.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as idle:
            idle.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            assert idle.recv(65536).startswith(b"HTTP/1.1 200 ")
            os.kill(srv.pid, signal.SIGTERM)  # the connection stays open, idle
            assert _exit_code(srv.pid, timeout=15) == 0
            assert idle.recv(65536) == b"", "an idle keep-alive connection is closed"
