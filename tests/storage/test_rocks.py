"""The embedded store on a real RocksDB directory."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
import trio
import trio.testing

from engine.store import AsyncRocksStore, RocksStore, WriteSet
from engine.store._rocks import StoreLocked
from tests.support import REPO


async def test_apply_get_scan_delete(tmp_path: Path) -> None:
    store = RocksStore(tmp_path)
    w = WriteSet()
    for i in range(5):
        w.put(f"a:{i}".encode(), str(i).encode())
    w.put(b"b:0", b"x")
    store.apply(w)
    assert store.get(b"a:3") == b"3"
    assert store.get_many([b"a:1", b"zz"]) == [b"1", None]
    assert [k for k, _ in await store.scan(b"a:")] == [f"a:{i}".encode() for i in range(5)]
    assert [k for k, _ in await store.scan(b"a:", start=b"a:3")] == [b"a:3", b"a:4"]
    assert len(await store.scan(b"a:", limit=2)) == 2
    w = WriteSet()
    w.delete(b"a:0")
    w.put(b"a:1", b"one")
    store.apply(w)
    assert store.get(b"a:0") is None
    assert store.get(b"a:1") == b"one"
    await store.flush()
    store.close()


def test_write_set_last_operation_wins() -> None:
    w = WriteSet()
    w.put(b"k", b"1")
    w.delete(b"k")
    assert w.puts == {}
    assert w.deletes == {b"k"}
    w.put(b"k", b"2")
    assert w.puts == {b"k": b"2"}
    assert w.deletes == set()
    assert len(w) == 1


def test_second_open_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    store = RocksStore(tmp_path)
    with pytest.raises(StoreLocked, match="in use by another anonscore process"):
        RocksStore(tmp_path)
    store.close()


_WRITER = """
import os, sys
from pathlib import Path
from engine.store import AsyncRocksStore, RocksStore, WriteSet
store = RocksStore(Path(sys.argv[1]))
for i in range(200):
    w = WriteSet()
    w.put(b"k:%05d" % i, b"v" * 100)
    w.put(b"n:%05d" % i, b"pair")
    store.apply(w)
print("written", flush=True)
os.kill(os.getpid(), 9)   # crash: no close, no flush
"""


async def test_acknowledged_writes_survive_a_crash(tmp_path: Path) -> None:
    out = await trio.run_process(
        [sys.executable, "-c", _WRITER, str(tmp_path)],
        cwd=REPO,
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    assert b"written" in out.stdout
    assert out.returncode == -signal.SIGKILL
    store = RocksStore(tmp_path)
    assert len(await store.scan(b"k:", limit=1000)) == 200
    assert len(await store.scan(b"n:", limit=1000)) == 200
    store.close()


async def test_synced_writes_are_readable_and_survive_reopen(tmp_path: Path) -> None:
    store = RocksStore(tmp_path, sync=True)
    w = WriteSet()
    w.put(b"k", b"v")
    store.apply(w)
    store.close()
    again = RocksStore(tmp_path)
    assert again.get(b"k") == b"v"
    again.close()


async def test_async_point_operations_never_leave_the_event_loop(tmp_path: Path) -> None:
    """A read-modify-write of gets and an unsynced apply is atomic under Trio: no checkpoint."""
    store = AsyncRocksStore.open(tmp_path)
    w = WriteSet()
    w.put(b"k", b"v", expire_at=1.0)  # long past: RocksDB keeps it (the engine sweeps)
    with trio.testing.assert_no_checkpoints():
        await store.apply(w)
        assert await store.get(b"k") == b"v"
        assert await store.get_many([b"k", b"x"]) == [b"v", None]
    await store.aclose()


async def test_async_synced_writes_leave_the_event_loop(tmp_path: Path) -> None:
    store = AsyncRocksStore.open(tmp_path, sync=True)
    w = WriteSet()
    w.put(b"k", b"v")
    with trio.testing.assert_checkpoints():
        await store.apply(w)
    assert store.store.get(b"k") == b"v"
    await store.aclose()
