"""What the session sweep costs per due record, and that it follows the due bucket, not the
store (engine/lifecycle/expiry.py).

    python -m tools.bench.sweep_buckets --store /tmp/sweep-buckets --records 10000,100000,1000000
    python -m tools.bench.sweep_buckets --store redis://127.0.0.1:7400 --records 10000,100000

With `--bucket B` the purge times spread over N / B days instead: one bucket of B records
whatever N, which shows the sweep's cost staying flat while the store grows.

For each N: an empty store (a fresh directory `<store>/<N>`; on a cluster, every key the
previous N wrote is deleted first, so give an empty cluster) gets N sessions whose purge
times spread evenly over `--days` days from today (one day bucket each), and then the sweep
that the service runs every hour, at the end of the first day: it retires that day's
bucket, N / days records (each session read, then its record and index entry deleted in
one operation per page). Printed per N: the records swept, the keys the sweep listed, wall
and CPU time, and both per swept record; then the whole index listed in one pass, what the
hourly sweep listed before the buckets on a cluster. The sessions are plain (no feedback to
withdraw): a labelled one also rewrites its device and reputation records.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import trio

from engine.lifecycle import expiry
from engine.schema import SessionRecord
from engine.store import AsyncKeyValueStore, AsyncRocksStore, RedisClusterStore, WriteSet
from engine.store.keys import DAY, State


class Listing:
    """The store, counting the keys its `key_pages` gives out (what a sweep lists)."""

    def __init__(self, inner: AsyncKeyValueStore) -> None:
        self.inner = inner
        self.listed = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def key_pages(
        self, prefix: bytes, *, below: bytes | None = None, batch: int = 1000
    ) -> AsyncIterator[list[bytes]]:
        async for page in self.inner.key_pages(prefix, below=below, batch=batch):
            self.listed += len(page)
            yield page


async def _open(where: str, n: int) -> AsyncKeyValueStore:
    if where.startswith(("redis://", "rediss://")):
        return await RedisClusterStore.connect(where, request_timeout=30.0)
    path = Path(where) / str(n)
    shutil.rmtree(path, ignore_errors=True)
    return AsyncRocksStore.open(path)


def _record(i: int, purge_at: float, now: float) -> SessionRecord:
    return SessionRecord(
        tenant="bench",
        created_at=now,
        expires_at=now + 3600,
        region="eu",
        purge_at=purge_at,
        collected_at=now,
        channel="web",
        ip_prefix=f"198.51.{i % 256}.0/24",
        device_key=f"bench-device-{i:09d}",
        http_user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    )


async def fill(store: AsyncKeyValueStore, n: int, days: int, start: float) -> None:
    """`n` sessions, purge times evenly over `days` days from `start` (a day's start)."""
    chunk = 5000
    for at in range(0, n, chunk):
        w = WriteSet()
        for i in range(at, min(n, at + chunk)):
            day = i % days
            purge_at = start + day * DAY + 60 + (i // days) % 80_000
            State.put_session(w, f"bench{i:012d}", None, _record(i, purge_at, start))
        await store.apply(w)
        if (at // chunk) % 20 == 19:
            print(f"  writing {min(n, at + chunk):,}/{n:,}", file=sys.stderr)


async def one(where: str, n: int, days: int) -> dict[str, float]:
    store = await _open(where, n)
    try:
        start = (time.time() // DAY) * DAY  # today's start: real times, which the cluster
        await fill(store, n, days, start)  # keeps (it drops a key at its native expiry)
        await expiry.sweep_sessions(store, start - 1)  # the cursor a running service has
        listing = Listing(store)
        end_of_day = start + DAY - 1
        wall0, cpu0 = time.perf_counter(), time.process_time()
        swept = await expiry.sweep_sessions(listing, end_of_day)  # type: ignore[arg-type]
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        t0 = time.perf_counter()
        whole = sum([len(page) async for page in store.key_pages(b"x:")])
        listing_s = time.perf_counter() - t0
        return {
            "records": n,
            "swept": swept,
            "listed": listing.listed,
            "wall_s": wall,
            "cpu_s": cpu,
            "index_keys": whole,
            "index_listing_s": listing_s,
        }
    finally:
        if isinstance(store, RedisClusterStore):
            await _clear(store)
        await store.aclose()


async def _clear(store: AsyncKeyValueStore) -> None:
    for prefix in (b"x:", b"s:{bench", b"i:{bench"):
        async for keys in store.key_pages(prefix, batch=5000):
            w = WriteSet()
            for key in keys:
                w.delete(key)
            await store.apply(w)


def report(row: dict[str, float]) -> str:
    swept = max(row["swept"], 1)
    return (
        f"{int(row['records']):>10,} sessions | swept {int(row['swept']):>8,} "
        f"(listed {int(row['listed']):,}) in {row['wall_s']:.3f} s wall, "
        f"{row['cpu_s']:.3f} s CPU = {row['wall_s'] / swept * 1e6:.1f} µs wall, "
        f"{row['cpu_s'] / swept * 1e6:.1f} µs CPU a record | whole index "
        f"({int(row['index_keys']):,} keys) listed in {row['index_listing_s']:.3f} s"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True, help="a directory (RocksDB) or redis://HOST:PORT")
    ap.add_argument("--records", default="10000,100000", help="comma-separated N")
    ap.add_argument("--days", type=int, default=30, help="days the purge times spread over")
    ap.add_argument(
        "--bucket", type=int, default=0, help="records a day instead (days = N / bucket)"
    )
    args = ap.parse_args(argv)
    for n in (int(x) for x in args.records.split(",")):
        days = max(n // args.bucket, 1) if args.bucket else args.days
        row = trio.run(one, args.store, n, days)
        print(report(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
