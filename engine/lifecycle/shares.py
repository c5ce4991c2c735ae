"""A tenant's share of the shared records, taken back: a session's feedback out of the device
profile and the IP reputation it counted in, and a tenant's part of a device (reports, last
visit, ID mappings). Used by erasure (records.py), expiry (expiry.py) and retention
(retention.py), and by report revocation (engine/reputation/reports.py)."""

from __future__ import annotations

import msgspec

from engine.devices import Registry
from engine.privacy.secrets import Keys
from engine.schema import DeviceProfile, IpReputation, Reports, SessionRecord
from engine.store import WriteSet
from engine.store.keys import (
    State,
    decode,
    device_key_,
    encode,
    mapping_key,
    reputation_key,
)


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
