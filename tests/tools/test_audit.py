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
