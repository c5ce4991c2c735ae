"""The data lifecycle: erasure that respects tenants, the end user's opt-out, and the sweeps
that retention and expiry run (a front over retention.py and expiry.py).

Shared records hold each tenant's contribution apart (device profiles: reports and last
visit per tenant; IP reputation: reports per tenant), so a tenant's erasure takes back its
own sessions and contributions and never another tenant's evidence (shares.py). A device
none of whose tenants is left is deleted with its index entries; one that stays (for other
tenants) gets a new public ID at the erasing tenant.

Retention follows the data policy (docs/privacy.md): a session never scored goes 30 days
after collection (its `purge_at`, in the `x:` index's day buckets: expiry.py), a scored
session and its feedback after the tenant's `retention_days`; what is derived from them
goes when the last tenant's retention has run out for it (retention.py).

Erasure is journaled. On a Redis Cluster its writes span slots (the sessions', the
device's, the reputation's), each slot's group atomic on its own, so a crash or a failed
node can stop it halfway. An `ErasureJournal` entry is written before the erasure and
removed after it; an entry older than `JOURNAL_GRACE_S` names an erasure that did not
finish, and `resume_erasures` (every minute, in every process: engine/runtime/scheduler.py)
runs it again on the current data: sessions still there are deleted, the tenant's part of
the device is taken out, a tombstone is written. Run twice, it deletes nothing more; a
session's feedback count in a shared record may be taken back twice when the interruption
fell between the slot groups (counts stop at zero).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable

import msgspec

from engine.lifecycle import expiry, retention
from engine.lifecycle.shares import relabel, withdraw_session, withdraw_tenants
from engine.privacy.secrets import Keys
from engine.schema import ErasureJournal
from engine.store import AsyncKeyValueStore, KeyValueStore, WriteSet, transact
from engine.store.keys import (
    JOURNAL_PREFIX,
    State,
    decode,
    device_key_,
    encode,
    index_key,
    index_prefix,
    journal_key,
    reputation_key,
)

__all__ = ["JOURNAL_GRACE_S", "Lifecycle", "relabel", "withdraw_session", "withdraw_tenants"]

JOURNAL_GRACE_S = 60.0  # an entry this old names an erasure that stopped (deadline: 2 s)


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

    # -- retention and expiry (retention.py, expiry.py) ----------------------------------

    async def sweep_sessions(self, now: float, batch: int = 500) -> int:
        """Sessions, tombstones and logs past their purge time (the due day buckets)."""
        return await expiry.sweep_sessions(self.store, now, batch)

    async def sweep_velocity(self, now: float, batch: int = 2000) -> int:
        """Velocity records outside the window, and ended per-day IP keys."""
        return await retention.sweep_velocity(self.store, now, batch)

    async def sweep_records(self, now: float, retention_days: Callable[[str], int]) -> int:
        """Everything derived from sessions, past its tenants' retention."""
        return await retention.sweep_records(self.store, self.keys, now, retention_days)


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
