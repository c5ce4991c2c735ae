"""One connection's request parser: httptools (llhttp) callbacks made into a queue of
messages, each head bounded in size, each parse error kept in its place in the pipeline.

- The header-size limit is per request: a head is the bytes its request line and header
  lines brought to the callbacks, plus what arrived since the parser last made progress (a
  header line that never ends is buffered inside httptools, out of the callbacks' sight).
  A read that also carries the end of an earlier request's body does not count: a valid
  20 KB POST followed by the start of the next request got a false 431 (issue 15).
- A parse error belongs to the message it happened in. The messages before it are answered
  in order, then the error, then the connection closes: a later error no longer replaces
  the answer to an earlier valid request (issue 15).
- `Connection: Upgrade`: we serve no upgrade, so the request is read as plain HTTP/1.1 with
  its body, answered, and the connection closed. httptools skips the body of a request it
  sees as an upgrade; a fresh parser is given the request's own framing and reads the body.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import httptools

from engine.http.messages import RequestHead


class Message:
    """One request as the parser delivers it."""

    __slots__ = (
        "body",
        "broken",
        "complete",
        "head",
        "head_done",
        "head_size",
        "headers",
        "hosts",
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
        self.hosts: list[str] = []  # every Host line (RFC 9112 section 3.2: exactly one)
        self.head_done = False
        self.head_size = 0
        self.method = "GET"
        self.version = "1.1"
        self.keep_alive = False
        self.body: list[bytes] = []
        self.size = 0
        self.too_large = False
        self.complete = False
        self.broken: int | None = None  # the status that answers a parse error in it
        self.head: RequestHead | None = None


class RequestParser:
    """Feed it bytes; complete heads, bodies and errors appear in `queue`, in order."""

    def __init__(self, max_header_bytes: int, max_body: Callable[[], int]) -> None:
        self.queue: deque[Message] = deque()
        self.broken: int | None = None  # parsing has stopped on an error with this status
        self.done = False  # parsing has stopped after an upgrade request: read no more
        self.max_body = max_body()
        self._max_body = max_body
        self._max_header = max_header_bytes
        self._parser = httptools.HttpRequestParser(self)
        self._pending = 0  # bytes of an unfinished head received since the last callback
        self._progress = False  # a callback ran during this feed
        self._framing = False  # reading a made-up head after an upgrade: callbacks ignored

    @property
    def started(self) -> bool:
        """Some bytes of a request are in (its head deadline runs), or one awaits an answer."""
        return bool(self.queue)

    def feed(self, data: bytes) -> None:
        if self.broken is not None or self.done:
            return
        self._progress = False
        self._feed(data)
        if self.broken is None:
            self._count_head(len(data))

    def _feed(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            self._upgrade(data[int(exc.args[0]) :])
        except httptools.HttpParserError:
            self.fail(400)

    def fail(self, status: int) -> None:
        """A parse error: it answers the message it happened in, after those before it."""
        if self.broken is not None:
            return
        self.broken = status
        last = self.queue[-1] if self.queue else None
        if last is None or last.complete:
            last = Message()
            self.queue.append(last)
        last.broken = status

    def _count_head(self, size: int) -> None:
        current = self.queue[-1] if self.queue else None
        if current is None or current.head_done:
            # no head under way: a body has its own limits (max_body_bytes, the body rate);
            # between requests only empty lines pass without a callback, and are skipped
            self._pending = 0
            return
        self._pending = 0 if self._progress else self._pending + size
        if current.head_size + self._pending > self._max_header:
            self.fail(431)

    def _upgrade(self, rest: bytes) -> None:
        """The parser stopped at an upgrade request (the head is in, the body skipped).
        We serve no upgrade: read its body with a fresh parser, then stop."""
        msg = self.queue[-1]
        msg.keep_alive = False
        framing = _framing(msg.headers)
        if msg.method == "CONNECT" or framing is None:
            msg.complete = True
            self.done = True
            return
        msg.complete = False
        self._parser = httptools.HttpRequestParser(self)
        self._framing = True
        self._feed(b"POST / HTTP/1.1\r\n" + framing + b"\r\n")
        if rest:
            self._feed(rest)

    # -- httptools callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._progress = True
        if self._framing:
            return
        self.max_body = self._max_body()
        self.queue.append(Message())

    def on_url(self, url: bytes) -> None:
        self._progress = True
        if self._framing:
            return
        msg = self.queue[-1]
        msg.url += url
        msg.head_size += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._progress = True
        if self._framing:
            return
        msg = self.queue[-1]
        msg.head_size += len(name) + len(value) + 4
        if msg.head_size > self._max_header:
            self.fail(431)
            return
        headers = msg.headers
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        if key == "host":
            msg.hosts.append(text)
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

    def on_headers_complete(self) -> None:
        self._progress = True
        if self._framing:
            self._framing = False
            return
        msg = self.queue[-1]
        msg.head_done = True
        msg.method = self._parser.get_method().decode("latin-1")
        msg.version = self._parser.get_http_version()
        msg.keep_alive = bool(self._parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        self._progress = True
        msg = self.queue[-1]
        msg.size += len(body)
        if msg.size > self.max_body:
            msg.too_large = True
            msg.body.clear()  # counted, never kept
        elif not msg.too_large:
            msg.body.append(body)

    def on_message_complete(self) -> None:
        self._progress = True
        self.queue[-1].complete = True


def _framing(headers: dict[str, str]) -> bytes | None:
    """The framing header of a request whose body the parser skipped, or None: no body.
    The parser has already checked it (one Content-Length; chunked last if any coding)."""
    if "transfer-encoding" in headers:
        return b"Transfer-Encoding: chunked\r\n"
    length = headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > 0:
        return b"Content-Length: %d\r\n" % int(length)
    return None
