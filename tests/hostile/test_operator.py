"""Operator pages are closed on the public port: /metrics and /console need the operator
token (401 without it, 404 when the service has none); an admin listener on loopback
serves them, and only them and health. Issue 9: they answered anyone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import trio

from tests.hostile.conftest import set_service
from tests.support import OPERATOR, Running, copy_config, start


@pytest.mark.parametrize("path", ["/metrics", "/console"])
async def test_operator_pages_need_the_token(svc: Running, path: str) -> None:
    assert (await svc.client.get(path)).status_code == 401
    wrong = {"Authorization": "Bearer not_the_token"}
    r = await svc.client.get(path, headers=wrong)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    api_key = {"Authorization": "Bearer demo_key"}  # a tenant's key is not an operator's
    assert (await svc.client.get(path, headers=api_key)).status_code == 401
    assert (await svc.client.get(path, headers=OPERATOR)).status_code == 200


@pytest.fixture
async def admin(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config_dir = copy_config(tmp_path / "config")
    set_service(config_dir, operator_token_hash="", admin_listen="127.0.0.1:0")
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running


async def test_without_a_token_the_public_port_has_no_operator_pages(admin: Running) -> None:
    for path in ("/metrics", "/console"):
        assert (await admin.client.get(path, headers=OPERATOR)).status_code == 404
    assert admin.handle.admin is not None
    port = admin.handle.admin.bound_ports()[0]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as operator:
        r = await operator.get("/metrics")
        assert r.status_code == 200
        assert "anonscore_ready 1.0" in r.text
        assert (await operator.get("/console")).status_code == 200
        assert (await operator.get("/readyz")).status_code == 200
        # the admin listener serves nothing else
        r = await operator.post("/v1/sessions", json={"site_key": "demo_site"})
        assert r.status_code == 404
        assert (await operator.get("/demo")).status_code == 404
