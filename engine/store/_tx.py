"""Operations written once, synchronously, run on any store: restartable read rounds.

The engine's operations are synchronous functions of a store view that return their answer
and one `WriteSet`: no `await` between the reads and the write, so under Trio an operation
is atomic on the embedded store. `transact` runs such a function on any store:

- on RocksDB (`AsyncRocksStore`) it runs once, reading the store directly (point reads cost
  microseconds, less than any await would);
- on a remote store (Redis Cluster) it runs against a `Snapshot` of values fetched so far.
  A read of a key not fetched yet raises `NeedKeys`; the driver fetches the missing keys in
  one batch (`get_many`, split by hash slot) and runs the function again from the start.
  Reads depend on earlier reads (a band names its devices, a device its keys), so an
  operation takes a few rounds; each round re-runs pure CPU work against a growing
  snapshot, and only the last, complete run's answer and writes are used.

`NeedKeys` derives from BaseException so a function's own `except Exception` can never
swallow it. Within one process, two operations on one session are kept apart by the
caller's lock (engine/sessions/service.py); across processes on Redis, the last write of a shared
record (a band list, a device profile) wins: a lost update there costs a device one band
entry or one visit count, never a wrong answer to a request.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from engine.store._interface import AsyncKeyValueStore, KeyValueStore, WriteSet

T = TypeVar("T")
MAX_ROUNDS = 24


class _Draws:
    """Random bytes that are the same in every round of one operation (counter-mode
    SHA-256 over a seed drawn once), so a key made in a round that is re-run is made again."""

    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self.count = 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self.count += 1
            out += hashlib.sha256(self.seed + self.count.to_bytes(8, "big")).digest()
        return out[:n]


_draws: ContextVar[Callable[[int], bytes] | None] = ContextVar("anonscore_draws", default=None)


def random_bytes(n: int) -> bytes:
    """Random bytes for new internal keys: os.urandom, except inside an operation that
    `transact` may run more than once, where each run draws the same bytes."""
    draws = _draws.get()
    return os.urandom(n) if draws is None else draws(n)


class NeedKeys(BaseException):
    """A snapshot read hit keys not fetched yet."""

    def __init__(self, keys: list[bytes]) -> None:
        super().__init__(f"{len(keys)} keys to fetch")
        self.keys = keys


class Snapshot:
    """A sync `KeyValueStore` view over the values fetched so far (read-only)."""

    def __init__(self) -> None:
        self.values: dict[bytes, bytes | None] = {}
        self.wanted: list[bytes] = []  # prefetched: fetched with the next missing keys

    def get(self, key: bytes) -> bytes | None:
        try:
            return self.values[key]
        except KeyError:
            raise NeedKeys([key, *self.wanted]) from None

    def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        missing = [k for k in keys if k not in self.values]
        if missing:
            raise NeedKeys(missing + self.wanted)
        return [self.values[k] for k in keys]

    def prefetch(self, keys: list[bytes]) -> None:
        self.wanted += [k for k in keys if k not in self.values]

    def apply(self, writes: WriteSet) -> None:
        raise RuntimeError("an operation returns its writes; it never applies them itself")

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        raise RuntimeError("scan the store itself, outside an operation")

    async def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


def direct_view(store: AsyncKeyValueStore) -> KeyValueStore | None:
    """The sync view of a store whose point operations never wait (RocksDB), else None."""
    view = getattr(store, "store", None)
    return view if view is not None and hasattr(view, "get_many") else None


async def transact(
    store: AsyncKeyValueStore,
    operation: Callable[[KeyValueStore], tuple[T, WriteSet]],
    preload: dict[bytes, bytes | None] | None = None,
) -> T:
    """Run `operation(view)` to completion on `store`; apply the write set it returns.
    `preload`: values just read from this store (a round saved on a remote store)."""
    direct = direct_view(store)
    if direct is not None:
        result, writes = operation(direct)
        if writes:
            await store.apply(writes)
        return result
    snapshot = Snapshot()
    if preload:
        snapshot.values.update(preload)
    seed = os.urandom(32)
    for _ in range(MAX_ROUNDS):
        token = _draws.set(_Draws(seed))
        snapshot.wanted = []  # each run names its own
        try:
            result, writes = operation(snapshot)
        except NeedKeys as need:
            keys = list(dict.fromkeys(k for k in need.keys if k not in snapshot.values))
            values = await store.get_many(keys)
            snapshot.values.update(zip(keys, values, strict=True))
            continue
        finally:
            _draws.reset(token)
        if writes:
            await store.apply(writes)
        return result
    raise RuntimeError(f"an operation read in more than {MAX_ROUNDS} rounds")
