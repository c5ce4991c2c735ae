"""The data lifecycle: erasure that respects tenants, the end user's opt-out, and retention
for every record type.

Shared records hold each tenant's contribution apart (device profiles: reports and last
visit per tenant; IP reputation: reports per tenant), so a tenant's erasure takes back its
own sessions and contributions and never another tenant's evidence. A device none of whose
tenants is left is deleted with its index entries; one that stays (for other tenants)
gets a new public ID at the erasing tenant.

Retention follows the data policy (docs/privacy.md): a session never scored goes 30 days
after collection (its `purge_at`, in the `x:` index), a scored session and its feedback
after the tenant's `retention_days`; what is derived from them goes when the last
tenant's retention has run out for it: a tenant's part of a device profile and of an IP
reputation after that tenant's retention from its last contribution; band, user and crowd
index entries, ID mappings and session index entries once what they point to is gone or
they are older than the longest retention. Sweeps list keys in batches (a scan, off the
event loop), then decide each record again on its current value in one operation
(engine/store/_tx.py), so a request that touched it meanwhile is never overwritten.

Erasure is journaled. On a Redis Cluster its writes span slots (the sessions', the
device's, the reputation's), each slot's group atomic on its own, so a crash or a failed
node can stop it halfway. An `ErasureJournal` entry is written before the erasure and
removed after it; an entry older than `JOURNAL_GRACE_S` names an erasure that did not
finish, and `resume_erasures` (every minute, in every process) runs it again on the
current data: sessions still there are deleted, the tenant's part of the device is taken
out, a tombstone is written. Run twice, it deletes nothing more; a session's feedback
count in a shared record may be taken back twice when the interruption fell between the
slot groups (counts stop at zero).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import msgspec

from engine.devices import Registry
from engine.privacy.secrets import Keys
from engine.schema import (
    DeviceList,
    DeviceProfile,
    ErasureJournal,
    Events,
    IpReputation,
    PopulationSketch,
    Reports,
    SessionRecord,
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
    JOURNAL_PREFIX,
    WINDOW,
    WINDOW_KEY_PREFIX,
    State,
    decode,
    device_key_,
    encode,
    index_key,
    index_prefix,
    journal_key,
    mapping_key,
    parse_purge_key,
    reputation_key,
    session_key,
    tag_of,
    window_day,
    window_ends,
)

JOURNAL_GRACE_S = 60.0  # an entry this old names an erasure that stopped (deadline: 2 s)

T = TypeVar("T")
Decide = Callable[[State, bytes], WriteSet | None]


def relabel(
    reports: dict[str, Reports], tenant: str, old: str | None, new: str | None, now: float
) -> dict[str, Reports]:
    """A tenant's report counts with one session's label changed (old -> new; None: none)."""
    r = reports.get(tenant, Reports())
    counts = {"fraud": r.fraud, "damage": r.damage, "good": r.good}
    if old in counts:
        counts[old] = max(counts[old] - 1, 0)
    if new in counts:
        counts[new] += 1
    out = dict(reports)
    if any(counts.values()):
        last_at = now if new is not None else r.last_at
        out[tenant] = msgspec.structs.replace(r, **counts, last_at=last_at)
    else:
        out.pop(tenant, None)
    return out


def withdraw_session(st: State, w: WriteSet, sh: str, record: SessionRecord, now: float) -> None:
    """Delete a session and take back its feedback from the shared records (reading what
    `w` already changed first, so several sessions add up)."""
    State.delete_session(w, sh, record)
    if record.label is None:
        return
    if record.device_key is not None:
        raw = w.puts.get(device_key_(record.device_key))
        profile = decode(raw, DeviceProfile) if raw is not None else st.device(record.device_key)
        if profile is not None:
            reports = relabel(profile.reports, record.tenant, record.label, None, now)
            w.put(
                device_key_(record.device_key),
                encode(msgspec.structs.replace(profile, reports=reports)),
            )
    if record.ip_prefix:
        raw = w.puts.get(reputation_key(record.ip_prefix))
        rep = decode(raw, IpReputation) if raw is not None else st.reputation(record.ip_prefix)
        reports = relabel(rep.reports, record.tenant, record.label, None, now)
        if reports:
            w.put(reputation_key(record.ip_prefix), encode(IpReputation(reports=reports)))
        else:
            w.delete(reputation_key(record.ip_prefix))


def withdraw_tenants(
    st: State, keys: Keys, w: WriteSet, dkey: str, tenants: set[str], sessions: int = 0
) -> bool:
    """Take tenants' parts out of a device (reports, last visit, their ID mappings); when
    no tenant is left, delete the device. True when the device was deleted."""
    registry = Registry(st, keys)
    raw = w.puts.get(device_key_(dkey)) or st.store.get(device_key_(dkey))
    profile = decode(raw, DeviceProfile) if raw is not None else None
    epochs = profile.epochs if profile is not None else {}
    for tenant in tenants:
        w.delete(mapping_key(tenant, registry.device_id(tenant, dkey, epochs.get(tenant, 0))))
    if profile is None:
        return True
    seen = {t: at for t, at in profile.tenant_seen.items() if t not in tenants}
    if not seen:
        registry.erase(w, dkey, "", "")
        for tenant in profile.tenant_seen:
            epoch = epochs.get(tenant, 0)
            w.delete(mapping_key(tenant, registry.device_id(tenant, dkey, epoch)))
        return True
    reports = {t: r for t, r in profile.reports.items() if t not in tenants}
    new = msgspec.structs.replace(
        profile,
        tenant_seen=seen,
        reports=reports,
        sessions=max(profile.sessions - sessions, 0),
        # a new public ID at these tenants from now on (registry.device_id)
        epochs={**epochs, **{t: epochs.get(t, 0) + 1 for t in tenants}},
    )
    w.put(device_key_(dkey), encode(new))
    return False


class Lifecycle:
    def __init__(self, store: AsyncKeyValueStore, keys: Keys) -> None:
        self.store = store
        self.keys = keys

    async def run(self, op: Callable[[State], WriteSet | None]) -> bool:
        """One operation on the store's current values; True when it wrote something."""

        def step(view: KeyValueStore) -> tuple[bool, WriteSet]:
            w = op(State(view)) or WriteSet()
            return bool(w), w

        return await transact(self.store, step)

    # -- erasure, journaled -------------------------------------------------------------

    async def _journaled(self, entry: ErasureJournal, work: Callable[[], Awaitable[int]]) -> int:
        """Run `work` between writing `entry` and removing it."""
        key = journal_key(secrets.token_hex(12))
        begin = WriteSet()
        begin.put(key, encode(entry))
        await self.store.apply(begin)
        done = await work()
        end = WriteSet()
        end.delete(key)
        await self.store.apply(end)
        return done

    async def erase_device(self, tenant: str, dkey: str, now: float) -> int:
        """The tenant's sessions of a device and its part of the device. Returns how many
        sessions were deleted."""
        sessions = await self.tenant_sessions(tenant, dkey)
        entry = ErasureJournal(
            tenant=tenant, at=now, device_key=dkey, sessions=[sh for _, sh in sessions]
        )
        return await self._journaled(
            entry, lambda: self.erase_tenant_device(tenant, dkey, sessions, now)
        )

    async def _finish_device(self, entry: ErasureJournal, dkey: str, now: float) -> None:
        """The journal's sessions (a halfway erasure may have taken their index entries)
        and those the index lists now."""
        listed = dict(await self.tenant_sessions(entry.tenant, dkey))
        for sh in entry.sessions:
            listed.setdefault(index_key(entry.tenant, dkey, sh), sh)
        await self.erase_tenant_device(entry.tenant, dkey, sorted(listed.items()), now)

    async def erase_session(
        self,
        tenant: str,
        sh: str,
        expires_at: float,
        now: float,
        preload: dict[bytes, bytes | None] | None = None,
    ) -> int:
        """One session of the tenant (its feedback leaves the shared records with it) and,
        until its token expires, a tombstone. Returns 1 when there was one to delete."""
        entry = ErasureJournal(tenant=tenant, at=now, session=sh, expires_at=expires_at)
        op = _session_erasure(tenant, sh, expires_at, now)
        return await self._journaled(entry, lambda: transact(self.store, op, preload))

    async def resume_erasures(self, now: float) -> int:
        """Finish every erasure a crash or a failed store interrupted (journal entries older
        than JOURNAL_GRACE_S). Returns how many were finished."""
        finished = 0
        async for keys in self.store.key_pages(JOURNAL_PREFIX, batch=200):
            for key, raw in zip(keys, await self.store.get_many(keys), strict=True):
                if raw is None:
                    continue  # finished meanwhile (or given twice by the pass)
                try:
                    entry: ErasureJournal | None = decode(raw, ErasureJournal)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    entry = None  # nothing to finish: the entry itself goes
                if entry is not None and entry.at > now - JOURNAL_GRACE_S:
                    continue  # still under way, perhaps in another process
                if entry is not None and entry.device_key is not None:
                    await self._finish_device(entry, entry.device_key, now)
                if entry is not None and entry.session is not None:
                    op = _session_erasure(entry.tenant, entry.session, entry.expires_at, now)
                    await transact(self.store, op)
                end = WriteSet()
                end.delete(key)
                await self.store.apply(end)
                finished += 1
        return finished

    # -- a tenant's part of a device ----------------------------------------------------------

    async def tenant_sessions(self, tenant: str, dkey: str) -> list[tuple[bytes, str]]:
        """(index key, session hash) of every session of the tenant on the device."""
        prefix = index_prefix(tenant, dkey)
        out: list[tuple[bytes, str]] = []
        start: bytes | None = None
        while True:
            rows = await self.store.scan(prefix, start=start, limit=1000)
            out += [(key, key[len(prefix) :].decode()) for key, _ in rows]
            if len(rows) < 1000:
                return out
            start = rows[-1][0] + b"\0"

    async def erase_tenant_device(
        self, tenant: str, dkey: str, sessions: Iterable[tuple[bytes, str]], now: float
    ) -> int:
        """Delete the tenant's sessions of a device and its part of the device, in one
        operation. Returns how many sessions were deleted."""
        listed = list(sessions)

        def op(view: KeyValueStore) -> tuple[int, WriteSet]:
            st = State(view)
            # every record read below, fetched together (one round on a remote store)
            records = st.sessions([sh for _, sh in listed])
            touched = {r.device_key for r in records if r is not None and r.device_key}
            touched.add(dkey)
            view.get_many([device_key_(k) for k in sorted(touched)])
            prefixes = {r.ip_prefix for r in records if r is not None and r.ip_prefix}
            view.get_many([reputation_key(p) for p in sorted(prefixes)])
            w = WriteSet()
            deleted = 0
            for key, sh in listed:
                w.delete(key)
                record = st.session(sh)
                if record is not None and record.tenant == tenant:
                    withdraw_session(st, w, sh, record, now)
                    if record.expires_at > now:
                        State.put_tombstone(w, sh, record.expires_at)
                    deleted += 1
            withdraw_tenants(st, self.keys, w, dkey, {tenant}, deleted)
            return deleted, w

        return await transact(self.store, op)

    # -- retention --------------------------------------------------------------------------

    async def sweep_sessions(self, now: float, batch: int = 500) -> int:
        """Every session whose purge time has passed (its feedback leaves the shared
        records with it), and expired tombstones. Returns how many sessions."""
        limit = f"x:{int(now):012d}".encode()
        removed = 0
        async for due in self.store.key_pages(b"x:", below=limit, batch=batch):

            def op(view: KeyValueStore, due: list[bytes] = due) -> tuple[int, WriteSet]:
                st = State(view)
                # the records read below, fetched together (one round on a remote store)
                view.get_many([parse_purge_key(k)[1] for k in due])
                w = WriteSet()
                gone = 0
                for key in due:
                    stamp, record_key = parse_purge_key(key)
                    w.delete(key)
                    if record_key.startswith((b"t:", b"f:", b"q:", b"a:", b"g:")):
                        # tombstones, report logs, volumes, audit, webhook delivery logs
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

            removed += await transact(self.store, op)
        return removed

    async def sweep_velocity(self, now: float, batch: int = 2000) -> int:
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

        gone = await self._each(b"v:", _on_record(Events, stale), batch)
        return gone + await self._each(WINDOW_KEY_PREFIX, ended, batch)

    async def sweep_records(self, now: float, retention_days: Callable[[str], int]) -> int:
        """Everything derived from sessions, past its tenants' retention (see the module
        docstring). Returns how many records were deleted or rewritten."""
        longest = max(retention_days(""), 1) * DAY

        def profile_due(st: State, key: bytes, profile: DeviceProfile) -> WriteSet | None:
            seen = profile.tenant_seen
            expired = {t for t, at in seen.items() if at + retention_days(t) * DAY < now}
            if not expired and seen:
                return None
            w = WriteSet()
            withdraw_tenants(st, self.keys, w, tag_of(key), expired)
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
        changed += await self._each(b"d:", _on_record(DeviceProfile, profile_due))
        changed += await self._each(b"r:", _on_record(IpReputation, reputation_due))
        for prefix in (b"b:", b"u:"):
            changed += await self._each(prefix, _on_record(DeviceList, list_due))
        changed += await self._each(b"k:", _on_record(PopulationSketch, sketch_due))

        def trust_due(_: State, key: bytes, trust: TenantTrust) -> WriteSet | None:
            return _deleting(key) if trust.updated_at + longest < now else None

        changed += await self._each(b"w:", _on_record(TenantTrust, trust_due))
        changed += await self._each(b"m:", _mapping_due)
        changed += await self._each(b"i:", _index_due)
        return changed

    async def _each(self, prefix: bytes, decide: Decide, batch: int = 1000) -> int:
        """`decide` on every key of `prefix`; returns how many keys it changed.

        Most records are not due, and most that are touch only themselves (a velocity
        record deleted), so a page costs a few store calls, not a round trip a key: the
        page's values are read in one batch and `decide` runs on them first. A key it leaves
        alone is done. The keys whose change writes only their own record are decided
        again on current values in one operation for the page (their writes are disjoint).
        A key whose change reaches other records (a device's bands, a shared list) gets its
        own operation, one after another, so each sees the last one's writes."""
        changed = 0
        async for keys in self.store.key_pages(prefix, batch=batch):
            page = Snapshot()
            page.values = dict(zip(keys, await self.store.get_many(keys), strict=True))
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
                done, wider = await transact(self.store, _decide_alone(decide, alone))
                changed += done
                wide += wider
            for key in wide:

                def op(st: State, key: bytes = key) -> WriteSet | None:
                    return decide(st, key)

                changed += await self.run(op)
        return changed


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


def _session_erasure(
    tenant: str, sh: str, expires_at: float, now: float
) -> Callable[[KeyValueStore], tuple[int, WriteSet]]:
    """The operation that deletes one session of the tenant and writes its tombstone."""

    def op(view: KeyValueStore) -> tuple[int, WriteSet]:
        st = State(view)
        record = st.session(sh)
        w = WriteSet()
        deleted = 0
        if record is not None and record.tenant == tenant:
            withdraw_session(st, w, sh, record, now)
            deleted = 1
        if now <= expires_at and not st.erased(sh):
            State.put_tombstone(w, sh, expires_at)
        return deleted, w

    return op
