"""engine/http/listener.HttpServer on a loopback socket with a trivial front: the
connection cap's 503, and a graceful drain on shutdown."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trio
import trio.testing

from engine.http.listener import HttpServer
from engine.http.protocol import HttpLimits
from tests.http.fronts import EchoFront, Reader
from tests.http.fronts import limits as limits_of

GET = b"GET /a HTTP/1.1\r\nHost: example.test\r\n\r\n"
Make = Callable[..., Awaitable["Listening"]]
SLOW = b"POST /slow HTTP/1.1\r\nHost: example.test\r\nContent-Length: 2\r\n\r\nok"


def loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


class Listening:
    def __init__(self, server: HttpServer, front: EchoFront, shutdown: trio.Event) -> None:
        self.server = server
        self.front = front
        self.shutdown = shutdown
        self.port = server.bound_ports()[0]
        self.stopped = trio.Event()
        self.streams: list[trio.SocketStream] = []

    async def connect(self) -> tuple[trio.SocketStream, Reader]:
        stream = await trio.open_tcp_stream("127.0.0.1", self.port)
        self.streams.append(stream)
        return stream, Reader(stream)


async def listening(nursery: trio.Nursery, limits: HttpLimits) -> Listening:
    front = EchoFront()
    server = HttpServer(front, limits, [loopback_socket()], graceful_s=60.0)
    shutdown = trio.Event()
    running = Listening(server, front, shutdown)

    async def serve(task_status: trio.TaskStatus[None]) -> None:
        try:
            await server.serve(shutdown, task_status=task_status)
        finally:
            running.stopped.set()

    await nursery.start(serve)
    return running


@pytest.fixture
async def make(nursery: trio.Nursery) -> AsyncIterator[Make]:
    made: list[Listening] = []

    async def factory(**limits: float) -> Listening:
        running = await listening(nursery, limits_of(keep_alive_timeout_s=60.0, **limits))
        made.append(running)
        return running

    yield factory
    for running in made:
        running.front.gate.set()
        running.shutdown.set()
        for stream in running.streams:
            await stream.aclose()


async def test_connection_cap_answers_503(make: Make) -> None:
    running = await make(max_connections=1)
    first, first_reader = await running.connect()
    await first.send_all(GET)
    assert (await first_reader.answer()).status == 200  # admitted, kept alive
    _, second_reader = await running.connect()
    await trio.testing.wait_all_tasks_blocked()
    assert running.server.counter.refused == 1
    busy = await second_reader.answer()
    assert busy.status == 503
    assert busy.closes
    assert busy.headers.get("retry-after") == "1"
    assert await second_reader.closed()
    assert running.front.heads == ["/a"]  # the refused connection was never parsed
    await first.aclose()
    while running.server.counter.open:  # the first connection's task sees its close
        await trio.testing.wait_all_tasks_blocked()
    third, third_reader = await running.connect()
    await third.send_all(GET)
    assert (await third_reader.answer()).status == 200


async def test_shutdown_drains_gracefully(make: Make) -> None:
    running = await make()
    busy, busy_reader = await running.connect()
    await busy.send_all(SLOW)
    await running.front.in_flight.wait()
    idle, idle_reader = await running.connect()
    await idle.send_all(GET)
    assert (await idle_reader.answer()).status == 200
    running.shutdown.set()
    await trio.testing.wait_all_tasks_blocked()
    assert running.server.counter.open == 1  # the idle keep-alive is closed at once
    assert await idle_reader.closed()
    with pytest.raises(OSError, match="all attempts to connect"):  # no new connections
        await trio.open_tcp_stream("127.0.0.1", running.port)
    assert not running.stopped.is_set()  # waiting for the request in flight
    running.front.gate.set()
    answer = await busy_reader.answer()
    assert (answer.status, answer.body) == (200, b"POST /slow ok")
    assert answer.closes  # and no further request on it
    assert await busy_reader.closed()
    await busy.aclose()  # the server's lingering read ends
    await running.stopped.wait()
    assert running.server.counter.open == 0


async def test_per_client_cap_answers_503(make: Make) -> None:
    running = await make(max_connections_per_client=1)
    first, first_reader = await running.connect()
    await first.send_all(GET)
    assert (await first_reader.answer()).status == 200
    _, second_reader = await running.connect()  # the same client address
    await trio.testing.wait_all_tasks_blocked()
    assert running.server.counter.refused_per_client == 1
    busy = await second_reader.answer()
    assert busy.status == 503
    assert b"from your network" in busy.body
    assert await second_reader.closed()


async def test_past_graceful_s_what_is_left_is_cancelled(nursery: trio.Nursery) -> None:
    front = EchoFront()
    server = HttpServer(front, limits_of(), [loopback_socket()], graceful_s=0.0)
    shutdown = trio.Event()
    stopped = trio.Event()

    async def serve(task_status: trio.TaskStatus[None]) -> None:
        await server.serve(shutdown, task_status=task_status)
        stopped.set()

    await nursery.start(serve)
    stream = await trio.open_tcp_stream("127.0.0.1", server.bound_ports()[0])
    async with stream:
        await stream.send_all(SLOW)
        await front.in_flight.wait()
        shutdown.set()
        assert await Reader(stream).closed()  # no answer, the connection closed
    await stopped.wait()  # without the handler ever returning
    assert not front.gate.is_set()  # the handler was never let go
    assert server.counter.open == 0
