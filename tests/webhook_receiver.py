"""A real webhook receiver on loopback for the tests: a small Trio HTTP/1.1 server that
answers 200, answers 500, holds the request past the sender's timeout ("slow"), or is not
listening at all ("down": the sender's connection is refused)."""

from __future__ import annotations

import socket
from typing import Literal

import trio

Mode = Literal["ok", "fail", "slow"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mode: Mode = "ok"
        self.received: list[tuple[dict[str, str], bytes, int]] = []  # headers, body, status
        self.release = trio.Event()  # ends the "slow" hold
        self._scope: trio.CancelScope | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def delivered(self) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b, status in self.received if status == 200]

    async def up(self, nursery: trio.Nursery) -> None:
        await nursery.start(self._serve)

    def down(self) -> None:
        assert self._scope is not None
        self._scope.cancel()
        self._scope = None

    async def _serve(self, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        with trio.CancelScope() as scope:
            self._scope = scope
            listeners = await trio.open_tcp_listeners(self.port, host="127.0.0.1")
            async with trio.open_nursery() as nursery:
                await nursery.start(trio.serve_listeners, self._handle, listeners)
                task_status.started()

    async def _handle(self, stream: trio.SocketStream) -> None:
        async with stream:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = await stream.receive_some(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                chunk = await stream.receive_some(65536)
                if not chunk:
                    return
                body += chunk
            if self.mode == "slow":
                self.received.append((headers, body, 0))
                await self.release.wait()
                return
            status = 200 if self.mode == "ok" else 500
            self.received.append((headers, body, status))
            reason = b"OK" if status == 200 else b"Internal Server Error"
            await stream.send_all(
                b"HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                % (status, reason)
            )
