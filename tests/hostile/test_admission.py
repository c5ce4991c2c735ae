"""Early load shedding: above the admission bound, 503 at once, before the body is read.

Issue 6: the 2 s deadline covered only the engine's work, so under overload every request
waited its full deadline before a 503, and completed flows collapsed. Now work in progress
is counted; new flows (`/v1/sessions`) are refused first, then collects, and finishing a
flow (score) last.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
import trio

from engine.http.messages import Request, Response
from tests.hostile.conftest import RawClient, close_raw_clients, request, set_service
from tests.support import OPERATOR, Running, copy_config, start

AUTH = {"Content-Type": "application/json", "Authorization": "Bearer demo_key"}


@pytest.fixture
async def tight(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config_dir = copy_config(tmp_path / "config")
    set_service(config_dir, admission_limit=4)
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running
    await close_raw_clients()


async def test_saturation_sheds_new_flows_first_and_at_once(tight: Running) -> None:
    front = tight.handle.http.front
    release = trio.Event()
    entered_tx, entered = trio.open_memory_channel[None](10)

    async def stuck(request: Request) -> Response:
        entered_tx.send_nowait(None)
        await release.wait()
        return Response(200, b"{}")

    front.routes["/v1/feedback"] = msgspec.structs.replace(
        front.routes["/v1/feedback"], handler=stuck
    )
    port = tight.handle.port
    async with trio.open_nursery() as nursery:

        async def occupy() -> None:
            client = await RawClient.connect(port)
            await client.send(request("POST", "/v1/feedback", b"{}", headers=AUTH))
            await client.answer(within=10)

        for _ in range(2):
            nursery.start_soon(occupy)
        for _ in range(2):
            await entered.receive()
        # two requests in progress: half the bound, so new sessions are shed at once
        t0 = trio.current_time()
        r = await tight.client.post("/v1/sessions", json={"site_key": "demo_site"})
        assert r.status_code == 503
        assert r.headers["retry-after"] == "1"
        assert r.json()["error"]["code"] == "overloaded"
        assert trio.current_time() - t0 < 0.5
        # ...while finishing a flow is still admitted (and answered: 409, not collected)
        sid = await tight.client.post("/v1/sessions", json={"site_key": "demo_site"})
        assert sid.status_code == 503
        r = await tight.client.post("/v1/score", json={"session_id": "x"}, headers=AUTH)
        assert r.status_code == 404
        # a third in progress: collects are shed too (3 of 4)
        nursery.start_soon(occupy)
        await entered.receive()
        client = await RawClient.connect(port)
        # refused from the head alone: the body never needs to arrive
        await client.send(
            request("POST", "/v1/collect", headers={"Content-Type": "application/json"}, length=500)
        )
        answer = await client.answer(within=1)
        assert answer.status == 503
        assert answer.closes
        release.set()
    metrics = (await tight.client.get("/metrics", headers=OPERATOR)).text
    assert 'anonscore_http_shed_total{endpoint="sessions"}' in metrics
    # once the work is done, everything is admitted again
    assert (
        await tight.client.post("/v1/sessions", json={"site_key": "demo_site"})
    ).status_code == 201
