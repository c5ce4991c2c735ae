"""The client IP: kept as prefix, country and ASN; counted for velocity without being stored."""

from __future__ import annotations

import ipaddress

from tests.support import Running

IP = "198.51.100.23"


async def test_ip_velocity_counts_sessions_without_storing_the_address(svc: Running) -> None:
    results = []
    for _ in range(3):
        sid = await svc.session()
        r = await svc.collect(sid, headers={"X-Forwarded-For": IP})
        assert r.status_code == 202
        # a second flush of the same session does not count twice
        assert (await svc.collect(sid, headers={"X-Forwarded-For": IP})).status_code == 202
        results.append((await svc.score(sid)).json())
    assert [r["attributes"]["ip_sessions_1h"] for r in results] == [1, 2, 3]
    assert [r["attributes"]["ip_sessions_24h"] for r in results] == [1, 2, 3]
    record = await svc.service.session_record(results[-1]["session_id"])
    assert record.ip_prefix == "198.51.100.0/24"
    dump = b"".join(k + v for k, v in (await svc.snapshot()).items())
    assert IP.encode() not in dump
    assert ipaddress.ip_address(IP).packed not in dump


async def test_ip_keys_change_every_day(svc: Running) -> None:
    from engine.sessions.collect import _hkey

    service = svc.service
    day = 86_400
    key = service.keys.hashing
    assert _hkey(key, f"ip|100|{IP}") != _hkey(key, f"ip|101|{IP}")
    assert _hkey(key, f"ip|100|{IP}") == _hkey(key, f"ip|100|{IP}")
    # a session collected just after midnight still sees the evening before
    base = (service.clock() // day + 1) * day
    service.clock = lambda: base - 600
    sid = await svc.session()
    assert (await svc.collect(sid, headers={"X-Forwarded-For": IP})).status_code == 202
    service.clock = lambda: base + 600
    sid = await svc.session()
    assert (await svc.collect(sid, headers={"X-Forwarded-For": IP})).status_code == 202
    record = await service.session_record(sid)
    assert (record.ip_velocity_h1, record.ip_velocity_h24) == (2, 2)


async def test_counters_cannot_be_linked_to_an_address_once_their_day_key_is_dropped(
    svc: Running,
) -> None:
    """Issue 15: the per-IP counters were keyed with a hash of the secret, so the data and
    the secret gave back every address of the last two days (256 hosts x 2 days a prefix)."""
    from engine.schema import Events
    from engine.sessions.collect import _hkey
    from engine.store import WriteSet
    from engine.store.keys import DAY, WINDOW_KEY_PREFIX, encode, events_key
    from tools.ip_linkage import ip_linkage

    service = svc.service
    addresses = [f"203.0.113.{h}" for h in range(1, 31)] + [IP]
    for address in addresses:
        sid = await svc.session()
        r = await svc.collect(sid, headers={"X-Forwarded-For": address})
        assert r.status_code == 202
    store = next(iter(service.stores.values()))
    now = service.clock()
    linked = await ip_linkage(store, service.keys.hashing, now)
    assert (linked.prefixes_v4, linked.with_secret) == (2, 0)
    # while the day's key lives the data and the secret link the counters: the attack works
    assert linked.live_window == len(addresses)
    # the data alone (another secret) links nothing, day key or not
    assert (await ip_linkage(store, b"\x00" * 32, now)).live_window == 0

    # the day's key dropped: the counters are still there, and name no one
    day = int(now // DAY)
    keys = [k for k, _ in await store.scan(WINDOW_KEY_PREFIX, limit=100)]
    assert len(keys) == 1
    w = WriteSet()
    w.delete(keys[0])
    await store.apply(w)
    assert any(k.startswith(b"v:i:") for k, _ in await store.scan(b"v:i:", limit=10))
    linked = await ip_linkage(store, service.keys.hashing, now)
    assert (linked.with_secret, linked.live_window, linked.stale_window_keys) == (0, 0, 0)

    # a counter keyed the old way (with the secret) is found: the test can fail
    w = WriteSet()
    old = _hkey(service.keys.hashing, f"ip|{day}|{IP}")
    w.put(events_key("i", old), encode(Events(ts=[now])))
    await store.apply(w)
    assert (await ip_linkage(store, service.keys.hashing, now)).with_secret == 1


async def test_the_day_key_is_swept_when_the_next_day_ends(svc: Running) -> None:
    from engine.store.keys import DAY, WINDOW_KEY_PREFIX, window_ends

    service = svc.service
    sid = await svc.session()
    assert (await svc.collect(sid, headers={"X-Forwarded-For": IP})).status_code == 202
    store = next(iter(service.stores.values()))
    end = window_ends(int(service.clock() // DAY))
    await service.sweep_velocity(end - 1)
    assert len(await store.scan(WINDOW_KEY_PREFIX, limit=10)) == 1
    await service.sweep_velocity(end)
    assert await store.scan(WINDOW_KEY_PREFIX, limit=10) == []


async def test_device_profiles_keep_no_network_prefix(svc: Running) -> None:
    """Issue 15: a device profile kept the /24 of each recent session for up to 730 days,
    and nothing reads it; prefixes stay only where a feature needs them (sessions: the
    reputation of the prefix on feedback; prefix counters: 24 h)."""
    from engine.schema import DeviceProfile
    from engine.store.keys import decode

    await svc.flow(headers={"X-Forwarded-For": IP})
    profiles = [decode(v, DeviceProfile) for k, v in (await svc.snapshot()).items()
                if k.startswith(b"d:")]  # fmt: skip
    assert profiles
    assert all(o.ip_prefix is None for p in profiles for o in p.recent)
