"""The registry over a real RocksDB directory, without HTTP: links, look-alike confidence,
user IDs, feedback per tenant and erasure of a device's index entries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from engine.devices import Registry
from engine.devices.crowd import EPOCH, counts, sighted
from engine.privacy.secrets import derive_keys
from engine.schema import Attributes, DeviceProfile
from engine.store import RocksStore, WriteSet
from engine.store.keys import State, device_key_
from tests.support import web_attributes

DAY = 86_400.0
T0 = 1_717_400_000.0
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RocksStore]:
    s = RocksStore(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def registry(store: RocksStore) -> Registry:
    return Registry(State(store), derive_keys(b"\x01" * 32))


def visit(
    reg: Registry,
    at: float,
    prefix: str = "198.51.100.0/24",
    tenant: str = "a",
    **overrides: Any,
) -> tuple[str, float, str, DeviceProfile]:
    """One scored session: (device key, confidence, user ID, profile)."""
    attrs = msgspec.convert(web_attributes(**overrides), Attributes)
    s = reg.sight(attrs, "web", at, prefix)
    link = reg.link(s, tenant, at)
    w = WriteSet()
    profile = reg.record(w, s, link, tenant, at, user_agent=attrs.software.user_agent)
    reg.state.store.apply(w)
    return link.dkey, link.confidence, reg.user_id(tenant, link, profile, f"s{at}"), profile


async def keys(store: RocksStore, prefix: bytes) -> set[bytes]:
    return {k for k, _ in await store.scan(prefix, limit=100_000)}


def test_a_device_keeps_its_key_and_a_new_one_gets_confidence_zero(registry: Registry) -> None:
    first, conf, _, _ = visit(registry, T0)
    assert conf == 0.0
    again, conf, _, profile = visit(registry, T0 + 7 * DAY, prefix="203.0.113.0/24")
    assert again == first
    assert 0.5 < conf < 1.0
    assert profile.sessions == 2
    assert len(profile.recent) == 1


def test_identical_machines_are_one_crowd_with_low_confidence(registry: Registry) -> None:
    """Twenty laptops of one image, each from its own network, two days apart: nothing
    tells them apart; the sketch sees one fingerprint on ever more networks."""
    answers = [visit(registry, T0 + i * DAY / 2, prefix=f"10.{i}.1.0/24") for i in range(20)]
    assert len({a[0] for a in answers}) == 1
    assert all(a[1] < 0.5 for a in answers[8:])


def test_a_single_device_seen_often_from_home_stays_confident(registry: Registry) -> None:
    answers = [visit(registry, T0 + i * 7 * DAY, prefix="198.51.100.0/24") for i in range(10)]
    assert len({a[0] for a in answers}) == 1
    assert all(a[1] > 0.5 for a in answers[1:])


def test_persistent_sessions_keep_identical_machines_apart(registry: Registry) -> None:
    a = visit(registry, T0, software__persistent_session="a" * 24)
    b = visit(registry, T0 + 1, software__persistent_session="b" * 24)
    again = visit(registry, T0 + DAY, software__persistent_session="a" * 24)
    assert a[0] != b[0]
    assert again[0] == a[0]
    assert again[1] == 0.99


def test_two_browsers_of_one_machine_share_a_user_id(registry: Registry) -> None:
    chrome = visit(registry, T0)
    firefox = visit(
        registry,
        T0 + DAY,
        software__user_agent=FIREFOX,
        device__webgl_renderer="ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 "
        "ps_5_0), or similar",
        device__canvas_hash="e" * 64,
        device__audio_hash="35.7",
        device__device_memory=None,
    )
    assert firefox[0] != chrome[0]
    assert firefox[2] == chrome[2]
    other = visit(registry, T0 + 2 * DAY, software__user_agent=FIREFOX,
                  device__fonts_hash="0" * 32, device__fonts_count=70)  # fmt: skip
    assert other[2] != chrome[2]  # another machine's fonts


def test_a_crowd_carries_no_user_id(registry: Registry) -> None:
    answers = [visit(registry, T0 + i * DAY / 2, prefix=f"10.{i}.1.0/24") for i in range(20)]
    low = [a for a in answers if a[1] < 0.5]
    assert low
    assert len({a[2] for a in low}) == len(low)


def test_feedback_is_counted_per_tenant(registry: Registry, store: RocksStore) -> None:
    dkey, *_ = visit(registry, T0)
    for tenant, old, new in (("a", None, "fraud"), ("b", None, "good"), ("a", "fraud", "damage")):
        w = WriteSet()
        registry.feedback(w, dkey, tenant, old, new, T0 + DAY)
        store.apply(w)
    profile = registry.state.device(dkey)
    assert profile is not None
    assert (profile.reports["a"].fraud, profile.reports["a"].damage) == (0, 1)
    assert profile.reports["b"].good == 1
    assert (profile.fraud_reports, profile.damage_reports, profile.good_reports) == (0, 1, 1)


async def test_erasure_removes_the_device_from_every_index(
    registry: Registry, store: RocksStore
) -> None:
    mine, *_ = visit(registry, T0)
    other, *_ = visit(registry, T0 + 1, device__fonts_hash="0" * 32, device__fonts_count=70)
    assert mine != other
    profile = registry.state.device(mine)
    assert profile is not None
    assert profile.bands
    assert profile.user_bands
    w = WriteSet()
    registry.erase(w, mine, "a", registry.device_id("a", mine))
    store.apply(w)
    assert registry.state.device(mine) is None
    for key in [*profile.bands, *profile.user_bands]:
        assert mine not in registry.state.band(key.encode()).keys
        assert profile.user_key not in registry.state.band(key.encode()).keys
    assert await keys(store, b"m:") == {f"m:a\0{registry.device_id('a', other)}".encode()}
    survivor = registry.state.device(other)
    assert survivor is not None
    assert all(other in registry.state.band(b.encode()).keys for b in survivor.bands)
    again, conf, *_ = visit(registry, T0 + 2)
    assert again not in (mine, other)
    assert conf == 0.0


def test_the_sketch_counts_per_tenant_and_forgets_old_epochs() -> None:
    s = None
    for i in range(6):
        s = sighted(s, "a" if i % 2 else "b", T0 + i, i)
    assert s is not None
    assert set(s.tenants) == {"a", "b"}
    distinct, rate = counts(s, T0 + 10)
    assert 5.5 < distinct < 6.5
    assert rate == pytest.approx(6 / 7)
    later = sighted(s, "a", T0 + 3 * EPOCH, 1)
    assert sum(w.visits for ws in later.tenants.values() for w in ws) == 1
    assert b"198.51" not in msgspec.msgpack.encode(later)  # bits, never prefixes


def test_profile_decodes_what_the_store_holds(registry: Registry, store: RocksStore) -> None:
    dkey, *_ = visit(registry, T0)
    raw = store.get(device_key_(dkey))
    assert raw is not None
    assert msgspec.msgpack.decode(raw, type=DeviceProfile).crowd_at == T0
