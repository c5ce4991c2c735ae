"""The storage interface every backend implements: a sync one (the engine today) and an async
one (the engine tomorrow, and any store that lives across the network).

`KeyValueStore` is synchronous for point reads and write sets: on the embedded store they cost
a few microseconds, less than a thread hop, so they run inline and a read-modify-write with no
`await` in between is atomic under Trio. `AsyncKeyValueStore` is what a remote store can offer:
every call may wait on the network. The embedded store implements it too (`AsyncRocksStore`),
with `async def`s that never await for point operations, so the engine keeps the same
atomicity on RocksDB and gets the cluster's on Redis (see `_redis.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

_LATEST_EXPIRY = 1e11  # Unix seconds (year 5138); also keeps PXAT milliseconds in 64 bits


class WriteSet:
    """Puts and deletes applied together: all or nothing on RocksDB; per hash slot on Redis.

    A put may carry `expire_at`, an absolute expiry (Unix seconds): stores with native TTLs
    (Redis `SET ... PXAT`) drop the key then; RocksDB ignores it (the engine keeps its own
    retention index there). Absolute, so applying the same set twice is the same as once.
    """

    __slots__ = ("deletes", "expiries", "puts")

    def __init__(self) -> None:
        self.puts: dict[bytes, bytes] = {}
        self.deletes: set[bytes] = set()
        self.expiries: dict[bytes, float] = {}  # key of `puts` -> expire_at; absent: no expiry

    def put(self, key: bytes, value: bytes, *, expire_at: float | None = None) -> None:
        if expire_at is None:
            self.expiries.pop(key, None)
        elif 0 < expire_at < _LATEST_EXPIRY:  # refused here, never halfway through a group
            self.expiries[key] = expire_at
        else:
            raise ValueError("expire_at must be Unix seconds in (0, 1e11), or None for no expiry")
        self.deletes.discard(key)
        self.puts[key] = value

    def delete(self, key: bytes) -> None:
        self.puts.pop(key, None)
        self.expiries.pop(key, None)
        self.deletes.add(key)

    def __len__(self) -> int:
        return len(self.puts) + len(self.deletes)

    def touched(self) -> set[bytes]:
        """Every key this set writes or deletes."""
        return set(self.puts) | self.deletes

    def update(self, other: WriteSet) -> None:
        """Add `other`'s puts and deletes (the later wins on a key both touch)."""
        for key in other.deletes:
            self.delete(key)
        for key, value in other.puts.items():
            self.put(key, value, expire_at=other.expiries.get(key))


class KeyValueStore(Protocol):
    def get(self, key: bytes) -> bytes | None:
        """Return the value stored under `key`, or None."""

    def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        """Return the values of several keys, in order (None where absent)."""

    def prefetch(self, keys: list[bytes]) -> None:
        """A hint: these keys may be read soon. A view over a remote store fetches them
        with the next keys it must fetch (a round trip fewer); a local store ignores it."""

    def apply(self, writes: WriteSet) -> None:
        """Apply every put and delete of `writes` atomically (write-ahead logged)."""

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        """Return up to `limit` (key, value) pairs whose key starts with `prefix`, in key
        order, from `start` (inclusive) when given. Runs off the event loop."""

    async def flush(self) -> None:
        """Persist memtables and the WAL to disk (for shutdown and checkpoints)."""

    def close(self) -> None:
        """Release the store. No call may follow."""


class AsyncKeyValueStore(Protocol):
    """A store whose every operation may wait. Failures of the store itself (a node down, a
    failover, a timeout) raise `StoreUnavailable`, never a client library's exception."""

    async def get(self, key: bytes) -> bytes | None:
        """Return the value stored under `key`, or None."""

    async def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        """Return the values of several keys, in order (None where absent)."""

    async def apply(self, writes: WriteSet) -> None:
        """Apply the puts and deletes of `writes`. RocksDB: atomically. Redis Cluster:
        atomically per hash slot, the slots one after another; every write is safe to
        repeat, so after `StoreUnavailable` the caller may apply the same set again."""

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        """Return up to `limit` (key, value) pairs whose key starts with `prefix`, in key
        order (bytewise), from `start` (inclusive) when given: pass the last key + b"\\0"
        for the next page. Not a snapshot: a key written or deleted during the scan may or
        may not be seen. On Redis a scan walks every master: for rare operations only."""

    def key_pages(
        self, prefix: bytes, *, below: bytes | None = None, batch: int = 1000
    ) -> AsyncIterator[list[bytes]]:
        """Every key starting with `prefix` (and below `below` when given), in pages of up
        to `batch` keys, in one pass over the store: for sweeps and resumes that visit all
        of a prefix. The caller may delete the keys it is given as it goes. Pages come in
        no set order and a key may come twice (Redis SCAN's guarantee), so what the caller
        does with a key must be safe to repeat; a key written or deleted during the pass
        may or may not be seen. RocksDB: key order, stopping at `below`. Redis Cluster: one
        cluster SCAN, O(keys) for the pass, where paging with `scan` walks every master
        once per page."""

    async def flush(self) -> None:
        """Make acknowledged writes durable now, where the store lets its client ask."""

    async def aclose(self) -> None:
        """Release the store. No call may follow."""


async def ordered_key_pages(
    scan: Callable[..., Awaitable[list[tuple[bytes, bytes]]]],
    prefix: bytes,
    below: bytes | None,
    batch: int,
) -> AsyncIterator[list[bytes]]:
    """`key_pages` for a store whose `scan` pages in key order: page after page from the
    last key seen (so keys the caller deletes meanwhile do not shift the pages), stopping
    at `below`."""
    start: bytes | None = None
    while True:
        rows = await scan(prefix, start=start, limit=batch)
        keys = [k for k, _ in rows if below is None or k < below]
        if keys:
            yield keys
        if len(keys) < len(rows) or len(rows) < batch:
            return
        start = rows[-1][0] + b"\0"
