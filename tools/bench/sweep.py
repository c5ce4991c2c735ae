"""How a sweep lists a key prefix on a store: one pass (`key_pages`) against paging (`scan`).

    python -m tools.bench.sweep --store redis://127.0.0.1:7400 --keys 100000
    python -m tools.bench.sweep --store /tmp/sweep-rocks --keys 100000

Writes `--keys` untagged keys under a prefix of its own (`bench-sweep:`), times listing them
both ways, and deletes them. On a Redis Cluster, `scan` walks every master for each page,
so paging grows with keys x pages; `key_pages` (what the retention sweeps and the erasure
resume use) is one cluster SCAN. On RocksDB both are ordered iteration. Use an empty
cluster or directory: nothing else is touched, but the timing includes what else is there.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import trio

from engine.storage import AsyncKeyValueStore, AsyncRocksStore, RedisClusterStore, WriteSet

PREFIX = b"bench-sweep:"


async def _open(where: str) -> AsyncKeyValueStore:
    if where.startswith(("redis://", "rediss://")):
        return await RedisClusterStore.connect(where)
    return AsyncRocksStore.open(Path(where))


async def _write(store: AsyncKeyValueStore, keys: int, chunk: int = 5000) -> None:
    for at in range(0, keys, chunk):
        w = WriteSet()
        for i in range(at, min(keys, at + chunk)):
            w.put(PREFIX + b"%09d" % i, b"x" * 100)
        await store.apply(w)
        print(f"\rwriting {min(keys, at + chunk):,}/{keys:,}", end="", file=sys.stderr)
    print(file=sys.stderr)


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
        w = WriteSet()
        for key in page:
            w.delete(key)
        await store.apply(w)


async def run(where: str, keys: int, batch: int, paged: bool) -> str:
    store = await _open(where)
    try:
        await _write(store, keys)
        one, n_one = await _one_pass(store, batch)
        line = f"{keys:,} keys, pages of {batch}: key_pages {one:.2f} s ({n_one:,} keys)"
        if paged:
            old, n_old = await _paged(store, batch)
            line += f"; scan paging {old:.2f} s ({n_old:,} keys), {old / one:.1f}x key_pages"
        await _delete(store)
        return line
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
