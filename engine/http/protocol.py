"""One HTTP/1.1 connection: parsing, limits, deadlines, keep-alive and closing.

This is our adapter in place of Hypercorn's trio `TCPServer`/`H11Protocol` pair, which
leaves a connection hanging when the app answers before the request body has arrived (no
`Connection: close`, socket left open: Hypercorn issue #330), ignores `Connection: close`
and HTTP/1.0, buffers whole chunked bodies before the app can refuse them, and has no
deadline for headers or bodies. Here:

- the request head must arrive within `header_timeout_s` of its first byte, and be at most
  `max_header_bytes`; an idle keep-alive connection is closed after `keep_alive_timeout_s`;
- the body is counted while it streams in (chunked or not) and refused with 413 the moment
  it passes `max_body_bytes`; it must arrive within `body_timeout_s`;
- the front may answer from the head alone (405, 413, 415, 401, 503); then, unless the
  body has already arrived in full, the answer says `Connection: close` and the socket is
  closed (after a short lingering read, so the client sees the answer, not a reset);
- `Connection: close`, HTTP/1.0 and `Expect: 100-continue` are honoured.

Parsing is httptools (llhttp, the parser of Node.js): about 2 us a request, against about
30 us for h11. Requests on one connection are answered in order, one at a time.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

import httptools
import msgspec
import trio

from engine import errors as E
from engine.http.messages import REASONS, Request, RequestHead, Response, error_response

log = logging.getLogger("anonscore.http")

MAX_RECV = 65_536
LINGER_S = 1.0  # after answering a request whose body we did not read, read and discard...
LINGER_BYTES = 1 << 20  # ...this much at most, so the client reads the answer, not a reset


class HttpLimits(msgspec.Struct, frozen=True):
    """Connection limits, from service.toml (read at start-up)."""

    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    keep_alive_timeout_s: float = 5.0
    send_timeout_s: float = 10.0
    max_header_bytes: int = 16_384
    max_connections: int = 1024


class Front(Protocol):
    """What a connection hands requests to (engine/http/front.py)."""

    def max_body_bytes(self) -> int: ...

    def on_head(self, head: RequestHead) -> Response | None:
        """An answer from the head alone, or None to read the body and call `on_request`."""

    async def on_request(self, request: Request) -> Response: ...

    def release(self, head: RequestHead) -> None:
        """The request is over (answered or abandoned): undo its admission."""

    def on_protocol_error(self, status: int) -> None: ...


class _Message:
    """One request as the parser delivers it."""

    __slots__ = (
        "body",
        "complete",
        "head",
        "head_done",
        "head_size",
        "headers",
        "keep_alive",
        "method",
        "size",
        "too_large",
        "url",
        "version",
    )

    def __init__(self) -> None:
        self.url = b""
        self.headers: dict[str, str] = {}
        self.head_done = False
        self.head_size = 0
        self.method = "GET"
        self.version = "1.1"
        self.keep_alive = False
        self.body: list[bytes] = []
        self.size = 0
        self.too_large = False
        self.complete = False
        self.head: RequestHead | None = None


class _Date:
    """The Date header, formatted once a second."""

    def __init__(self) -> None:
        self._second = 0
        self.value = b""

    def get(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self.value = email.utils.formatdate(now, usegmt=True).encode()
        return self.value


DATE = _Date()


def encode_response(response: Response, *, close: bool, head_only: bool = False) -> bytes:
    status = response.status
    lines = [
        f"HTTP/1.1 {status} {REASONS.get(status, '')}".encode(),
        b"date: " + DATE.get(),
        b"content-length: " + str(len(response.body)).encode(),
    ]
    for name, value in response.headers:
        lines.append(f"{name}: {value}".encode("latin-1", "replace"))
    if close:
        lines.append(b"connection: close")
    lines.append(b"\r\n")
    head = b"\r\n".join(lines)
    return head if head_only else head + response.body


CANNED_BUSY = encode_response(
    error_response(E.Overloaded("too many open connections; retry later", retry_after=1)),
    close=True,
)


class Closing(Exception):
    """Internal: the connection must end now (timeout, reset, protocol error answered)."""


class Connection:
    """Serve requests on one accepted stream until it closes."""

    def __init__(
        self,
        stream: trio.SocketStream,
        front: Front,
        limits: HttpLimits,
        draining: Callable[[], bool],
    ) -> None:
        self.stream = stream
        self.front = front
        self.limits = limits
        self.draining = draining
        self.idle_scope: trio.CancelScope | None = None
        self._queue: deque[_Message] = deque()
        self._head_bytes = 0
        self._parser = httptools.HttpRequestParser(self)
        self._eof = False
        self._broken: int | None = None  # status to answer after a parse error
        self._max_body = front.max_body_bytes()
        try:
            peer = stream.socket.getpeername()
            self.client: tuple[str, int] | None = (str(peer[0]), int(peer[1]))
        except OSError:
            self.client = None

    # -- parser callbacks (httptools) --------------------------------------------------------

    def on_message_begin(self) -> None:
        self._max_body = self.front.max_body_bytes()
        self._queue.append(_Message())

    def on_url(self, url: bytes) -> None:
        msg = self._queue[-1]
        msg.url += url
        msg.head_size += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        msg = self._queue[-1]
        msg.head_size += len(name) + len(value) + 4
        if msg.head_size > self.limits.max_header_bytes:
            self._broken = 431
            return
        headers = msg.headers
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

    def on_headers_complete(self) -> None:
        msg = self._queue[-1]
        msg.head_done = True
        msg.method = self._parser.get_method().decode("latin-1")
        msg.version = self._parser.get_http_version()
        msg.keep_alive = bool(self._parser.should_keep_alive())
        self._head_bytes = 0

    def on_body(self, body: bytes) -> None:
        msg = self._queue[-1]
        msg.size += len(body)
        if msg.size > self._max_body:
            msg.too_large = True
            msg.body.clear()  # counted, never kept
        elif not msg.too_large:
            msg.body.append(body)

    def on_message_complete(self) -> None:
        self._queue[-1].complete = True

    # -- reading ---------------------------------------------------------------------------

    async def _receive(self, deadline: float, *, idle: bool = False) -> bool:
        """Read once and feed the parser. False on timeout; raises Closing on EOF/reset."""
        if self._eof:
            raise Closing
        with trio.CancelScope(deadline=deadline) as scope:
            if idle:
                self.idle_scope = scope
                if self.draining():
                    scope.cancel()
            try:
                data = await self.stream.receive_some(MAX_RECV)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                raise Closing from None
            finally:
                self.idle_scope = None
        if scope.cancelled_caught:
            return False
        if not data:
            self._eof = True
            raise Closing
        self._feed(data)
        return True

    def _feed(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # Upgrades (websocket, h2c) are not served: answer the request as HTTP/1.1, then
            # close (the parser stops at the upgrade).
            if self._queue:
                self._queue[-1].complete = True
                self._queue[-1].keep_alive = False
        except httptools.HttpParserError:
            self._broken = 400
        current = self._queue[-1] if self._queue else None
        if current is None or not current.head_done:
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self._broken = 431

    async def _next_head(self) -> _Message | None:
        """The next request whose head is complete, or None when the connection should end."""
        first_byte_at: float | None = None
        while True:
            if self._broken is not None:
                await self._refuse_broken()
                return None
            if self._queue and self._queue[0].head_done:
                return self._queue[0]
            now = trio.current_time()
            if self._queue or self._head_bytes:
                first_byte_at = first_byte_at or now
                deadline, idle = first_byte_at + self.limits.header_timeout_s, False
            else:
                deadline, idle = now + self.limits.keep_alive_timeout_s, True
            if not await self._receive(deadline, idle=idle):
                if not idle:  # a head that trickles in (slowloris) is cut off
                    await self._send(
                        error_response(E.RequestTimeout("request headers took too long")),
                        close=True,
                    )
                return None

    async def _refuse_broken(self) -> None:
        status = self._broken or 400
        self.front.on_protocol_error(status)
        exc: E.AnonscoreError = (
            E.HeadersTooLarge(
                f"request headers must be at most {self.limits.max_header_bytes} bytes"
            )
            if status == 431
            else E.BadRequest("malformed HTTP request")
        )
        await self._send(error_response(exc), close=True)

    async def _read_body(self, msg: _Message, deadline: float) -> bool:
        """Read until the message is complete. False when it timed out or grew too large."""
        while not msg.complete and not msg.too_large and self._broken is None:
            if not await self._receive(deadline):
                return False
        return msg.complete and not msg.too_large

    # -- answering -------------------------------------------------------------------------

    async def _send(self, response: Response, *, close: bool, head_only: bool = False) -> None:
        data = encode_response(response, close=close, head_only=head_only)
        with trio.move_on_after(self.limits.send_timeout_s) as scope:
            try:
                await self.stream.send_all(data)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                raise Closing from None
        if scope.cancelled_caught:
            raise Closing

    async def _exchange(self, msg: _Message) -> bool:
        """Answer one request. True when the connection may serve another."""
        path, _, query = msg.url.decode("latin-1").partition("?")
        head = RequestHead(
            msg.method,
            path,
            query,
            msg.headers,
            msg.version,
            self.client,
            trio.current_time(),
        )
        msg.head = head
        try:
            response = self.front.on_head(head)
            if response is None and msg.too_large:
                response = error_response(
                    E.PayloadTooLarge(f"request body must be at most {self._max_body} bytes")
                )
            if response is None:
                if head.expect_continue and not msg.complete:
                    await self.stream.send_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                deadline = head.arrival + self.limits.body_timeout_s
                if not await self._read_body(msg, deadline):
                    if self._broken is not None:
                        await self._refuse_broken()
                        return False
                    if msg.too_large:
                        exc: E.AnonscoreError = E.PayloadTooLarge(
                            f"request body must be at most {self._max_body} bytes"
                        )
                    else:
                        exc = E.RequestTimeout("request body took too long")
                    await self._send(error_response(exc), close=True)
                    return False
                response = await self.front.on_request(Request(head, b"".join(msg.body)))
        finally:
            if head.admitted:
                self.front.release(head)
        reusable = msg.complete and msg.keep_alive and not self.draining()
        await self._send(response, close=not reusable, head_only=head.method == "HEAD")
        if reusable:
            self._queue.popleft()
        return reusable

    async def run(self) -> None:
        try:
            while True:
                msg = await self._next_head()
                if msg is None or not await self._exchange(msg):
                    break
        except Closing:
            pass
        except Exception as exc:  # a bug here must cost one connection, never the server
            log.error("connection failed", extra={"exc": type(exc).__name__})
        finally:
            await self._close()

    async def _close(self) -> None:
        """Close; when input may still be pending, first say FIN and drain briefly, so the
        client reads our answer instead of a connection reset."""
        with trio.CancelScope(shield=True):
            pending = not self._eof and (bool(self._queue) or self._head_bytes > 0)
            if pending:
                with trio.move_on_after(LINGER_S):
                    try:
                        await self.stream.send_eof()
                        drained = 0
                        while drained < LINGER_BYTES:
                            data = await self.stream.receive_some(MAX_RECV)
                            if not data:
                                break
                            drained += len(data)
                    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
                        pass
            await self.stream.aclose()


async def refuse_busy(stream: trio.SocketStream) -> None:
    """Over the connection cap: a canned 503 and close, without parsing anything."""
    with trio.move_on_after(1.0):
        try:
            await stream.send_all(CANNED_BUSY)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
    with trio.CancelScope(shield=True):
        await stream.aclose()
