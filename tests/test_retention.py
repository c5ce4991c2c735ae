"""Retention: never-scored sessions go after 30 days, scored ones after the tenant's."""

from __future__ import annotations

from engine.store.keys import DAY
from tests.support import Running


async def test_sweep_deletes_only_what_is_due(svc: Running) -> None:
    service = svc.service
    unscored = await svc.session()
    assert (await svc.collect(unscored)).status_code == 202
    scored = (await svc.flow())["session_id"]
    now = service.clock()
    assert await service.sweep(now + 29 * DAY) == 0
    assert await service.sweep(now + 31 * DAY) == 1
    assert await service.session_record(unscored) is None
    assert await service.session_record(scored) is not None
    assert await service.sweep(now + 731 * DAY) == 1
    assert await service.session_record(scored) is None
    keys = (await svc.snapshot()).keys()
    assert not any(k.startswith((b"s:", b"x:")) for k in keys)


async def test_tenant_retention_applies(svc: Running) -> None:
    service = svc.service
    sid = (await svc.flow(site_key="demo2_site", key="demo2_key"))["session_id"]
    now = service.clock()
    assert await service.sweep(now + 364 * DAY) == 0
    assert await service.sweep(now + 366 * DAY) == 1
    assert await service.session_record(sid) is None


async def test_velocity_sweep_drops_records_outside_the_window(svc: Running) -> None:
    service = svc.service
    await svc.flow()
    keys = [k for k in (await svc.snapshot()) if k.startswith(b"v:")]
    assert keys
    now = service.clock()
    assert await service.sweep_velocity(now + 3600) == 0
    assert await service.sweep_velocity(now + DAY + 1) == len(keys)
    assert not any(k.startswith(b"v:") for k in await svc.snapshot())
