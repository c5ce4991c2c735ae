"""Probes on the fast path (issue 19, item 4), and the one route table (issue 16).

`/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/collector.js` are answered on our
own layer: the Quart app (called through `AsgiBridge`) is not entered for them, while the
HTML pages still go to it. Readiness keeps its answers: 200 with what is ready, else 503
with the reason and `Retry-After`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from engine.http.asgi import AsgiBridge
from engine.http.messages import Request, Response
from tests.support import OPERATOR, Running, copy_config, start


@pytest.fixture
async def running(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    svc = await start(nursery, tmp_path / "data", copy_config(tmp_path / "config"))
    async with svc.client:
        yield svc


@pytest.fixture
def quart_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the Quart app was called for."""
    calls: list[str] = []
    original = AsgiBridge.__call__

    async def counted(self: AsgiBridge, request: Request) -> Response:
        calls.append(request.head.path)
        return await original(self, request)

    monkeypatch.setattr(AsgiBridge, "__call__", counted)
    return calls


async def test_probes_and_operational_pages_skip_quart(
    running: Running, quart_calls: list[str]
) -> None:
    client = running.client
    assert (await client.get("/healthz")).json() == {"status": "alive"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert (await client.get("/metrics", headers=OPERATOR)).status_code == 200
    assert (await client.get("/openapi.json")).json()["openapi"] == "3.1.0"
    script = await client.get("/collector.js")
    assert script.status_code == 200
    assert script.headers["access-control-allow-origin"] == "*"
    assert (await client.head("/healthz")).status_code == 200
    assert quart_calls == []
    # the HTML pages are Quart's
    console = await client.get("/console", headers=OPERATOR)
    assert console.status_code == 200
    assert console.headers["content-type"].startswith("text/html")
    assert (await client.get("/demo")).status_code == 200
    assert quart_calls == ["/console", "/demo"]


async def test_readyz_says_why_not_with_retry_after(running: Running) -> None:
    state = running.handle.state
    state.ready = False
    try:
        answer = await running.client.get("/readyz")
    finally:
        state.ready = True
    assert answer.status_code == 503
    assert answer.json() == {"status": "starting"}
    assert answer.headers["retry-after"] == "1"
    assert (await running.client.get("/healthz")).status_code == 200


async def test_unknown_paths_and_methods_are_refused_from_the_table(running: Running) -> None:
    client = running.client
    missing = await client.get("/nope")
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "not_found",
        "message": "no such endpoint; see /openapi.json",
    }
    wrong = await client.post("/healthz", json={})
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD"
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    preflight = await client.delete("/v1/sessions")
    assert preflight.headers["allow"] == "POST, OPTIONS"
    assert (await client.get("/console")).status_code == 401
