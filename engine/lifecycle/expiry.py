"""Expiry: sessions, tombstones and logs whose purge time has passed, read by day buckets.

Every record with a purge time has an entry in the retention index (engine/store/keys.py):
`x:{<day>}<purge_at>\0<record key>`, the day being the UTC day of its purge time. One day
is one bucket under one hash tag, so on a Redis Cluster a bucket is one slot, listed with
CLUSTER GETKEYSINSLOT on one master; on RocksDB the buckets follow one another in purge
order. The sweep (every `sweep_interval_s`, engine/runtime/scheduler.py) reads only what
can be due, so its cost is the due entries, not the store:

- RocksDB: one ordered range, from the first bucket to the current second (entries swept
  are deleted, so the range starts at the oldest entry still there).
- Redis Cluster: the buckets from the day before its cursor to today, each one slot, today's
  kept below the current second (plus, per bucket, the few other keys its slot holds: about
  the store's keys / 16384). The old layout's single `x:` range, with no tag, was a SCAN of
  every key of the cluster each hour. The cursor (`x:{sweep}next`, the first day not swept
  through) is written after each sweep; it follows the clock back as well as forward, and
  the day before it is read again each time, so a worker whose clock is up to a day off
  still finds what it wrote.

Stores written before the buckets hold entries of the old layout, `x:<purge_at>\0<record
key>`; they are still swept:

- RocksDB: the old range is ordered too, so each sweep also reads its due part, where it
  is: a seek when none is left (no migration, no mark).
- Redis Cluster: while the store has no mark `x:{sweep}legacy`, each sweep first moves
  every old entry into its bucket (the put, then the delete: repeating it is safe) and
  moves the cursor back to the oldest day it moved, so what was due is swept in the same
  round. A pass that finds none writes the mark, and the old range is never listed again.
  During a rolling upgrade old workers still write old entries; they are moved at each
  sweep until one finds none, so the mark waits for the last old worker to stop. (An entry
  an old worker wrote after the mark is left to the key's native expiry. Delete the mark to
  run the migration again.)

A session and its index entry live in different slots on a cluster, so a crash between the
two groups of one write can leave a session without its entry: the session's native expiry
(purge time plus a day) still removes it; its feedback then stays counted in the shared
records until the tenant's part of the device expires (engine/lifecycle/retention.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

from engine.lifecycle.shares import withdraw_session
from engine.store import AsyncKeyValueStore, KeyValueStore, WriteSet, direct_view, transact
from engine.store.keys import (
    DAY,
    LEGACY_DONE_KEY,
    LEGACY_PURGE_PREFIX,
    SWEEP_CURSOR_KEY,
    State,
    parse_purge_key,
    purge_bucket,
    purge_key,
    tag_of,
)

# record kinds retired by their index entry alone: tombstones, report logs, report
# volumes, the reports' audit, webhook delivery logs
_PLAIN = (b"t:", b"f:", b"q:", b"a:", b"g:")
BUCKETS_PREFIX = b"x:{0"  # every day bucket (6 digits: days below 10^5, until the year 2243)
_Op = Callable[[KeyValueStore], tuple[int, WriteSet]]


def day_of(at: float) -> int:
    return int(at // DAY)


async def sweep_sessions(store: AsyncKeyValueStore, now: float, batch: int = 500) -> int:
    """Every session whose purge time has passed (its feedback leaves the shared records
    with it), expired tombstones and logs. Returns how many sessions."""
    if direct_view(store) is not None:
        # RocksDB, in key order: every due bucket is one range from the oldest to now, and
        # the old layout's due entries another (swept where they are: no migration)
        below = purge_bucket(day_of(now)) + _stamp(now)
        removed = await _sweep_range(store, BUCKETS_PREFIX, below, now, batch)
        legacy_below = b"x:" + _stamp(now)
        return removed + await _sweep_range(store, LEGACY_PURGE_PREFIX, legacy_below, now, batch)
    today = day_of(now)
    if await store.get(LEGACY_DONE_KEY) is None:
        await migrate_legacy(store, now, batch)
    cursor = await read_cursor(store)
    # no cursor yet: every bucket entry was written since this version first ran, with a
    # purge time after that (the wall clock's day, whatever clock `now` is on)
    start = cursor if cursor is not None else day_of(time.time())
    first = min(start, today) - 1
    removed = 0
    for day in range(first, today + 1):
        removed += await sweep_bucket(store, day, now, batch)
    if cursor != today:
        await _write_cursor(store, today)
    return removed


async def sweep_bucket(store: AsyncKeyValueStore, day: int, now: float, batch: int = 500) -> int:
    """The entries of day `day`'s bucket due at `now`. Returns how many sessions went."""
    prefix = purge_bucket(day)
    return await _sweep_range(store, prefix, prefix + _stamp(now), now, batch)


async def _sweep_range(
    store: AsyncKeyValueStore, prefix: bytes, below: bytes, now: float, batch: int
) -> int:
    removed = 0
    async for due in store.key_pages(prefix, below=below, batch=batch):
        removed += await transact(store, _retire(due, now))
    return removed


def _stamp(at: float) -> bytes:
    return f"{int(at):012d}".encode()


def _retire(due: list[bytes], now: float) -> _Op:
    """One operation retiring a page of due index entries and their records, each decided
    on its current value (a session whose purge time moved meanwhile stays)."""

    def op(view: KeyValueStore) -> tuple[int, WriteSet]:
        st = State(view)
        # the records read below, fetched together (one round on a remote store)
        view.get_many([parse_purge_key(k)[1] for k in due])
        w = WriteSet()
        gone = 0
        for key in due:
            stamp, record_key = parse_purge_key(key)
            w.delete(key)
            if record_key.startswith(_PLAIN):
                w.delete(record_key)
                continue
            sh = tag_of(record_key)
            try:
                record = st.session(sh)
            except msgspec.DecodeError:  # unreadable: it can only be removed
                w.delete(record_key)
                continue
            if record is not None and int(record.purge_at) == stamp:
                withdraw_session(st, w, sh, record, now)
                gone += 1
        return gone, w

    return op


async def migrate_legacy(store: AsyncKeyValueStore, now: float, batch: int = 500) -> int:
    """Move every entry of the old layout into its day bucket (see the module docstring);
    mark the store once a pass finds none. Returns how many were moved."""
    moved = 0
    oldest: int | None = None
    async for keys in store.key_pages(LEGACY_PURGE_PREFIX, batch=batch):
        puts = WriteSet()
        deletes = WriteSet()
        for key in keys:
            try:
                stamp, record_key = parse_purge_key(key)
            except ValueError:
                stamp, record_key = -1, b""  # not an index entry: dropped
            if stamp > 0 and record_key:
                puts.put(purge_key(stamp, record_key), b"", expire_at=stamp + DAY)
                oldest = day_of(stamp) if oldest is None else min(oldest, day_of(stamp))
            deletes.delete(key)
        await store.apply(puts)  # the new entry first: a crash between keeps one of the two
        await store.apply(deletes)
        moved += len(keys)
    if oldest is not None:
        cursor = await read_cursor(store)
        if cursor is None or oldest < cursor:
            await _write_cursor(store, oldest)
    if moved == 0:
        mark = WriteSet()
        mark.put(LEGACY_DONE_KEY, b"1")
        await store.apply(mark)
    return moved


async def read_cursor(store: AsyncKeyValueStore) -> int | None:
    raw = await store.get(SWEEP_CURSOR_KEY)
    return int(raw) if raw is not None and raw.isdigit() else None


async def _write_cursor(store: AsyncKeyValueStore, day: int) -> None:
    w = WriteSet()
    w.put(SWEEP_CURSOR_KEY, str(max(day, 0)).encode())
    await store.apply(w)
