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
