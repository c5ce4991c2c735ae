"""What a sweep costs on a store: listing a prefix, and the velocity sweep itself.

    python -m tools.bench.sweep --store redis://127.0.0.1:7400 --keys 100000
    python -m tools.bench.sweep --store /tmp/sweep-rocks --keys 100000

Listing: writes `--keys` untagged keys under a prefix of its own (`bench-sweep:`), times
listing them in one pass (`key_pages`, what the sweeps and the erasure resume use) and by
paging with `scan`, and deletes them. On a Redis Cluster `scan` walks every master for each
page, so paging grows with keys x pages; on RocksDB both are ordered iteration.

The sweep: writes `--keys` velocity records (`v:{bench-sweep-N}`), one in three with no
event in the last 24 hours, and times `Lifecycle.sweep_velocity` (wall and CPU per record),
which deletes the stale third. Use an empty cluster or directory: the sweep also removes any
stale velocity record already there (as the service's own sweep would).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import trio

from engine.lifecycle.records import Lifecycle
from engine.privacy.secrets import Keys
from engine.schema import Events
from engine.store import AsyncKeyValueStore, AsyncRocksStore, RedisClusterStore, WriteSet
from engine.store.keys import DAY, encode

PREFIX = b"bench-sweep:"


async def _open(where: str) -> AsyncKeyValueStore:
    if where.startswith(("redis://", "rediss://")):
        return await RedisClusterStore.connect(where)
    return AsyncRocksStore.open(Path(where))


async def _put_all(
    store: AsyncKeyValueStore, items: list[tuple[bytes, bytes]], chunk: int = 5000
) -> None:
    for at in range(0, len(items), chunk):
        w = WriteSet()
        for key, value in items[at : at + chunk]:
            w.put(key, value)
        await store.apply(w)
        done = min(len(items), at + chunk)
        print(f"\rwriting {done:,}/{len(items):,}", end="", file=sys.stderr)
    print(file=sys.stderr)


async def _delete_all(store: AsyncKeyValueStore, keys: list[bytes], chunk: int = 5000) -> None:
    for at in range(0, len(keys), chunk):
        w = WriteSet()
        for key in keys[at : at + chunk]:
            w.delete(key)
        await store.apply(w)


async def _one_pass(store: AsyncKeyValueStore, batch: int) -> tuple[float, int]:
    t = time.perf_counter()
    seen = set()
    async for page in store.key_pages(PREFIX, batch=batch):
        seen.update(page)
    return time.perf_counter() - t, len(seen)


async def _paged(store: AsyncKeyValueStore, batch: int) -> tuple[float, int]:
    t = time.perf_counter()
    seen = 0
    start: bytes | None = None
    while page := await store.scan(PREFIX, start=start, limit=batch):
        seen += len(page)
        start = page[-1][0] + b"\0"
    return time.perf_counter() - t, seen


async def _delete(store: AsyncKeyValueStore) -> None:
    async for page in store.key_pages(PREFIX, batch=5000):
        await _delete_all(store, page)


async def _sweep(store: AsyncKeyValueStore, records: int) -> str:
    now = time.time()
    fresh = encode(Events(ts=[now - 60]))
    stale = encode(Events(ts=[now - 2 * DAY]))
    keys = [b"v:{bench-sweep-%09d}" % i for i in range(records)]
    await _put_all(store, [(k, stale if i % 3 == 0 else fresh) for i, k in enumerate(keys)])
    life = Lifecycle(store, Keys(token=b"\0" * 32, hashing=b"\0" * 32, device=b"\0" * 32))
    wall, cpu = time.perf_counter(), time.process_time()
    gone = await life.sweep_velocity(now)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await _delete_all(store, keys)
    return (
        f"velocity sweep over {records:,} records: {gone:,} stale deleted in {wall:.2f} s, "
        f"{wall / records * 1e6:.0f} us wall and {cpu / records * 1e6:.0f} us CPU a record"
    )


async def run(where: str, keys: int, batch: int, paged: bool) -> str:
    store = await _open(where)
    try:
        await _put_all(store, [(PREFIX + b"%09d" % i, b"x" * 100) for i in range(keys)])
        one, n_one = await _one_pass(store, batch)
        line = f"{keys:,} keys, pages of {batch}: key_pages {one:.2f} s ({n_one:,} keys)"
        if paged:
            old, n_old = await _paged(store, batch)
            line += f"; scan paging {old:.2f} s ({n_old:,} keys), {old / one:.1f}x key_pages"
        await _delete(store)
        return line + "\n" + await _sweep(store, keys)
    finally:
        await store.aclose()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench.sweep", description=__doc__)
    p.add_argument("--store", required=True, help="redis://host:port or a RocksDB directory")
    p.add_argument("--keys", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=1000, help="keys per page (the sweeps': 1000)")
    p.add_argument("--no-paged", action="store_true", help="skip the scan paging (slow)")
    args = p.parse_args(argv)
    if args.keys < 1 or args.batch < 1:
        p.error("--keys and --batch must be at least 1")
    print(trio.run(run, args.store, args.keys, args.batch, not args.no_paged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
