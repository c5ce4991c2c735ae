"""Connections under abuse: early answers, deadlines, keep-alive, the connection cap.

Issue 6: answering before the body had arrived left the connection open and unusable
(pooled clients hung); there was no deadline for headers or bodies, idle connections were
never closed, `Connection: close` and HTTP/1.0 were ignored, and nothing capped the number
of connections.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from engine.http.listener import _accept_waiting
from tests.hostile.conftest import RawClient, close_raw_clients, request, set_service
from tests.support import Running, copy_config, start

JSON = {"Content-Type": "application/json"}
AUTH = {**JSON, "Authorization": "Bearer demo_key"}
BODY = b'{"site_key": "demo_site"}'

EARLY = [
    pytest.param("POST", "/v1/collect", JSON, 100_000, 413, id="413-by-content-length"),
    pytest.param("POST", "/v1/sessions", {"Content-Type": "text/plain"}, 50, 415, id="415"),
    pytest.param("POST", "/v1/score", JSON, 50, 401, id="401"),
    pytest.param("POST", "/nowhere", JSON, 50, 404, id="404"),
    pytest.param("PUT", "/v1/score", AUTH, 50, 405, id="405-api"),
    pytest.param("POST", "/healthz", JSON, 50, 405, id="405-page"),
]


@pytest.mark.parametrize(("method", "path", "headers", "length", "status"), EARLY)
async def test_an_early_answer_closes_a_connection_whose_body_is_still_due(
    hostile: Running, method: str, path: str, headers: dict[str, str], length: int, status: int
) -> None:
    client = await RawClient.connect(hostile.handle.port)
    await client.send(request(method, path, headers=headers, length=length))
    answer = await client.answer()
    assert answer.status == status
    assert answer.closes
    assert json.loads(answer.body)["error"]["code"]
    if status == 405:
        assert answer.headers["allow"]
    assert await client.closed(within=3)


@pytest.mark.parametrize(("method", "path", "headers", "length", "status"), EARLY)
async def test_an_early_answer_keeps_a_connection_whose_body_has_arrived(
    hostile: Running, method: str, path: str, headers: dict[str, str], length: int, status: int
) -> None:
    if length > 65_536:
        pytest.skip("a body over the limit is never read")
    client = await RawClient.connect(hostile.handle.port)
    await client.send(request(method, path, b"x" * length, headers=headers))
    answer = await client.answer()
    assert answer.status == status
    assert not answer.closes
    # the same connection serves the next request
    await client.send(request("GET", "/healthz"))
    assert (await client.answer()).status == 200
    await client.aclose()


async def test_connection_close_and_http_1_0_are_honoured(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    await client.send(request("GET", "/healthz", headers={"Connection": "close"}))
    answer = await client.answer()
    assert answer.status == 200
    assert answer.closes
    assert await client.closed(within=2)
    client = await RawClient.connect(hostile.handle.port)
    await client.send(request("GET", "/healthz", version="1.0"))
    assert (await client.answer()).status == 200
    assert await client.closed(within=2)


async def test_idle_keep_alive_connections_are_closed(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    await client.send(request("GET", "/healthz"))
    assert (await client.answer()).status == 200
    # keep_alive_timeout_s is 1 s here
    assert await client.closed(within=3)


async def test_a_connection_that_never_speaks_is_closed(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    assert await client.closed(within=3)


async def test_headers_that_trickle_in_are_cut_off(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    await client.send(b"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n")

    async def trickle() -> None:
        try:
            for i in range(40):
                await client.send(f"X-Slow-{i}: 1\r\n".encode())
                await trio.sleep(0.1)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass

    async with trio.open_nursery() as nursery:
        nursery.start_soon(trickle)
        answer = await client.answer(within=3)  # header_timeout_s is 1 s, trickle lasts 4
        nursery.cancel_scope.cancel()
    assert answer.status == 408
    assert answer.closes
    assert await client.closed(within=3)


async def test_a_body_that_does_not_come_is_cut_off(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    await client.send(request("POST", "/v1/sessions", b'{"site', headers=JSON, length=100))
    answer = await client.answer(within=3)
    assert answer.status == 408
    assert answer.closes
    assert await client.closed(within=3)


async def test_a_chunked_body_is_refused_while_it_streams(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    head = request("POST", "/v1/collect", headers={**JSON, "Transfer-Encoding": "chunked"})
    await client.send(head)
    chunk = b"a" * 8192
    for _ in range(9):  # 72 KiB, over the 64 KiB limit; the final chunk never comes
        try:
            await client.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except trio.BrokenResourceError:
            break
    answer = await client.answer()
    assert answer.status == 413
    assert answer.closes
    assert await client.closed(within=3)


async def test_expect_100_continue(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    headers = {**JSON, "Expect": "100-continue"}
    await client.send(request("POST", "/v1/sessions", headers=headers, length=len(BODY)))
    interim = await client.answer()
    assert interim.status == 100
    await client.send(BODY)
    answer = await client.answer()
    assert answer.status == 201
    assert json.loads(answer.body)["session_id"]


async def test_pipelined_requests_are_answered_in_order(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    await client.send(
        request("GET", "/healthz")
        + request("POST", "/v1/sessions", BODY, headers=JSON)
        + request("GET", "/nowhere")
    )
    assert [(await client.answer()).status for _ in range(3)] == [200, 201, 404]


async def test_oversized_and_malformed_heads(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    await client.send(request("GET", "/healthz", headers={"X-Big": "b" * 20_000}))
    answer = await client.answer()
    assert answer.status == 431
    assert answer.closes
    assert await client.closed(within=3)
    client = await RawClient.connect(hostile.handle.port)
    await client.send(b"GARBAGE \x01\x02 nonsense\r\n\r\n")
    answer = await client.answer()
    assert answer.status == 400
    assert answer.closes
    assert await client.closed(within=3)


@pytest.fixture
async def capped(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config_dir = copy_config(tmp_path / "config")
    set_service(config_dir, max_connections=10, keep_alive_timeout_s=30.0)
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running
    await close_raw_clients()


async def test_connections_over_the_cap_get_503_and_are_closed(capped: Running) -> None:
    port = capped.handle.port
    held = [await RawClient.connect(port) for _ in range(10)]
    await trio.testing.wait_all_tasks_blocked()
    extra = await RawClient.connect(port)
    answer = await extra.answer()
    assert answer.status == 503
    assert answer.headers["retry-after"]
    assert await extra.closed(within=2)
    assert capped.handle.http.counter.refused >= 1
    # a held connection still works, and once one closes a new one is served
    await held[0].send(request("GET", "/healthz"))
    assert (await held[0].answer()).status == 200
    await held[1].aclose()
    for _ in range(100):
        await trio.testing.wait_all_tasks_blocked(cushion=0.01)
        if capped.handle.http.counter.open < 10:
            break
    fresh = await RawClient.connect(port)
    await fresh.send(request("GET", "/healthz"))
    assert (await fresh.answer()).status == 200


async def test_the_backlog_is_taken_in_one_turn() -> None:
    """Connections waiting in the backlog are accepted together, not one per turn of the
    event loop: under overload a turn runs every ready task (long), and a connection's wait
    in the backlog comes before any deadline of ours (measured: at twice the saturation
    rate on the cluster store the p99 answer went from 3.0 s to 0.43 s)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    taken: list[trio.SocketStream] = []
    try:
        taken += _accept_waiting(listener, 64)
        assert len(taken) == 20
        assert _accept_waiting(listener, 64) == []  # an empty backlog: no wait, nothing
        for stream in taken:
            assert stream.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        clients += [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
        bounded = _accept_waiting(listener, 3)
        taken += bounded
        assert len(bounded) == 3
    finally:
        for stream in taken:
            await stream.aclose()
        for c in clients:
            c.close()
        listener.close()
