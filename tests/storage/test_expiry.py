"""Expiry by day buckets (engine/lifecycle/expiry.py), on RocksDB and on a real Redis cluster:
what is due goes, what is not stays, the sweep lists only the due buckets, and a store
written with the old layout (no bucket) is still swept."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from engine.lifecycle import expiry
from engine.schema import SessionRecord
from engine.store import AsyncKeyValueStore, WriteSet, direct_view
from engine.store._slots import prefix_slot
from engine.store.keys import DAY, LEGACY_DONE_KEY, State, encode, purge_key, session_key

# noon today: the cluster drops a key at its native expiry (purge time plus a day), so the
# times are real ones, with the sweep's `now` moved ahead of them
T0 = (time.time() // DAY) * DAY + DAY / 2


def _record(sh: str, purge_at: float) -> SessionRecord:
    return SessionRecord(
        tenant="t", created_at=T0 - DAY, expires_at=T0, region="eu", purge_at=purge_at
    )


async def _put_sessions(store: AsyncKeyValueStore, purges: dict[str, float]) -> None:
    w = WriteSet()
    for sh, at in purges.items():
        State.put_session(w, sh, None, _record(sh, at))
    await store.apply(w)


async def _put_legacy(store: AsyncKeyValueStore, purges: dict[str, float]) -> None:
    """Sessions as the previous version wrote them: `x:<purge_at>\\0s:{sh}`, no bucket."""
    w = WriteSet()
    for sh, at in purges.items():
        w.put(session_key(sh), encode(_record(sh, at)))
        w.put(f"x:{int(at):012d}\0".encode() + session_key(sh), b"", expire_at=at + DAY)
    await store.apply(w)


async def _alive(store: AsyncKeyValueStore, shs: list[str]) -> list[str]:
    values = await store.get_many([session_key(sh) for sh in shs])
    return [sh for sh, v in zip(shs, values, strict=True) if v is not None]


class _Listing:
    """A store that counts the keys its `key_pages` gives out (what a sweep lists)."""

    def __init__(self, inner: AsyncKeyValueStore) -> None:
        self.inner = inner
        self.listed = 0
        self.prefixes: list[bytes] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def key_pages(
        self, prefix: bytes, *, below: bytes | None = None, batch: int = 1000
    ) -> AsyncIterator[list[bytes]]:
        self.prefixes.append(prefix)
        async for page in self.inner.key_pages(prefix, below=below, batch=batch):
            self.listed += len(page)
            yield page


async def test_due_sessions_go_and_the_rest_stay(store: AsyncKeyValueStore) -> None:
    purges = {f"due{i:03d}": T0 - 3600 - i for i in range(30)}
    purges |= {f"later{i:03d}": T0 + (1 + i % 40) * DAY for i in range(300)}
    purges["soon"] = T0 + 60  # today's bucket, not due yet
    await _put_sessions(store, purges)
    assert await expiry.sweep_sessions(store, T0) == 30
    assert sorted(await _alive(store, list(purges))) == sorted(
        sh for sh in purges if not sh.startswith("due")
    )
    assert await expiry.sweep_sessions(store, T0 + 61) == 1  # "soon", an hour later
    assert await expiry.sweep_sessions(store, T0 + 41 * DAY) == 300
    assert await _alive(store, list(purges)) == []


async def test_a_sweep_lists_the_due_bucket_not_the_store(store: AsyncKeyValueStore) -> None:
    """1,000 sessions due over the next 40 days, 20 due now: the sweep lists the 20 (and,
    on a cluster, the day buckets' slots, which hold nothing else here), not the 1,000."""
    later = {f"later{i:04d}": T0 + (1 + i % 40) * DAY + i for i in range(1000)}
    due = {f"due{i:02d}": T0 - 10 - i for i in range(20)}
    await _put_sessions(store, later | due)
    await expiry.sweep_sessions(store, T0 - DAY)  # a first sweep sets the cluster's cursor
    listing = _Listing(store)
    assert await expiry.sweep_sessions(listing, T0) == 20  # type: ignore[arg-type]
    assert listing.listed == 20
    if direct_view(store) is None:
        # on the cluster every listing is one slot (a bucket), never a SCAN of every
        # master, which the untagged index of before the buckets needed at each sweep
        assert listing.prefixes
        assert all(prefix_slot(p) is not None for p in listing.prefixes), listing.prefixes


async def test_a_store_written_before_the_buckets_is_still_swept(
    store: AsyncKeyValueStore,
) -> None:
    """Old-layout entries (no bucket): those due go at the next sweep, the others at theirs;
    on a cluster they are moved into their buckets once, then the old range is no longer
    listed (a mark says so)."""
    old = {"old-due": T0 - 3600, "old-later": T0 + 3 * DAY}
    await _put_legacy(store, old)
    await _put_sessions(store, {"new-later": T0 + 3 * DAY})
    assert await expiry.sweep_sessions(store, T0) == 1
    assert sorted(await _alive(store, [*old, "new-later"])) == ["new-later", "old-later"]
    rocks = direct_view(store) is not None
    if not rocks:
        # moved: the old entries are gone, their buckets hold them; a second pass marks
        assert [k async for k in _keys(store, b"x:0")] == []
        assert await store.get(LEGACY_DONE_KEY) is None
        await expiry.sweep_sessions(store, T0 + 60)
        assert await store.get(LEGACY_DONE_KEY) is not None
    assert await expiry.sweep_sessions(store, T0 + 4 * DAY) == 2
    assert await _alive(store, [*old, "new-later"]) == []


async def test_the_sweep_follows_a_clock_that_goes_back(store: AsyncKeyValueStore) -> None:
    """A sweep far ahead, then one back at today: sessions written meanwhile, due in a
    few days, are still found (the cursor follows the clock back)."""
    assert await expiry.sweep_sessions(store, T0 + 400 * DAY) == 0
    await _put_sessions(store, {"a": T0 + 2 * DAY, "b": T0 + 5 * DAY})
    assert await expiry.sweep_sessions(store, T0) == 0
    assert await expiry.sweep_sessions(store, T0 + 3 * DAY) == 1
    assert await expiry.sweep_sessions(store, T0 + 6 * DAY) == 1


async def test_a_moved_purge_time_moves_the_entry(store: AsyncKeyValueStore) -> None:
    """A session scored after collection gets a later purge time: the old bucket's entry
    goes, the new one holds it, and the first due date no longer removes it."""
    await _put_sessions(store, {"s": T0 + DAY})
    w = WriteSet()
    State.put_session(w, "s", _record("s", T0 + DAY), _record("s", T0 + 30 * DAY))
    await store.apply(w)
    assert await store.get(purge_key(T0 + DAY, session_key("s"))) is None
    assert await expiry.sweep_sessions(store, T0 + 2 * DAY) == 0
    assert await expiry.sweep_sessions(store, T0 + 31 * DAY) == 1


async def _keys(store: AsyncKeyValueStore, prefix: bytes) -> AsyncIterator[bytes]:
    async for page in store.key_pages(prefix):
        for key in page:
            yield key
