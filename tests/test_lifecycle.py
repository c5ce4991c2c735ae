"""The data lifecycle over HTTP: retention of every record type, erasure that respects
tenants, the end user's opt-out. Issue 9: device profiles, band entries, ID mappings and
reputation were kept forever; tenant A's erasure of a device wiped tenant B's fraud report."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from engine.lifecycle.records import JOURNAL_GRACE_S, Lifecycle
from engine.schema import Events
from engine.store import StoreUnavailable, WriteSet
from engine.store.keys import DAY, record_kind
from tests.support import ORIGIN, Running, android_attributes, web_attributes

AUTH = {"demo": "demo_key", "demo2": "demo2_key", "demo3": "demo3_key"}
AUTH_DEMO = {"Authorization": "Bearer demo_key"}


async def _feedback(svc: Running, sid: str, label: str, key: str = "demo_key") -> None:
    r = await svc.client.post(
        "/v1/feedback",
        json={"session_id": sid, "label": label},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 202, r.text


async def test_after_731_days_nothing_is_left(svc: Running) -> None:
    service = svc.service
    start = service.clock()
    # three tenants, web and app, feedback, an unscored session, an opted-out one
    web = await svc.flow(headers={"X-Forwarded-For": "81.2.69.10"})
    await _feedback(svc, web["session_id"], "fraud")
    app = await svc.flow(
        android_attributes(), site_key="demo2_site", key="demo2_key", channel="android"
    )
    await _feedback(svc, app["session_id"], "good", "demo2_key")
    await svc.flow(site_key="demo3_site", key="demo3_key")
    unscored = await svc.session()
    assert (await svc.collect(unscored)).status_code == 202
    kinds = Counter((record_kind(k).name if record_kind(k) else "?") for k in await svc.snapshot())
    assert {"session", "device profile", "ip reputation", "device id mapping"} <= set(kinds)
    later = start + 731 * DAY
    service.clock = lambda: later
    await service.sweep(later)
    await service.sweep_velocity(later)
    await service.sweep_records(later)
    left = await svc.snapshot()
    assert left == {}, (Counter(record_kind(k).name for k in left), sorted(left)[:8])


async def test_a_tenants_erasure_leaves_another_tenants_evidence(svc: Running) -> None:
    # one device at two lenders; demo reports fraud, demo2 erases the device
    at_demo = await svc.flow()
    await _feedback(svc, at_demo["session_id"], "fraud")
    at_demo2 = await svc.flow(site_key="demo2_site", key="demo2_key")
    r = await svc.client.post(
        "/v1/erasure",
        json={"device_id": at_demo2["device_id"]},
        headers={"Authorization": "Bearer demo2_key"},
    )
    assert r.json() == {"deleted": 1}
    # demo's report still stands: the device comes back known for fraud at demo
    again = await svc.flow()
    assert again["flags"]["known_fraud_device"] is True
    assert again["device_id"] == at_demo["device_id"]
    # demo2 erased its part: its old session is gone
    assert (await svc.score(at_demo2["session_id"], key="demo2_key")).status_code == 404
    # and erasing again is idempotent
    r = await svc.client.post(
        "/v1/erasure",
        json={"device_id": at_demo2["device_id"]},
        headers={"Authorization": "Bearer demo2_key"},
    )
    assert r.json() == {"deleted": 0}


async def test_erasing_a_labelled_session_takes_back_its_report(svc: Running) -> None:
    first = await svc.flow()
    await _feedback(svc, first["session_id"], "fraud")
    r = await svc.client.post(
        "/v1/erasure",
        json={"session_id": first["session_id"]},
        headers={"Authorization": "Bearer demo_key"},
    )
    assert r.json() == {"deleted": 1}
    again = await svc.flow()
    assert again["flags"]["known_fraud_device"] is False


async def _optout(svc: Running, sid: str, site: str = "demo_site", origin: str = ORIGIN) -> object:
    return await svc.client.post(
        "/v1/optout", json={"session_id": sid, "site_key": site}, headers={"Origin": origin}
    )


async def test_the_end_users_opt_out(svc: Running) -> None:
    older = await svc.flow()
    newer = await svc.flow()
    assert older["device_id"] == newer["device_id"]
    other_tenant = await svc.flow(site_key="demo2_site", key="demo2_key")
    r = await _optout(svc, newer["session_id"], origin="https://evil.example")
    assert r.status_code == 403
    r = await _optout(svc, newer["session_id"])
    assert r.status_code == 200, r.text
    # what the session collected; the lender's record of its scores stays (tests/test_optout.py)
    assert r.json() == {"erased": 1}
    for sid in (older["session_id"], newer["session_id"]):
        assert (await svc.score(sid)).status_code == 200
    assert (await svc.collect(newer["session_id"])).status_code == 409  # sealed
    # another tenant's data stays
    r = await svc.score(other_tenant["session_id"], key="demo2_key")
    assert r.status_code == 200
    # idempotent
    r = await _optout(svc, newer["session_id"])
    assert r.json() == {"erased": 0}


async def test_opt_out_before_the_score_reaches_the_persistent_sessions_device(
    svc: Running,
) -> None:
    attrs = web_attributes(software__persistent_session="ps_value_from_indexeddb")
    scored = await svc.flow(attrs, site_key="demo2_site", key="demo2_key")
    sid = await svc.session("demo2_site")
    assert (await svc.collect(sid, attrs, site_key="demo2_site")).status_code == 202
    r = await _optout(svc, sid, site="demo2_site")
    assert r.json() == {"erased": 1}  # that session; the device's scored session stays
    r = await svc.score(scored["session_id"], key="demo2_key")
    assert r.status_code == 200


async def test_an_erasure_a_failed_store_interrupted_is_finished(
    svc: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    # two sessions of one device at demo, one of them reported
    first = await svc.flow()
    await _feedback(svc, first["session_id"], "fraud")
    second = await svc.flow()
    assert first["device_id"] == second["device_id"]
    service = svc.service
    store = service.stores[service.runtime.config.tenants["demo"].region]
    real_apply = store.apply
    failed: list[int] = []

    async def dies_halfway(writes: WriteSet) -> None:
        # the erasure's own writes (its journal entry went first): half of its deletes
        # land, then the store fails, as a master that dies between two slot groups
        if len(writes.deletes) > 2 and not failed:
            failed.append(len(writes.deletes))
            part = WriteSet()
            for key in sorted(writes.deletes)[: len(writes.deletes) // 2]:
                part.delete(key)
            await real_apply(part)
            raise StoreUnavailable("a master is down")
        await real_apply(writes)

    monkeypatch.setattr(store, "apply", dies_halfway)
    r = await svc.client.post(
        "/v1/erasure", json={"device_id": first["device_id"]}, headers=AUTH_DEMO
    )
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"]
    monkeypatch.undo()
    assert failed
    kinds = Counter(record_kind(k).name for k in await svc.snapshot())  # type: ignore[union-attr]
    assert kinds["erasure journal"] == 1
    now = service.clock()
    # an entry younger than the grace may be an erasure under way in another process
    assert await service.resume_erasures(now) == 0
    assert await service.resume_erasures(now + JOURNAL_GRACE_S + 1) == 1
    kinds = Counter(record_kind(k).name for k in await svc.snapshot())  # type: ignore[union-attr]
    assert kinds["erasure journal"] == 0
    assert kinds["session"] == 0, kinds
    assert kinds["device id mapping"] == 0, kinds
    for sid in (first["session_id"], second["session_id"]):
        assert (await svc.score(sid)).status_code == 404
    # the device is gone from demo: the next visit is a device nobody reported
    again = await svc.flow()
    assert again["device_id"] != first["device_id"]
    assert again["flags"]["known_fraud_device"] is False
    # an erasure that went through leaves no journal behind
    r = await svc.client.post(
        "/v1/erasure", json={"session_id": again["session_id"]}, headers=AUTH_DEMO
    )
    assert r.json() == {"deleted": 1}
    kinds = Counter(record_kind(k).name for k in await svc.snapshot())  # type: ignore[union-attr]
    assert kinds["erasure journal"] == 0


class _Counting:
    """A store that counts the calls made to it (each one a round trip on a cluster)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    async def get(self, key: bytes) -> bytes | None:
        self.calls += 1
        return await self.inner.get(key)  # type: ignore[no-any-return]

    async def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        self.calls += 1
        return await self.inner.get_many(keys)  # type: ignore[no-any-return]

    async def apply(self, writes: WriteSet) -> None:
        self.calls += 1
        await self.inner.apply(writes)

    async def key_pages(
        self, prefix: bytes, *, below: bytes | None = None, batch: int = 1000
    ) -> AsyncIterator[list[bytes]]:
        async for page in self.inner.key_pages(prefix, below=below, batch=batch):
            self.calls += 1
            yield page


async def test_a_sweep_costs_a_few_store_calls_a_page_not_one_a_record(svc: Running) -> None:
    """Sweeping 1,500 velocity records, 500 of them stale: the stale ones go and the rest
    stay, in a handful of calls (a round trip each on a cluster), where a call or two a
    record made the daily record sweep of 10^8 devices take days."""
    service = svc.service
    now = service.clock()
    store = _Counting(service.regions.stores["eu"])
    fresh = msgspec.msgpack.encode(Events(ts=[now - 60]))
    stale = msgspec.msgpack.encode(Events(ts=[now - 3 * DAY]))
    w = WriteSet()
    keys = [b"v:{sweep-%04d}" % i for i in range(1500)]
    for i, key in enumerate(keys):
        w.put(key, stale if i % 3 == 0 else fresh)
    await store.inner.apply(w)
    gone = await Lifecycle(store, service.keys).sweep_velocity(now)  # type: ignore[arg-type]
    assert gone == 500
    left = await store.inner.get_many(keys)
    assert [v is not None for v in left] == [i % 3 != 0 for i in range(1500)]
    assert store.calls <= 10, store.calls
