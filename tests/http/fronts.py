"""A trivial front for engine/http/protocol.py and listener.py, and a raw response reader.

The front answers every request with its method, path and body; `/early` is answered from
the head alone (401, as the real front refuses a bad key before the body); `/slow` waits
until the test sets `gate`. It records what it saw, so a test can tell what reached it.
"""

from __future__ import annotations

from typing import Any

import msgspec
import trio

from engine.config import ServiceFile
from engine.http.messages import Request, RequestHead, Response
from engine.http.protocol import HttpLimits


class EchoFront:
    def __init__(self, max_body: int = 1024) -> None:
        self.max_body = max_body
        self.heads: list[str] = []  # paths seen at the head
        self.requests: list[str] = []  # paths whose body reached on_request
        self.released = 0
        self.protocol_errors: list[int] = []
        self.gate = trio.Event()
        self.in_flight = trio.Event()  # set when /slow has started

    def max_body_bytes(self) -> int:
        return self.max_body

    def on_head(self, head: RequestHead) -> Response | None:
        self.heads.append(head.path)
        head.admitted = True
        if head.path == "/early":
            return Response(401, b"no", "text/plain")
        return None

    async def on_request(self, request: Request) -> Response:
        head = request.head
        self.requests.append(head.path)
        if head.path == "/slow":
            self.in_flight.set()
            await self.gate.wait()
        body = f"{head.method} {head.path} ".encode() + request.body
        return Response(200, body, "text/plain")

    def release(self, head: RequestHead) -> None:
        self.released += 1

    def on_protocol_error(self, status: int) -> None:
        self.protocol_errors.append(status)


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def closes(self) -> bool:
        return self.headers.get("connection") == "close"


class Reader:
    """Responses parsed off a byte stream (any trio stream), as they come."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self.stream = stream
        self.buffer = b""
        self.eof = False

    async def more(self) -> bool:
        data = await self.stream.receive_some(65536)
        if not data:
            self.eof = True
        self.buffer += data
        return bool(data)

    async def answer(self) -> Answer:
        while b"\r\n\r\n" not in self.buffer:
            assert await self.more(), f"connection closed before an answer: {self.buffer!r}"
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            assert await self.more(), "connection closed inside a body"
            rest = self.buffer.partition(b"\r\n\r\n")[2]
        self.buffer = rest[length:]
        return Answer(status, headers, rest[:length])

    async def closed(self) -> bool:
        """True when the server closed the stream with nothing more to read."""
        while not self.eof:
            if await self.more():
                return False
        return self.buffer == b""


def limits(**overrides: Any) -> HttpLimits:
    """The connection limits of the default config (their one source), with `overrides`."""
    return msgspec.structs.replace(HttpLimits.of(ServiceFile()), **overrides)
