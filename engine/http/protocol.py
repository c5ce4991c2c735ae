"""One HTTP/1.1 connection: parsing, limits, deadlines, keep-alive and closing.

This is our adapter in place of Hypercorn's trio `TCPServer`/`H11Protocol` pair, which
leaves a connection hanging when the app answers before the request body has arrived (no
`Connection: close`, socket left open: Hypercorn issue #330), ignores `Connection: close`
and HTTP/1.0, buffers whole chunked bodies before the app can refuse them, and has no
deadline for headers or bodies. Here:

- the request head must arrive within `header_timeout_s` of its first byte, and be at most
  `max_header_bytes`; an idle keep-alive connection is closed after `keep_alive_timeout_s`;
- the body is counted while it streams in (chunked or not) and refused with 413 the moment
  it passes `max_body_bytes`; after `body_grace_s` it must keep coming at
  `min_body_bytes_per_s` on average, else 408 (a flat timeout let 1,100 connections sending
  a byte every 2 s hold every slot for 30 s, issue 15);
- the path is made canonical and the Host and framing checked (`heads.py`) before the front
  sees the head; parsing, and the per-request header limit, are in `parsing.py`;
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
from collections.abc import Callable
from typing import Protocol

import msgspec
import trio

from engine import errors as E
from engine.http.heads import check_framing, check_host, normalise_target
from engine.http.messages import REASONS, Request, RequestHead, Response, error_response
from engine.http.parsing import Message, RequestParser

log = logging.getLogger("anonscore.http")

MAX_RECV = 65_536
LINGER_S = 1.0  # after answering a request whose body we did not read, read and discard...
LINGER_BYTES = 1 << 20  # ...this much at most, so the client reads the answer, not a reset


class HttpLimits(msgspec.Struct, frozen=True):
    """Connection limits. Their one source is the config (`ServiceFile` in
    engine/config.py, read at start-up, with the defaults docs/http.md lists): `of` copies
    them from it by name, so no default and no list of them is written here."""

    header_timeout_s: float
    # a body must come at min_body_bytes_per_s on average once body_grace_s have passed
    body_grace_s: float
    min_body_bytes_per_s: int
    keep_alive_timeout_s: float
    send_timeout_s: float
    max_header_bytes: int
    max_body_bytes: int
    max_connections: int
    # open connections per client prefix (IPv4 /client_prefix_v4, IPv6 /client_prefix_v6)
    max_connections_per_client: int
    client_prefix_v4: int
    client_prefix_v6: int

    @classmethod
    def of(cls, source: object) -> HttpLimits:
        """The limits from any object that has them as attributes (the service's config)."""
        return cls(**{name: getattr(source, name) for name in cls.__struct_fields__})


class Front(Protocol):
    """What a connection hands requests to (engine/http/front.py)."""

    def max_body_bytes(self) -> int: ...

    def on_head(self, head: RequestHead) -> Response | None:
        """An answer from the head alone, or None to read the body and call `on_request`."""

    async def on_request(self, request: Request) -> Response: ...

    def release(self, head: RequestHead) -> None:
        """The request is over (answered or abandoned): undo its admission."""

    def on_protocol_error(self, status: int) -> None: ...


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
CANNED_CLIENT_BUSY = encode_response(
    error_response(
        E.Overloaded(
            "too many open connections from your network; reuse or close some, retry later",
            retry_after=1,
        )
    ),
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
        self.parser = RequestParser(limits.max_header_bytes, front.max_body_bytes)
        self._eof = False
        try:
            peer = stream.socket.getpeername()
            self.client: tuple[str, int] | None = (str(peer[0]), int(peer[1]))
        except OSError:
            self.client = None

    # -- reading ---------------------------------------------------------------------------

    async def _receive(self, deadline: float, *, idle: bool = False) -> bool:
        """Read once and feed the parser. False on timeout; raises Closing on EOF/reset."""
        if self._eof or self.parser.done:
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
        self.parser.feed(data)
        return True

    async def _next_head(self) -> Message | None:
        """The next request whose head is complete, or None when the connection should end.
        A parse error is answered only when every request before it has been."""
        first_byte_at: float | None = None
        while True:
            queue = self.parser.queue
            if queue and queue[0].broken is not None:
                await self._refuse_broken(queue[0].broken)
                return None
            if queue and queue[0].head_done:
                return queue[0]
            now = trio.current_time()
            if self.parser.started:
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

    async def _refuse_broken(self, status: int) -> None:
        self.front.on_protocol_error(status)
        exc: E.AnonscoreError = (
            E.HeadersTooLarge(
                f"request headers must be at most {self.limits.max_header_bytes} bytes"
            )
            if status == 431
            else E.BadRequest("malformed HTTP request")
        )
        await self._send(error_response(exc), close=True)

    async def _read_body(self, msg: Message, arrival: float) -> bool:
        """Read until the message is complete. False when it grew too large, broke, or came
        slower than the minimum body rate: after `body_grace_s`, at least
        `min_body_bytes_per_s` on average since the head (so a stall is covered by what
        came before it, and the longest a body may take is bounded by its size)."""
        grace, rate = self.limits.body_grace_s, self.limits.min_body_bytes_per_s
        while not msg.complete and not msg.too_large and msg.broken is None:
            if not await self._receive(arrival + grace + msg.size / rate):
                return False
        return msg.complete and not msg.too_large and msg.broken is None

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

    def _head(self, msg: Message) -> RequestHead:
        """The head as the front sees it: its path canonical (the one place it is made),
        its Host and framing checked. Raises AnonscoreError (400, 501)."""
        path, query = normalise_target(msg.url.decode("latin-1"))
        check_host(msg.hosts, msg.version)
        check_framing(msg.headers.get("transfer-encoding"))
        head = RequestHead(
            msg.method, path, query, msg.headers, msg.version, self.client, trio.current_time()
        )
        msg.head = head
        return head

    async def _exchange(self, msg: Message) -> bool:
        """Answer one request. True when the connection may serve another."""
        try:
            head = self._head(msg)
        except E.AnonscoreError as exc:  # the head is not one we can serve: answer, close
            self.front.on_protocol_error(exc.status)
            await self._send(error_response(exc), close=True)
            return False
        try:
            response = self.front.on_head(head)
            if response is None:
                response = await self._body_then_answer(msg, head)
                if response is None:
                    return False
        finally:
            if head.admitted:
                self.front.release(head)
        reusable = msg.complete and msg.keep_alive and not self.draining()
        await self._send(response, close=not reusable, head_only=head.method == "HEAD")
        if reusable:
            self.parser.queue.popleft()
        return reusable

    async def _body_then_answer(self, msg: Message, head: RequestHead) -> Response | None:
        """Read the body and ask the front; None when the body failed (already answered)."""
        too_large = E.PayloadTooLarge(f"request body must be at most {self.parser.max_body} bytes")
        if msg.too_large:
            return error_response(too_large)
        if head.expect_continue and not msg.complete:
            await self.stream.send_all(b"HTTP/1.1 100 Continue\r\n\r\n")
        if await self._read_body(msg, head.arrival):
            return await self.front.on_request(Request(head, b"".join(msg.body)))
        if msg.broken is not None:
            await self._refuse_broken(msg.broken)
            return None
        exc: E.AnonscoreError = (
            too_large
            if msg.too_large
            else E.RequestTimeout(
                "request body came too slowly; send at least "
                f"{self.limits.min_body_bytes_per_s} bytes/s"
            )
        )
        await self._send(error_response(exc), close=True)
        return None

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
            if not self._eof and self.parser.started:
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


async def refuse_busy(stream: trio.SocketStream, answer: bytes = CANNED_BUSY) -> None:
    """Over a connection cap: a canned 503 and close, without parsing anything."""
    with trio.move_on_after(1.0):
        try:
            await stream.send_all(answer)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
    with trio.CancelScope(shield=True):
        await stream.aclose()
