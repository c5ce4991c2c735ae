"""engine/http/protocol.Connection on an in-process stream pair, with a trivial front:
keep-alive, pipelining, bodies, refusals, Connection: close, answers from the head."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from engine.http.protocol import Connection, HttpLimits
from tests.http.fronts import EchoFront, Reader, limits

LIMITS = limits(max_header_bytes=1024, keep_alive_timeout_s=5.0, header_timeout_s=10.0)


class _Peer:
    """What Connection asks of the socket under a stream: the client's address."""

    def getpeername(self) -> tuple[str, int]:
        return ("192.0.2.7", 50000)


class Pipe:
    """A Connection serving one end of a memory stream pair; the test holds the other."""

    def __init__(self, front: EchoFront, limits: HttpLimits = LIMITS) -> None:
        self.client, server = trio.testing.memory_stream_pair()
        server.socket = _Peer()  # type: ignore[attr-defined]
        self.draining = False
        self.conn = Connection(server, front, limits, lambda: self.draining)  # type: ignore[arg-type]
        self.reader = Reader(self.client)
        self.done = trio.Event()

    async def run(self) -> None:
        try:
            await self.conn.run()
        finally:
            self.done.set()

    async def send(self, data: bytes) -> None:
        await self.client.send_all(data)


def get(path: str, *extra: str, version: str = "1.1") -> bytes:
    lines = [f"GET {path} HTTP/{version}", "Host: example.test", *extra, "", ""]
    return "\r\n".join(lines).encode()


def post(path: str, body: bytes, *extra: str) -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: example.test", f"Content-Length: {len(body)}"]
    return "\r\n".join([*head, *extra, "", ""]).encode() + body


async def served(
    nursery: trio.Nursery, front: EchoFront | None = None, limits: HttpLimits = LIMITS
) -> Pipe:
    pipe = Pipe(front or EchoFront(), limits)
    nursery.start_soon(pipe.run)
    return pipe


async def test_keep_alive_serves_several_requests(nursery: trio.Nursery) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    for path in ("/a", "/b", "/c"):
        await pipe.send(get(path))
        answer = await pipe.reader.answer()
        assert answer.status == 200
        assert answer.body == f"GET {path} ".encode()
        assert not answer.closes
    await trio.testing.wait_all_tasks_blocked()
    assert not pipe.done.is_set()  # still open for the next request
    assert front.released == 3  # every admitted request released
    await pipe.client.aclose()
    await pipe.done.wait()


async def test_pipelined_requests_answered_in_order(nursery: trio.Nursery) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    await pipe.send(get("/a") + post("/slow", b"xy") + get("/c"))
    assert (await pipe.reader.answer()).body == b"GET /a "
    await front.in_flight.wait()
    await trio.testing.wait_all_tasks_blocked()
    assert front.requests == ["/a", "/slow"]  # one at a time: /c waits for /slow
    assert pipe.reader.buffer == b""
    front.gate.set()
    assert (await pipe.reader.answer()).body == b"POST /slow xy"
    assert (await pipe.reader.answer()).body == b"GET /c "
    await pipe.client.aclose()


async def test_content_length_body(nursery: trio.Nursery) -> None:
    pipe = await served(nursery)
    await pipe.send(post("/echo", b"hello"))
    answer = await pipe.reader.answer()
    assert (answer.status, answer.body) == (200, b"POST /echo hello")
    await pipe.client.aclose()


async def test_chunked_body_in_pieces(nursery: trio.Nursery) -> None:
    pipe = await served(nursery)
    head = b"POST /echo HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
    for piece in (head, b"5\r\nhel", b"lo\r\n6\r\n world\r\n", b"0\r\n\r\n"):
        await pipe.send(piece)
        await trio.testing.wait_all_tasks_blocked()
    answer = await pipe.reader.answer()
    assert (answer.status, answer.body) == (200, b"POST /echo hello world")
    assert not answer.closes
    await pipe.client.aclose()


async def assert_refused(pipe: Pipe, status: int) -> None:
    answer = await pipe.reader.answer()
    assert answer.status == status, answer.body
    assert answer.closes
    assert await pipe.reader.closed()
    await pipe.client.aclose()
    await pipe.done.wait()


async def test_malformed_request_is_400(nursery: trio.Nursery) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    await pipe.send(b"GET /a HTTP/1.1\r\nHost: example.test\r\nBad Header\r\n\r\n")
    await assert_refused(pipe, 400)
    assert front.heads == []
    assert front.protocol_errors == [400]


async def test_missing_host_is_400(nursery: trio.Nursery) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    await pipe.send(b"GET /a HTTP/1.1\r\n\r\n")
    await assert_refused(pipe, 400)
    assert front.heads == []


async def test_body_over_the_limit_is_413(nursery: trio.Nursery) -> None:
    front = EchoFront(max_body=10)
    pipe = await served(nursery, front)
    head = b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1000\r\n\r\n"
    await pipe.send(head + b"x" * 11)  # refused as it passes the limit, the rest unread
    await assert_refused(pipe, 413)
    assert front.requests == []


async def test_body_over_the_limit_read_in_full_keeps_alive(nursery: trio.Nursery) -> None:
    front = EchoFront(max_body=10)
    pipe = await served(nursery, front)
    await pipe.send(post("/echo", b"x" * 11) + get("/next"))
    answer = await pipe.reader.answer()
    assert answer.status == 413
    assert not answer.closes
    assert (await pipe.reader.answer()).body == b"GET /next "
    assert front.requests == ["/next"]
    await pipe.client.aclose()


async def test_chunked_body_over_the_limit_is_413(nursery: trio.Nursery) -> None:
    front = EchoFront(max_body=10)
    pipe = await served(nursery, front)
    head = b"POST /echo HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
    await pipe.send(head + b"8\r\n12345678\r\n8\r\n12345678\r\n")  # no last chunk: refused anyway
    await assert_refused(pipe, 413)
    assert front.requests == []


async def test_headers_over_the_limit_are_431(nursery: trio.Nursery) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    await pipe.send(get("/a", "X-Filler: " + "f" * 2000))
    await assert_refused(pipe, 431)
    assert front.heads == []


async def test_unknown_transfer_coding_is_501(nursery: trio.Nursery) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    await pipe.send(get("/a", "Transfer-Encoding: gzip, chunked") + b"0\r\n\r\n")
    await assert_refused(pipe, 501)
    assert front.heads == []


@pytest.mark.parametrize(
    "request_bytes",
    [get("/a", "Connection: close"), get("/a", version="1.0")],
    ids=["connection-close", "http-1.0"],
)
async def test_close_is_honoured(nursery: trio.Nursery, request_bytes: bytes) -> None:
    pipe = await served(nursery)
    await pipe.send(request_bytes + get("/never"))
    answer = await pipe.reader.answer()
    assert (answer.status, answer.body) == (200, b"GET /a ")
    assert answer.closes
    assert await pipe.reader.closed()  # and /never is not answered
    await pipe.client.aclose()


async def test_early_answer_closes_when_the_body_is_unread(nursery: trio.Nursery) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    head = b"POST /early HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1000\r\n\r\n"
    await pipe.send(head + b"x" * 10)  # most of the body never sent
    answer = await pipe.reader.answer()
    assert answer.status == 401
    assert answer.closes
    assert front.requests == []  # the front's on_request never ran
    assert await pipe.reader.closed()
    await pipe.client.aclose()  # the lingering read ends
    await pipe.done.wait()


async def test_early_answer_keeps_alive_when_the_body_is_in(nursery: trio.Nursery) -> None:
    pipe = await served(nursery)
    await pipe.send(post("/early", b"abc") + get("/next"))
    first = await pipe.reader.answer()
    assert first.status == 401
    assert not first.closes
    assert (await pipe.reader.answer()).body == b"GET /next "
    await pipe.client.aclose()


async def test_draining_closes_after_the_answer(nursery: trio.Nursery) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    await pipe.send(post("/slow", b"ok") + get("/never"))
    await front.in_flight.wait()
    pipe.draining = True
    front.gate.set()
    answer = await pipe.reader.answer()
    assert answer.status == 200
    assert answer.closes
    assert await pipe.reader.closed()
    assert front.requests == ["/slow"]
    await pipe.client.aclose()


async def test_draining_closes_an_idle_connection(nursery: trio.Nursery) -> None:
    pipe = await served(nursery)
    pipe.draining = True
    assert await pipe.reader.closed()  # nothing asked, nothing answered
    await pipe.done.wait()


async def test_idle_keep_alive_is_closed(nursery: trio.Nursery, autojump_clock: object) -> None:
    pipe = await served(nursery)
    await pipe.send(get("/a"))
    assert (await pipe.reader.answer()).status == 200
    start = trio.current_time()
    assert await pipe.reader.closed()  # nothing more sent: closed after keep_alive_timeout_s
    assert trio.current_time() - start == pytest.approx(LIMITS.keep_alive_timeout_s)


async def test_slow_head_is_408(nursery: trio.Nursery, autojump_clock: object) -> None:
    front = EchoFront()
    pipe = await served(nursery, front)
    await pipe.send(b"GET /a HTTP/1.1\r\nHost: exa")  # and nothing more
    await assert_refused(pipe, 408)
    assert front.heads == []


async def test_slow_body_is_408(nursery: trio.Nursery, autojump_clock: object) -> None:
    slow = limits(body_grace_s=2.0, min_body_bytes_per_s=100)
    front = EchoFront()
    pipe = await served(nursery, front, slow)
    await pipe.send(b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 500\r\n\r\n")
    await pipe.send(b"x" * 10)
    await assert_refused(pipe, 408)
    assert front.requests == []


async def test_expect_100_continue(nursery: trio.Nursery) -> None:
    pipe = await served(nursery)
    await pipe.send(
        b"POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 2\r\n"
        b"Expect: 100-continue\r\n\r\n"
    )
    interim = await pipe.reader.answer()
    assert interim.status == 100
    await pipe.send(b"ok")
    answer = await pipe.reader.answer()
    assert (answer.status, answer.body) == (200, b"POST /echo ok")
    await pipe.client.aclose()


async def test_head_gets_no_body(nursery: trio.Nursery) -> None:
    pipe = await served(nursery)
    await pipe.send(b"HEAD /a HTTP/1.1\r\nHost: example.test\r\n\r\n" + get("/b"))
    while not pipe.reader.buffer.endswith(b"GET /b "):
        assert await pipe.reader.more()
    head, _, rest = pipe.reader.buffer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"content-length: 8" in head  # the length of "HEAD /a ", never sent
    assert rest.startswith(b"HTTP/1.1 200")  # the next answer follows the head at once
    await pipe.client.aclose()
