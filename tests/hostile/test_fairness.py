"""Fair connections: a cap per client prefix and a minimum body rate (docs/http.md).

Issue 15: 1,100 connections from one address, each sending a body head and one byte every
2 s, kept 16 of 16 legitimate requests out for 30 s (a flat `body_timeout_s`, and one cap
on all connections). Here one loopback address (127.0.0.2) plays the attacker and two
others (127.0.0.3, 127.0.0.4) the honest clients: Linux routes all of 127/8 to loopback,
and the client socket is bound to its source address.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
import trio.testing

from tests.hostile.conftest import LIMITS, RawClient, close_raw_clients, request, set_service
from tests.support import OPERATOR, Running, copy_config, start

JSON = {"Content-Type": "application/json"}
BODY = b'{"site_key": "demo_site"}'
ATTACKER, HONEST = "127.0.0.2", ("127.0.0.3", "127.0.0.4")
PER_CLIENT = 8
MIN_RATE = 200  # bytes/s


@pytest.fixture
async def fair(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config_dir = copy_config(tmp_path / "config")
    set_service(
        config_dir,
        **{
            **LIMITS,
            "max_connections_per_client": PER_CLIENT,
            "body_grace_s": 1.0,
            "min_body_bytes_per_s": MIN_RATE,
        },
    )
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running
    await close_raw_clients()


async def _trickle(client: RawClient, every: float) -> None:
    try:
        while True:
            await client.send(b"x")
            await trio.sleep(every)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass


async def _slow_client(port: int, seen: Counter[object]) -> None:
    """One slow connection after another: a body head, then a byte every 0.5 s."""
    while True:
        try:
            client = await RawClient.connect(port, source=ATTACKER)
        except OSError:
            await trio.sleep(0.2)
            continue
        try:
            await client.send(request("POST", "/v1/sessions", headers=JSON, length=1000))
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_trickle, client, 0.5)
                seen[(await client.answer(within=30)).status] += 1
                nursery.cancel_scope.cancel()
        except (EOFError, trio.BrokenResourceError, trio.ClosedResourceError):
            seen["closed"] += 1
        finally:
            await client.aclose()
        await trio.sleep(0.2)


async def _honest(port: int, source: str, statuses: list[int]) -> None:
    for _ in range(8):
        with trio.fail_after(5):  # a generous deadline, not a timing threshold
            client = await RawClient.connect(port, source=source)
            await client.send(request("POST", "/v1/sessions", BODY, headers=JSON))
            answer = await client.answer()
        statuses.append(answer.status)
        if answer.status == 201:
            assert json.loads(answer.body)["session_id"]
        await client.aclose()
        await trio.sleep(0.25)


async def test_slow_connections_from_one_address_do_not_keep_others_out(fair: Running) -> None:
    port, http = fair.handle.port, fair.handle.http
    attacker = (4, int(ipaddress.IPv4Address(ATTACKER)))
    seen: Counter[object] = Counter()
    statuses: list[int] = []
    async with trio.open_nursery() as nursery:
        for _ in range(60):
            nursery.start_soon(_slow_client, port, seen)
        with trio.fail_after(10):  # until the attacker holds all it may
            while http.slots.held(attacker) < PER_CLIENT or not http.counter.refused_per_client:
                await trio.testing.wait_all_tasks_blocked(cushion=0.05)
        async with trio.open_nursery() as honest:
            for source in HONEST:
                honest.start_soon(_honest, port, source, statuses)
        nursery.cancel_scope.cancel()
    assert statuses == [201] * 16
    assert http.counter.refused == 0  # the cap on all connections was never reached
    assert http.counter.refused_per_client > 0
    assert seen[408] > 0  # slow bodies were cut by the minimum rate
    metrics = await fair.client.get("/metrics", headers=OPERATOR)
    refused = float(http.counter.refused_per_client)
    assert f"anonscore_http_connections_refused_per_client {refused}" in metrics.text


async def test_a_slow_but_honest_upload_finishes(fair: Running) -> None:
    """About 3 KB/s, fifteen times the minimum rate, for longer than the grace period."""
    body = b'{"site_key": "demo_site"' + b" " * 6000 + b"}"
    client = await RawClient.connect(fair.handle.port, source=HONEST[0])
    await client.send(request("POST", "/v1/sessions", headers=JSON, length=len(body)))
    for i in range(0, len(body), 300):
        await client.send(body[i : i + 300])
        await trio.sleep(0.1)
    answer = await client.answer()
    assert answer.status == 201
    assert json.loads(answer.body)["session_id"]


async def test_an_upload_below_the_minimum_rate_is_cut_with_408(fair: Running) -> None:
    client = await RawClient.connect(fair.handle.port, source=HONEST[0])
    await client.send(request("POST", "/v1/sessions", headers=JSON, length=1000))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_trickle, client, 0.3)
        answer = await client.answer(within=10)
        nursery.cancel_scope.cancel()
    assert answer.status == 408
    assert f"{MIN_RATE} bytes/s" in json.loads(answer.body)["error"]["message"]
    assert answer.closes
