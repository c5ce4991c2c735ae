"""The storage audit command finds what it must and never prints the value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec

from engine.storage import RocksStore, WriteSet
from tests.support import REPO


def _audit(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.audit", "--data-dir", str(data)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_audit_reports_planted_identifiers_by_record_type(tmp_path: Path) -> None:
    store = RocksStore(tmp_path)
    w = WriteSet()
    w.put(b"s:clean", msgspec.msgpack.encode({"tenant": "demo", "ua": "Mozilla/5.0"}))
    w.put(
        b"s:leaky",
        msgspec.msgpack.encode(
            {"attributes": {"custom": {"note": "write to jane.roe@example.com"}}}
        ),
    )
    w.put(b"d:dev", msgspec.msgpack.encode({"user_agents": ["4111 1111 1111 1111"]}))
    store.apply(w)
    store.close()
    out = _audit(tmp_path)
    assert out.returncode == 1
    assert "session" in out.stdout
    assert "<value>.attributes.custom.note (e-mail address)" in out.stdout
    assert "<value>.user_agents.0 (payment card number)" in out.stdout
    assert "jane.roe" not in out.stdout + out.stderr
    assert "4111" not in out.stdout + out.stderr


def test_audit_of_a_clean_store_exits_zero(tmp_path: Path) -> None:
    store = RocksStore(tmp_path)
    w = WriteSet()
    w.put(b"s:x", msgspec.msgpack.encode({"tenant": "demo", "created_at": 1.7e9}))
    store.apply(w)
    store.close()
    out = _audit(tmp_path)
    assert out.returncode == 0, out.stdout
    assert "total" in out.stdout


def test_audit_without_a_store(tmp_path: Path) -> None:
    out = _audit(tmp_path / "nothing")
    assert out.returncode == 2
    assert "no anonscore store here" in out.stderr
