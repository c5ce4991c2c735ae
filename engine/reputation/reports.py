"""A tenant's feedback as shared evidence: filing it (`/v1/feedback`), and the operator's
list and revocation of one tenant's reports (`anonscore reports`).

Filing a label changes, in one WriteSet with the session: the tenant's part of the device's
reports (with the corroboration it makes, engine/reputation/weights.py), of its network's
reputation, the tenant's trust counts, its daily report volume and its report log entry
(`f:`). The log is what the operator lists and revokes; revoking takes the tenant's fraud
and damage reports out of the shared records (so they stop acting on anyone's scores and
stop backing up other tenants' reports), clears the label on the tenant's session, marks
each log entry revoked and writes an audit entry (`a:`) with a log line. Each entry is
revoked by one operation of its own, so a revocation stopped halfway is finished by running
it again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import msgspec

from engine.config import Config
from engine.lifecycle.records import relabel
from engine.reputation.weights import BAD, TrustDeltas, count_report, relabel_reports, weights
from engine.schema import AuditEntry, DeviceProfile, IpReputation, ReportEntry, SessionRecord
from engine.store import AsyncKeyValueStore, KeyValueStore, WriteSet, transact
from engine.store.keys import (
    DAY,
    State,
    audit_key,
    decode,
    device_key_,
    encode,
    purge_key,
    report_log_key,
    report_log_prefix,
    reputation_key,
)

log = logging.getLogger("anonscore.reports")

AUDIT_DAYS = 730  # the audit trail is kept this long


def file_feedback(
    st: State,
    w: WriteSet,
    config: Config,
    sh: str,
    record: SessionRecord,
    label: str,
    now: float,
) -> SessionRecord:
    """The writes of one label on a scored session of `record.tenant`; the new record."""
    tenant = record.tenant
    if label in BAD and record.label not in BAD:
        count_report(st, w, config.service, tenant, now)
    deltas = TrustDeltas()
    relabel_shared(st, w, config, record, record.label, label, now, deltas)
    deltas.write(st, w, now)
    key = report_log_key(tenant, now, sh)
    w.put(key, encode(ReportEntry(session=sh, label=label, at=now)), expire_at=record.purge_at)
    w.put(purge_key(record.purge_at, key), b"", expire_at=record.purge_at + DAY)
    new = msgspec.structs.replace(record, label=label)
    State.put_session(w, sh, record, new)
    return new


def relabel_shared(
    st: State,
    w: WriteSet,
    config: Config,
    record: SessionRecord,
    old: str | None,
    new: str | None,
    now: float,
    deltas: TrustDeltas,
) -> None:
    """One session's label changed in the device's reports and its network's reputation."""
    tenant = record.tenant
    if record.device_key is not None:
        raw = w.puts.get(device_key_(record.device_key))
        profile = decode(raw, DeviceProfile) if raw is not None else st.device(record.device_key)
        if profile is not None:
            trust = weights(st, config, {*profile.reports, tenant})
            reports = relabel_reports(profile.reports, tenant, old, new, now, trust, deltas)
            w.put(
                device_key_(record.device_key),
                encode(msgspec.structs.replace(profile, reports=reports)),
            )
    if record.ip_prefix:
        key = reputation_key(record.ip_prefix)
        raw = w.puts.get(key)
        rep = decode(raw, IpReputation) if raw is not None else st.reputation(record.ip_prefix)
        ip_reports = relabel(rep.reports, tenant, old, new, now)
        if ip_reports:
            w.put(key, encode(IpReputation(reports=ip_reports)))
        else:
            w.delete(key)


# -- the operator's view -------------------------------------------------------------------


async def list_reports(
    store: AsyncKeyValueStore, tenant: str, since: float | None = None
) -> list[tuple[bytes, ReportEntry]]:
    """The tenant's report log (oldest first), from `since` on."""
    prefix = report_log_prefix(tenant)
    start = report_log_key(tenant, since, "") if since is not None else None
    out: list[tuple[bytes, ReportEntry]] = []
    while True:
        rows = await store.scan(prefix, start=start, limit=1000)
        for key, raw in rows:
            try:
                out.append((key, decode(raw, ReportEntry)))
            except (msgspec.DecodeError, msgspec.ValidationError):
                continue
        if len(rows) < 1000:
            return out
        start = rows[-1][0] + b"\0"


async def revoke_reports(
    store: AsyncKeyValueStore,
    config: Config,
    tenant: str,
    now: float,
    since: float | None = None,
) -> int:
    """Take the tenant's fraud and damage reports (from `since` on) out of the shared
    evidence; returns how many sessions' reports were revoked. An audit entry and a log
    line record it in a store that holds reports of the tenant."""
    revoked = 0
    listed = await list_reports(store, tenant, since)
    if not listed:
        return 0
    for key, entry in listed:
        if entry.revoked_at is None:
            revoked += await transact(store, _revoke_op(config, tenant, key, entry, now))
    audit = AuditEntry(action="revoke", tenant=tenant, at=now, count=revoked, since=since)
    w = WriteSet()
    akey = audit_key(now, secrets.token_hex(6))
    until = now + AUDIT_DAYS * DAY
    w.put(akey, encode(audit), expire_at=until + DAY)
    w.put(purge_key(until, akey), b"", expire_at=until + DAY)
    await store.apply(w)
    log.warning(
        "reports revoked (audit %s, since %s)",
        akey.decode().replace("\0", ":"),
        since,
        extra={"tenant": tenant, "count": revoked, "outcome": "revoked"},
    )
    return revoked


def _revoke_op(
    config: Config, tenant: str, key: bytes, entry: ReportEntry, now: float
) -> Callable[[KeyValueStore], tuple[int, WriteSet]]:
    def op(view: KeyValueStore) -> tuple[int, WriteSet]:
        st = State(view)
        w = WriteSet()
        record = st.session(entry.session)
        until = record.purge_at if record is not None else entry.at + AUDIT_DAYS * DAY
        w.put(key, encode(msgspec.structs.replace(entry, revoked_at=now)), expire_at=until)
        if record is None or record.tenant != tenant or record.label not in BAD:
            return 0, w
        deltas = TrustDeltas()
        relabel_shared(st, w, config, record, record.label, None, now, deltas)
        deltas.write(st, w, now)
        State.put_session(w, entry.session, record, msgspec.structs.replace(record, label=None))
        return 1, w

    return op


async def audit_trail(store: AsyncKeyValueStore) -> list[AuditEntry]:
    rows = await store.scan(b"a:", limit=10_000)
    return [decode(raw, AuditEntry) for _, raw in rows]
