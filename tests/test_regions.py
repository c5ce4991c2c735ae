"""Regions that place data: each region has its own store; a tenant pinned to a region
(`region_mode = "forced"`) leaves no key anywhere else; a tenant keeping data where it was
collected has a US client's session in the US store. On both stores (RocksDB directories
per region; a Redis Cluster shared under a prefix per region)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from tests.conftest import use_empty_cluster
from tests.hostile.conftest import set_service
from tests.support import Running, copy_config, start

US_IP = "24.1.1.1"  # Comcast, US (the shipped IP data)
GB_IP = "81.2.69.10"


@pytest.fixture(params=["rocksdb", "redis"])
async def regional(
    request: pytest.FixtureRequest, nursery: trio.Nursery, tmp_path: Path
) -> AsyncIterator[Running]:
    config = copy_config(tmp_path / "config")
    set_service(config, region_countries={"us": ["US", "CA"], "apac": ["JP", "AU"]})
    tenants = config / "tenants.toml"
    text = tenants.read_text()
    # demo: kept where collected (its region eu by default); demo2: pinned to eu
    text = text.replace(
        'site_key = "demo2_site"', 'site_key = "demo2_site"\nregion_mode = "forced"', 1
    )
    tenants.write_text(text)
    if request.param == "redis":
        use_empty_cluster(request, config)
    running = await start(nursery, tmp_path / "data", config)
    async with running.client:
        yield running


async def _keys(svc: Running) -> dict[str, set[bytes]]:
    return {
        region: {k for k, _ in await store.scan(b"", limit=1_000_000)}
        for region, store in svc.service.stores.items()
    }


async def test_a_tenant_pinned_to_eu_leaves_no_key_elsewhere(regional: Running) -> None:
    for ip in (US_IP, GB_IP, "203.0.113.9"):
        answer = await regional.flow(
            site_key="demo2_site", key="demo2_key", headers={"X-Forwarded-For": ip}
        )
        r = await regional.client.post(
            "/v1/feedback",
            json={"session_id": answer["session_id"], "label": "fraud"},
            headers={"Authorization": "Bearer demo2_key"},
        )
        assert r.status_code == 202
    keys = await _keys(regional)
    assert keys["eu"]
    assert keys["us"] == set()
    assert keys["apac"] == set()


async def test_a_session_is_kept_in_the_region_it_was_collected(regional: Running) -> None:
    us = await regional.flow(headers={"X-Forwarded-For": US_IP})
    gb = await regional.flow(headers={"X-Forwarded-For": GB_IP})
    keys = await _keys(regional)
    assert any(regional.sh(us["session_id"]).encode() in k for k in keys["us"])
    assert not any(regional.sh(us["session_id"]).encode() in k for k in keys["eu"])
    assert any(regional.sh(gb["session_id"]).encode() in k for k in keys["eu"])
    # the lender scores, reports and erases it without knowing where it is
    for answer in (us, gb):
        assert (await regional.score(answer["session_id"])).json() == answer
    r = await regional.client.post(
        "/v1/erasure",
        json={"device_id": us["device_id"]},
        headers={"Authorization": "Bearer demo_key"},
    )
    assert r.json()["deleted"] >= 1
    assert (await regional.score(us["session_id"])).status_code == 404
