"""The storage audit command finds what it must and never prints the value."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import msgspec

from engine.schema import Attributes, DeviceList, DeviceProfile, SessionRecord
from engine.store import RocksStore, WriteSet
from engine.store.keys import encode
from tests.process import run_module


def _audit(data: Path) -> subprocess.CompletedProcess[str]:
    return run_module("tools.audit", "--data-dir", str(data))


def _session(**kw: Any) -> SessionRecord:
    return SessionRecord(
        tenant="demo", created_at=1.7e9, expires_at=1.7e9 + 3600, region="eu", purge_at=1.8e9, **kw
    )


def test_audit_reports_planted_identifiers_by_record_type(tmp_path: Path) -> None:
    store = RocksStore(tmp_path)
    w = WriteSet()
    w.put(b"s:clean", encode(_session(attributes=Attributes(custom={"ua": "Mozilla/5.0"}))))
    w.put(
        b"s:leaky",
        encode(_session(attributes=Attributes(custom={"note": "write to jane.roe@example.com"}))),
    )
    w.put(b"d:dev", encode(DeviceProfile(1.7e9, 1.7e9, user_agents=["4111 1111 1111 1111"])))
    w.put(b"s:broken", msgspec.msgpack.encode({"not": "a session"}))
    w.put(b"zz:unknown", b"")
    store.apply(w)
    store.close()
    out = _audit(tmp_path)
    assert out.returncode == 1
    assert "session" in out.stdout
    assert "session: attributes.custom.note (e-mail address)" in out.stdout
    assert "device profile: user_agents.0 (payment card number)" in out.stdout
    assert "session: <value> (does not decode as its record type)" in out.stdout
    assert "unknown: <key> (a key of no known record type)" in out.stdout
    assert "jane.roe" not in out.stdout + out.stderr
    assert "4111" not in out.stdout + out.stderr


def test_audit_of_a_clean_store_exits_zero(tmp_path: Path) -> None:
    store = RocksStore(tmp_path)
    w = WriteSet()
    # the service's own fields (keyed hashes, ids) are not data: never findings
    w.put(b"s:x", encode(_session(device_key="dk_4111111111111111")))
    w.put(b"b:web:canvas+gpu:1234567890123,4111111111111111", encode(DeviceList(["dk_1"])))
    store.apply(w)
    store.close()
    out = _audit(tmp_path)
    assert out.returncode == 0, out.stdout
    assert "total" in out.stdout


def test_audit_without_a_store(tmp_path: Path) -> None:
    out = _audit(tmp_path / "nothing")
    assert out.returncode == 2
    assert "no anonscore store here" in out.stderr


def _secret_file(root: Path) -> Path:
    path = root / "secret" / "anonscore.key"
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(range(32)))
    return path


def test_audit_recovers_addresses_from_counters_keyed_with_the_secret(tmp_path: Path) -> None:
    """Issue 15: per-IP counters keyed (only) with the secret gave back every address."""
    import hashlib
    import hmac
    import time

    from engine.privacy.secrets import derive_keys
    from engine.schema import Events
    from engine.store.keys import DAY, events_key, window_ends, window_key

    secret = _secret_file(tmp_path)
    hashing = derive_keys(secret.read_bytes()).hashing
    now = time.time()
    day = int(now // DAY)
    store = RocksStore(tmp_path / "data")
    w = WriteSet()
    w.put(b"s:x", encode(_session(ip_prefix="198.51.100.0/24")))
    for host in (7, 8):  # the old layout: a hash of the day and address under the secret
        old = hmac.new(hashing, f"ip|{day}|198.51.100.{host}".encode(), hashlib.sha256)
        w.put(events_key("i", old.hexdigest()[:32]), encode(Events(ts=[now])))
    w.put(window_key(day - 5), bytes(32))  # a day key kept past its end
    store.apply(w)
    store.close()
    assert window_ends(day - 5) < now
    out = run_module(
        "tools.audit", "--data-dir", str(tmp_path / "data"), "--secret-file", str(secret)
    )
    assert out.returncode == 1, out.stdout
    assert "recoverable with the secret:           2" in out.stdout
    assert "day keys kept past their end:          1" in out.stdout
    assert "198.51.100.7" not in out.stdout + out.stderr


def test_audit_of_a_store_the_server_filled_recovers_no_address(tmp_path: Path) -> None:
    import httpx

    from tests.process import running_server
    from tests.support import web_attributes

    with running_server(tmp_path) as srv, httpx.Client(base_url=srv.base_url) as client:
        for host in range(1, 21):
            sid = client.post(
                "/v1/sessions", json={"site_key": "demo_site"}, headers={"Origin": srv.base_url}
            ).json()["session_id"]
            body = {"session_id": sid, "site_key": "demo_site", "channel": "web",
                    "attributes": web_attributes()}  # fmt: skip
            xff = {"X-Forwarded-For": f"203.0.113.{host}"}
            assert client.post("/v1/collect", json=body, headers=xff).status_code == 202
        out = run_module(
            "tools.audit",
            "--data-dir",
            str(srv.data_dir),
            "--config-dir",
            str(tmp_path / "config"),
        )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "recoverable with the secret:           0" in out.stdout
    # the day's counters can be linked while its key lives (the brute force does run)
    assert "linkable until their day key is dropped: 20" in out.stdout
    assert not any(p.name == "secret.key" for p in srv.data_dir.rglob("*"))
    assert (tmp_path / "secret" / "anonscore.key").stat().st_mode & 0o777 == 0o600
