"""Retention of what is derived from sessions: each record goes when the last tenant's
retention has run out for it (the data policy: docs/privacy.md).

A tenant's part of a device profile and of an IP reputation goes after that tenant's
retention from its last contribution; band, user and crowd index entries, ID mappings and
session index entries once what they point to is gone or they are older than the longest
retention; velocity records once no event is left inside the window. These sweeps list
keys in batches (a scan, off the event loop), then decide each record again on its current
value in one operation (engine/store/_tx.py), so a request that touched it meanwhile is
never overwritten. (Sessions, tombstones and logs, which carry a purge time, are expiry's:
engine/lifecycle/expiry.py, by day buckets.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import msgspec

from engine.lifecycle.shares import withdraw_tenants
from engine.privacy.secrets import Keys
from engine.schema import (
    DeviceList,
    DeviceProfile,
    Events,
    IpReputation,
    PopulationSketch,
    TenantTrust,
)
from engine.store import (
    AsyncKeyValueStore,
    KeyValueStore,
    NeedKeys,
    Snapshot,
    WriteSet,
    transact,
)
from engine.store.keys import (
    DAY,
    WINDOW,
    WINDOW_KEY_PREFIX,
    State,
    decode,
    device_key_,
    encode,
    session_key,
    tag_of,
    window_day,
    window_ends,
)

T = TypeVar("T")
Decide = Callable[[State, bytes], WriteSet | None]


async def sweep_velocity(store: AsyncKeyValueStore, now: float, batch: int = 2000) -> int:
    """Velocity records with no event inside the window, and the per-day keys of the
    per-IP counters whose day and the next are over (a store with native expiry drops
    those itself; this covers RocksDB). Returns how many."""
    cutoff = now - WINDOW

    def stale(_: State, key: bytes, events: Events) -> WriteSet | None:
        return None if events.ts and events.ts[-1] > cutoff else _deleting(key)

    def ended(st: State, key: bytes) -> WriteSet | None:
        day = window_day(key)
        if st.store.get(key) is None or (day is not None and window_ends(day) > now):
            return None
        return _deleting(key)

    gone = await each_key(store, b"v:", _on_record(Events, stale), batch)
    return gone + await each_key(store, WINDOW_KEY_PREFIX, ended, batch)


async def sweep_records(
    store: AsyncKeyValueStore, keys: Keys, now: float, retention_days: Callable[[str], int]
) -> int:
    """Everything derived from sessions, past its tenants' retention (see the module
    docstring). Returns how many records were deleted or rewritten."""
    longest = max(retention_days(""), 1) * DAY

    def profile_due(st: State, key: bytes, profile: DeviceProfile) -> WriteSet | None:
        seen = profile.tenant_seen
        expired = {t for t, at in seen.items() if at + retention_days(t) * DAY < now}
        if not expired and seen:
            return None
        w = WriteSet()
        withdraw_tenants(st, keys, w, tag_of(key), expired)
        return w

    def reputation_due(_: State, key: bytes, rep: IpReputation) -> WriteSet | None:
        reports = rep.reports
        kept = {t: r for t, r in reports.items() if r.last_at + retention_days(t) * DAY >= now}
        if kept == reports and kept:
            return None
        if not kept:
            return _deleting(key)
        w = WriteSet()
        w.put(key, encode(IpReputation(reports=kept)))
        return w

    def list_due(_: State, key: bytes, members: DeviceList) -> WriteSet | None:
        gone = members.last_seen + longest < now or not members.keys
        return _deleting(key) if gone else None

    def sketch_due(_: State, key: bytes, sketch: PopulationSketch) -> WriteSet | None:
        return _deleting(key) if sketch.last_seen + longest < now else None

    changed = 0
    changed += await each_key(store, b"d:", _on_record(DeviceProfile, profile_due))
    changed += await each_key(store, b"r:", _on_record(IpReputation, reputation_due))
    for prefix in (b"b:", b"u:"):
        changed += await each_key(store, prefix, _on_record(DeviceList, list_due))
    changed += await each_key(store, b"k:", _on_record(PopulationSketch, sketch_due))

    def trust_due(_: State, key: bytes, trust: TenantTrust) -> WriteSet | None:
        return _deleting(key) if trust.updated_at + longest < now else None

    changed += await each_key(store, b"w:", _on_record(TenantTrust, trust_due))
    changed += await each_key(store, b"m:", _mapping_due)
    changed += await each_key(store, b"i:", _index_due)
    return changed


async def each_key(
    store: AsyncKeyValueStore, prefix: bytes, decide: Decide, batch: int = 1000
) -> int:
    """`decide` on every key of `prefix`; returns how many keys it changed.

    Most records are not due, and most that are touch only themselves (a velocity
    record deleted), so a page costs a few store calls, not a round trip a key: the
    page's values are read in one batch and `decide` runs on them first. A key it leaves
    alone is done. The keys whose change writes only their own record are decided
    again on current values in one operation for the page (their writes are disjoint).
    A key whose change reaches other records (a device's bands, a shared list) gets its
    own operation, one after another, so each sees the last one's writes."""
    changed = 0
    async for keys in store.key_pages(prefix, batch=batch):
        page = Snapshot()
        page.values = dict(zip(keys, await store.get_many(keys), strict=True))
        alone: list[bytes] = []  # the change writes only the key itself
        wide: list[bytes] = []  # the change reaches other keys, or needs them to tell
        for key in dict.fromkeys(keys):
            if page.values[key] is None:
                continue  # gone since it was listed
            w, own = _change(decide, State(page), key)
            if not own:
                wide.append(key)
            elif w is not None:
                alone.append(key)
        if alone:
            done, wider = await transact(store, _decide_alone(decide, alone))
            changed += done
            wide += wider
        for key in wide:
            changed += await transact(store, _decide_one(decide, key))
    return changed


def _decide_one(decide: Decide, key: bytes) -> Callable[[KeyValueStore], tuple[int, WriteSet]]:
    """One operation deciding `key` alone on current values."""

    def op(view: KeyValueStore) -> tuple[int, WriteSet]:
        w = decide(State(view), key) or WriteSet()
        return int(bool(w)), w

    return op


def _decide_alone(
    decide: Decide, keys: list[bytes]
) -> Callable[[KeyValueStore], tuple[tuple[int, list[bytes]], WriteSet]]:
    """One operation deciding `keys` on current values: the writes of each change that
    still touches only its own key, and the keys whose change now reaches further (left
    to an operation of their own)."""

    def op(view: KeyValueStore) -> tuple[tuple[int, list[bytes]], WriteSet]:
        view.get_many(keys)  # one round for the page
        st = State(view)
        out = WriteSet()
        done = 0
        wider: list[bytes] = []
        for key in keys:
            w, own = _change(decide, st, key)
            if not own:
                wider.append(key)
            elif w is not None:
                out.update(w)
                done += 1
        return (done, wider), out

    return op


def _change(decide: Decide, st: State, key: bytes) -> tuple[WriteSet | None, bool]:
    """`decide` on `key`, and whether its change stays within the key's own record (False
    also when telling needs keys the view does not hold yet)."""
    try:
        w = decide(st, key)
    except NeedKeys:
        return None, False
    return w, w is None or w.touched() <= {key}


def _on_record(kind: type[T], judge: Callable[[State, bytes, T], WriteSet | None]) -> Decide:
    """A sweep's decision on records of one type: an absent record is left alone, one that
    no longer decodes is deleted, any other is judged on its value."""

    def decide(st: State, key: bytes) -> WriteSet | None:
        raw = st.store.get(key)
        if raw is None:
            return None
        try:
            value = decode(raw, kind)
        except msgspec.DecodeError:
            return _deleting(key)
        return judge(st, key, value)

    return decide


def _deleting(key: bytes) -> WriteSet:
    w = WriteSet()
    w.delete(key)
    return w


def _mapping_due(st: State, key: bytes) -> WriteSet | None:
    """An ID mapping whose device is gone."""
    raw = st.store.get(key)
    if raw is None or st.store.get(device_key_(raw.decode())) is not None:
        return None
    return _deleting(key)


def _index_due(st: State, key: bytes) -> WriteSet | None:
    """A session index entry whose session is gone."""
    sh = key.rsplit(b"\0", 1)[-1].decode()
    if st.store.get(session_key(sh)) is not None:
        return None
    return _deleting(key)
