"""A flood costs no storage, quotas when a tenant wants them, sealed scored sessions.

Issue 6: one client made 411 sessions/s without an Origin, each stored for 30 days (about
8.6 GB a day); anyone with a token could collect again after the score and rewrite what
the lender had seen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from tests.hostile.conftest import set_service
from tests.support import ORIGIN, Running, copy_config, start, web_attributes


async def test_three_thousand_sessions_store_nothing(svc: Running) -> None:
    before = await svc.snapshot()
    for _ in range(3000):
        r = await svc.client.post("/v1/sessions", json={"site_key": "demo_site"})
        assert r.status_code == 201
    assert await svc.snapshot() == before


async def test_a_token_never_collected_costs_nothing_and_scores_409(svc: Running) -> None:
    sid = await svc.session()
    r = await svc.score(sid)
    assert r.status_code == 409
    assert await svc.snapshot() == {}


async def test_a_scored_session_is_sealed(svc: Running) -> None:
    answer = await svc.flow()
    sid = answer["session_id"]
    before = await svc.snapshot()
    hostile = web_attributes(software__webdriver=True, software__user_agent="curl/8.5.0")
    r = await svc.collect(sid, hostile)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    r = await svc.collect(sid, hostile, headers={"Origin": ""})
    assert r.status_code in (403, 409)
    assert await svc.snapshot() == before
    again = (await svc.score(sid)).json()
    assert again == answer


def _quota_config(config_dir: Path) -> None:
    path = config_dir / "tenants.toml"
    path.write_text(
        path.read_text()
        + """
[tenants.demo.quotas]
sessions_per_minute = 20
collects_per_minute = 0
per_network_per_minute = 10
"""
    )


@pytest.fixture
async def quota(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config_dir = copy_config(tmp_path / "config")
    _quota_config(config_dir)
    set_service(config_dir, trusted_proxies=["127.0.0.1"])
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running


async def _sessions(svc: Running, n: int, ip: str, site: str = "demo_site") -> list[int]:
    out = []
    for _ in range(n):
        r = await svc.client.post(
            "/v1/sessions",
            json={"site_key": site},
            headers={"Origin": ORIGIN, "X-Forwarded-For": ip},
        )
        out.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["error"]["code"] == "too_many_requests"
    return out


async def test_quotas_per_network_and_per_site_key(quota: Running) -> None:
    # per client network (/24): 10 a minute
    statuses = await _sessions(quota, 12, "81.2.69.10")
    assert statuses[:10] == [201] * 10
    assert statuses[10:] == [429, 429]
    # the same /24 from another address shares that budget; another network has its own
    assert await _sessions(quota, 1, "81.2.69.77") == [429]
    # per site key: 20 a minute over all networks (10 already spent)
    statuses = await _sessions(quota, 12, "203.0.113.5")
    assert statuses.count(201) == 10
    assert statuses[-1] == 429
    # another tenant without quotas is not limited
    assert set(await _sessions(quota, 30, "81.2.69.10", site="demo2_site")) == {201}


async def test_no_quota_unless_configured(svc: Running) -> None:
    # one carrier NAT: many honest applicants behind one address
    statuses = await _sessions(svc, 200, "100.64.0.1")
    assert set(statuses) == {201}
