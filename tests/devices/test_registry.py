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


# -- issue 17: drift that keeps the ID, look-alikes, bursts ---------------------------------

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 " \
    "(KHTML, like Gecko) Version/26.4 Mobile/15E148 Safari/604.1"  # fmt: skip
# the most common iPhone class of real traffic (engine/devices/_prior.py), fonts as the
# collector finds them on iOS
IPHONE_ATTRS: dict[str, Any] = {
    "device__screen_width": 393, "device__screen_height": 852, "device__pixel_ratio": 3.0,
    "device__hardware_concurrency": 4, "device__device_memory": None,
    "device__touch_points": 5, "device__webgl_vendor": "Apple Inc.",
    "device__webgl_renderer": "Apple GPU",
    "device__fonts_hash": "9911a75ef8fed461cc98f226f99b7b2610f588c684e1bbeea36e4e911c35e224",
    "device__fonts_count": 9, "device__plugins_count": 0,
    "software__user_agent": IPHONE, "software__platform": "iPhone",
}  # fmt: skip
ZOOMED: dict[str, Any] = {
    "device__screen_width": 1536,
    "device__screen_height": 864,
    "device__pixel_ratio": 1.56,
}
DRIFT: dict[str, dict[str, Any]] = {
    "a few fonts installed": {"device__fonts_hash": "e" * 32, "device__fonts_count": 55},
    "a week abroad": {"software__timezone": "Europe/Madrid", "software__timezone_offset_min": 60},
    "a laptop docked to a monitor": {"device__screen_width": 2560, "device__screen_height": 1440,
                                     "device__pixel_ratio": 1.0},
    "browser zoom": ZOOMED,
    "a browser major": {"device__canvas_hash": "0" * 64, "software__user_agent":
                        FIREFOX.replace("131.0", "132.0")},
    "a new address": {},
}  # fmt: skip


def _populate(reg: Registry, n: int = 200) -> None:
    """The tenant's other devices: a window's worth of distinct machines."""
    for i in range(n):
        visit(reg, T0 - 10 * DAY + i * 60, prefix=f"10.{i % 250}.{i // 250}.0/24",
              device__fonts_hash=f"{i:032x}", device__fonts_count=30 + i % 20,
              device__canvas_hash=f"{i:064x}", device__audio_hash=f"{i}.5",
              device__screen_width=1000 + i % 500, device__screen_height=700 + i // 500,
              software__timezone="Europe/Berlin")  # fmt: skip


@pytest.mark.parametrize("drift", sorted(DRIFT))
def test_honest_drift_keeps_the_id_and_the_confidence(registry: Registry, drift: str) -> None:
    """Four visits: before, the drift (a new address each time), after, and back."""
    _populate(registry)
    base: dict[str, Any] = {"software__user_agent": FIREFOX, "device__device_memory": None}
    first, *_ = visit(registry, T0, prefix="81.2.69.0/24", **base)
    answers = [
        visit(registry, T0 + 7 * DAY, prefix="81.2.70.0/24", **base),
        visit(registry, T0 + 14 * DAY, prefix="88.6.1.0/24", **{**base, **DRIFT[drift]}),
        visit(registry, T0 + 21 * DAY, prefix="81.2.71.0/24",
              **{**base, **(DRIFT[drift] if drift in ("a few fonts installed",
                                                      "a browser major") else {})}),
    ]  # fmt: skip
    assert [a[0] for a in answers] == [first] * 3, drift
    assert all(a[1] >= 0.5 for a in answers), [a[1] for a in answers]


def test_a_minor_os_update_keeps_the_phone(registry: Registry) -> None:
    first, *_ = visit(registry, T0, **IPHONE_ATTRS)
    update: dict[str, Any] = {
        **IPHONE_ATTRS,
        "software__user_agent": IPHONE.replace("18_7", "18_7_1"),
    }
    later = visit(registry, T0 + 7 * DAY, **update)
    assert later[0] == first


def test_a_common_phone_is_a_crowd_from_its_first_return(registry: Registry) -> None:
    """The prior knows an iPhone of a current model and iOS is shared by many: the link is
    made, without confidence (and without a user ID carried over). A lender's few thousand
    devices: among 1,500, a class of 1.7% of real traffic is shared in any one locale."""
    _populate(registry, 1500)
    first, *_ = visit(registry, T0, prefix="81.2.69.0/24", **IPHONE_ATTRS)
    again, conf, *_ = visit(registry, T0 + 7 * DAY, prefix="81.2.99.0/24", **IPHONE_ATTRS)
    assert again == first
    assert conf < 0.5


def test_identical_phones_in_two_countries_are_not_merged_with_confidence(
    registry: Registry,
) -> None:
    _populate(registry, 300)
    visit(registry, T0, prefix="81.2.69.0/24", **IPHONE_ATTRS)
    abroad: dict[str, Any] = {
        **IPHONE_ATTRS,
        "software__timezone": "Europe/Paris",
        "software__timezone_offset_min": 60,
    }
    _, conf, *_ = visit(registry, T0 + DAY, prefix="90.12.3.0/24", **abroad)
    assert conf < 0.5


@pytest.mark.xfail(
    strict=True,
    reason="issue 17, not met: each change is explained, and the "
    "fitted explained and joint-drift weights do not sum to enough doubt",
)
def test_another_machine_of_one_hardware_class_is_not_linked_with_confidence(
    registry: Registry,
) -> None:
    """Issue 17: two Windows desktops of one hardware class behind one /24, the second's
    Firefox newer, with other fonts, canvas and audio: all explainable one by one, together
    they are another machine."""
    _populate(registry)
    base: dict[str, Any] = {"software__user_agent": FIREFOX, "device__device_memory": None}
    first, *_ = visit(registry, T0, **base)
    other: dict[str, Any] = {**base, "software__user_agent": FIREFOX.replace("131.0", "132.0"),
             "device__canvas_hash": "1" * 64, "device__audio_hash": "35.1",
             "device__fonts_hash": "1" * 32, "device__fonts_count": 53}  # fmt: skip
    dkey, conf, *_ = visit(registry, T0 + DAY, **other)
    assert dkey != first or conf < 0.5


def test_a_burst_from_a_rare_device_keeps_its_confidence(registry: Registry) -> None:
    """Credit stacking: one rare device applies at three lenders within the hour. It stays
    one confident device, so its history (and the stacking) is read."""
    _populate(registry)
    first, *_ = visit(registry, T0 - 30 * DAY)
    answers = [visit(registry, T0 + i * 600, tenant="abc"[i % 3]) for i in range(6)]
    assert {a[0] for a in answers} == {first}
    assert all(a[1] >= 0.5 for a in answers), [a[1] for a in answers]


def test_a_common_machine_carries_no_user_to_another_browser(registry: Registry) -> None:
    """Two people's iPhones of one model and iOS share a user band: the prior knows the
    machine class is common, so the second (Chrome on iOS, a new device) is not given the
    first one's user."""
    _populate(registry, 300)
    first = visit(registry, T0, prefix="81.2.69.0/24", **IPHONE_ATTRS)
    chrome = IPHONE.replace("Version/26.4 Mobile/15E148 Safari/604.1", "CriOS/131.0 Mobile")
    other = visit(registry, T0 + DAY, prefix="90.1.2.0/24",
                  **{**IPHONE_ATTRS, "software__user_agent": chrome})  # fmt: skip
    assert other[0] != first[0]
    assert other[2] != first[2]
