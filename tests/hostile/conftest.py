"""A service with short connection limits, and a raw HTTP/1.1 client over a plain socket.

HTTP client libraries hide what these tests look at (whether the server closed the
connection, answered before the body, honoured `Connection: close`), so the tests speak
HTTP/1.1 byte by byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import trio

from tests.process import Server, running_server
from tests.support import Running, copy_config, start

LIMITS = {
    "header_timeout_s": 1.0,
    "body_grace_s": 1.0,
    "keep_alive_timeout_s": 1.0,
    "max_connections": 40,
}


def set_service(config_dir: Path, **values: object) -> None:
    """Set keys of config/service.toml (an existing key is replaced in place)."""
    path = config_dir / "service.toml"
    text = path.read_text()
    for key, value in values.items():
        line = f"{key} = {toml_value(value)}"
        pattern = re.compile(rf"^{key}\s*=.*$", re.M)
        text = pattern.sub(line, text) if pattern.search(text) else text + f"\n{line}\n"
    path.write_text(text)


def toml_value(value: object) -> str:
    """A TOML literal for a string, number, bool, list or table."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


async def close_raw_clients() -> None:
    while RawClient.opened:
        await RawClient.opened.pop().aclose()


@pytest.fixture
async def hostile(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config_dir = copy_config(tmp_path / "config")
    set_service(config_dir, **LIMITS)
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running
    await close_raw_clients()


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def closes(self) -> bool:
        return self.headers.get("connection", "").lower() == "close"


class RawClient:
    """One TCP connection, HTTP/1.1 by hand."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buffer = b""

    opened: ClassVar[list[RawClient]] = []  # closed by the `raw_clients` fixture after each test

    @classmethod
    async def connect(cls, port: int, *, source: str | None = None) -> RawClient:
        """A connection to the service; from the loopback address `source` (127.0.0.x)
        when given, to look like another client."""
        if source is None:
            stream = await trio.open_tcp_stream("127.0.0.1", port)
        else:
            sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
            try:
                await sock.bind((source, 0))
                await sock.connect(("127.0.0.1", port))
            except BaseException:
                sock.close()
                raise
            stream = trio.SocketStream(sock)
        client = cls(stream)
        cls.opened.append(client)
        return client

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def _fill(self) -> bool:
        data = await self.stream.receive_some(65536)
        if not data:
            return False
        self.buffer += data
        return True

    async def answer(self, within: float = 5.0) -> Answer:
        """Read one response (Content-Length framed, as the service always sends)."""
        with trio.fail_after(within):
            while b"\r\n\r\n" not in self.buffer:
                if not await self._fill():
                    raise EOFError("connection closed before an answer")
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ")[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            while len(self.buffer) < length:
                if not await self._fill():
                    raise EOFError("connection closed inside an answer")
            body, self.buffer = self.buffer[:length], self.buffer[length:]
            return Answer(status, headers, body)

    async def closed(self, within: float = 5.0) -> bool:
        """True when the server closes the connection within `within` s (data discarded)."""
        with trio.move_on_after(within):
            try:
                while await self._fill():
                    pass
            except trio.BrokenResourceError:
                pass
            return True
        return False

    async def aclose(self) -> None:
        await self.stream.aclose()


def request(
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    length: int | None = None,
    version: str = "1.1",
) -> bytes:
    """Bytes of a request; `length` declares a Content-Length other than len(body)."""
    lines = [f"{method} {path} HTTP/{version}", "Host: 127.0.0.1"]
    all_headers = dict(headers or {})
    if body is not None or length is not None:
        all_headers.setdefault(
            "Content-Length", str(len(body or b"") if length is None else length)
        )
    lines += [f"{k}: {v}" for k, v in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service as an operator runs it (`anonscore serve` in a process), shared by the
    tests of this package that only talk to it."""
    with running_server(tmp_path_factory.mktemp("served")) as srv:
        yield srv
