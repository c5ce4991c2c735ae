"""The embedded store: one RocksDB database (rocksdict, raw bytes mode) in a directory.

`RocksStore` is the synchronous interface the engine uses today; `AsyncRocksStore` puts the
same database behind the async interface. Point reads and unsynced write sets cost
microseconds, less than a thread hop, so they stay inline (an `async def` that never awaits:
atomic under Trio); scans and synced writes (an fsync each) go to a thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import trio
from rocksdict import AccessType, Options, Rdict, WriteBatch, WriteOptions

from engine.store._interface import WriteSet, ordered_key_pages


class StoreLocked(Exception):
    """Another process has the database directory open."""


class RocksStore:
    """RocksDB with the write-ahead log on. One process per directory (RocksDB's LOCK)."""

    def __init__(self, path: Path, *, sync: bool = False, read_only: bool = False) -> None:
        """Open (creating it if needed) the store in `path`. `read_only` opens an existing
        store beside a running service, for audits; writes then fail."""
        opts = Options(raw_mode=True)
        opts.set_max_background_jobs(2)
        opts.set_keep_log_file_num(5)
        if not read_only:
            path.mkdir(parents=True, exist_ok=True)
            opts.create_if_missing(True)
        elif not (path / "rocksdb").is_dir():
            raise FileNotFoundError(f"{path}: no anonscore store here (no rocksdb directory)")
        access = AccessType.read_only() if read_only else AccessType.read_write()
        try:
            self._db = Rdict(str(path / "rocksdb"), opts, access_type=access)
        except Exception as exc:
            if "lock" in str(exc).lower():
                raise StoreLocked(
                    f"{path}: the data directory is in use by another anonscore process; "
                    "stop it or pass another --data-dir"
                ) from None
            raise
        self._wopts = WriteOptions()
        # rocksdict's stubs call this a method; at run time it is a property
        self._wopts.disable_wal = False  # type: ignore[method-assign,assignment]
        self._wopts.sync = sync
        self.sync = sync
        self._limiter = trio.CapacityLimiter(2)
        self.path = path

    def get(self, key: bytes) -> bytes | None:
        value = self._db.get(key)
        return None if value is None else bytes(value)

    def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        return [self.get(key) for key in keys]

    def prefetch(self, keys: list[bytes]) -> None:
        return None  # a point read costs microseconds: nothing to save

    def apply(self, writes: WriteSet) -> None:
        """Apply `writes` in one batch; expiries are ignored (the engine's retention index
        sweeps this store)."""
        if not writes:
            return
        batch = WriteBatch(raw_mode=True)
        for key in writes.deletes:
            batch.delete(key)
        for key, value in writes.puts.items():
            batch.put(key, value)
        self._db.write(batch, self._wopts)

    def _scan(self, prefix: bytes, start: bytes | None, limit: int) -> list[tuple[bytes, bytes]]:
        out: list[tuple[bytes, bytes]] = []
        it = self._db.iter()
        it.seek(start if start is not None and start > prefix else prefix)
        while it.valid() and len(out) < limit:
            key = bytes(it.key())
            if not key.startswith(prefix):
                break
            out.append((key, bytes(it.value())))
            it.next()
        del it
        return out

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        return await trio.to_thread.run_sync(
            self._scan, prefix, start, limit, limiter=self._limiter
        )

    async def apply_in_thread(self, writes: WriteSet) -> None:
        """`apply` off the event loop (for synced writes: an fsync can take milliseconds)."""
        await trio.to_thread.run_sync(self.apply, writes, limiter=self._limiter)

    async def flush(self) -> None:
        await trio.to_thread.run_sync(self._flush_sync, limiter=self._limiter)

    def _flush_sync(self) -> None:
        self._db.flush_wal(True)
        self._db.flush(True)

    def close(self) -> None:
        self._db.close()


class AsyncRocksStore:
    """`RocksStore` behind the async interface (`AsyncKeyValueStore`).

    `get`, `get_many` and unsynced `apply` never await: a read-modify-write made of them is
    atomic under Trio, as with the sync interface. With `sync=True`, `apply` runs in a thread
    and other tasks run during the fsync."""

    def __init__(self, store: RocksStore) -> None:
        self.store = store  # the sync interface, for tools that still use it
        self.path = store.path

    @classmethod
    def open(cls, path: Path, *, sync: bool = False, read_only: bool = False) -> AsyncRocksStore:
        return cls(RocksStore(path, sync=sync, read_only=read_only))

    async def get(self, key: bytes) -> bytes | None:
        return self.store.get(key)

    async def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        return self.store.get_many(keys)

    async def apply(self, writes: WriteSet) -> None:
        if self.store.sync:
            await self.store.apply_in_thread(writes)
        else:
            self.store.apply(writes)

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        return await self.store.scan(prefix, start=start, limit=limit)

    def key_pages(
        self, prefix: bytes, *, below: bytes | None = None, batch: int = 1000
    ) -> AsyncIterator[list[bytes]]:
        return ordered_key_pages(self.store.scan, prefix, below, batch)

    async def flush(self) -> None:
        await self.store.flush()

    async def aclose(self) -> None:
        self.store.close()
