"""Putting webhook events in the outbox, in the same write set as what causes them.

An event is a `WebhookEvent` under `o:{outbox}<event id>` (engine/store/keys.py) whose body,
the JSON the tenant receives, is made here once: every retry carries the same bytes and the
same `id`, so a receiver can drop a repeat. The sender (sender.py) deletes it once
delivered or given up.

`device.reported_elsewhere` tells a tenant that a device it scored lately was reported as
fraud or damage by another tenant, never which one. A report is evidence only as far as
its reporter is trusted (docs/reputation.md): one untrusted tenant alone could otherwise
make every other lender re-check its loans on a whim. So the event goes out only when the
reports of tenants other than the recipient are worth acting on: a trusted reporter
(weight >= VOUCH) or at least two independent sources (engine/reputation/weights.py). A
lone untrusted report sends nothing; when another source corroborates it later, that
report sends the event.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import msgspec

from engine.config import Config, Tenant
from engine.reputation.weights import BAD, VOUCH, reporters, sources, weights
from engine.schema import DeviceProfile, SessionRecord, WebhookEvent
from engine.store import AsyncKeyValueStore, WriteSet
from engine.store.keys import DAY, State, decode, device_key_, encode, outbox_key, tagged

REPORTED_ELSEWHERE = "device.reported_elsewhere"
ERASURE_COMPLETED = "erasure.completed"
SCORE_CREATED = "score.created"

_json = msgspec.json.Encoder()


def rfc3339(ts: float) -> str:
    return (
        dt.datetime.fromtimestamp(ts, dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def enqueue(w: WriteSet, tenant: str, event_type: str, data: dict[str, Any], now: float) -> str:
    """Add an event for `tenant` to `w`; returns its id."""
    event_id = "evt_" + secrets.token_hex(12)
    body = _json.encode(
        {"id": event_id, "type": event_type, "created_at": rfc3339(now), "data": data}
    )
    event = WebhookEvent(tenant=tenant, type=event_type, created_at=now, body=body, next_at=now)
    # the sender drops it after webhook_give_up_s (at most a week): the native expiry backs
    # that up where the store has one
    w.put(outbox_key(event_id), encode(event), expire_at=now + 8 * DAY)
    return event_id


async def device_sessions(store: AsyncKeyValueStore, dkey: str) -> list[tuple[str, str]]:
    """(tenant, session hash) of every session indexed under the device (`i:` entries),
    read before the feedback's operation (which reads the sessions themselves)."""
    prefix = tagged("i:", dkey)
    out: list[tuple[str, str]] = []
    start: bytes | None = None
    while True:
        rows = await store.scan(prefix, start=start, limit=1000)
        for key, _ in rows:
            tenant, _, sh = key[len(prefix) :].decode().partition("\0")
            if sh:
                out.append((tenant, sh))
        if len(rows) < 1000:
            return out
        start = rows[-1][0] + b"\0"


def reported_elsewhere(
    st: State,
    w: WriteSet,
    config: Config,
    record: SessionRecord,
    old_label: str | None,
    indexed: list[tuple[str, str]],
    now: float,
) -> int:
    """After `record.tenant` labelled its session (its writes already in `w`), queue
    `device.reported_elsewhere` for each other tenant that wants it, scored the device
    within its `reported_within_days`, and may act on the reports (module docstring).
    Returns how many events were queued."""
    label, reporter = record.label, record.tenant
    if label not in BAD or old_label in BAD or record.device_key is None:
        return 0
    by_tenant: dict[str, list[str]] = {}
    for tenant_id, sh in indexed:
        tenant = config.tenants.get(tenant_id)
        if tenant_id != reporter and tenant is not None and tenant.wants(REPORTED_ELSEWHERE):
            by_tenant.setdefault(tenant_id, []).append(sh)
    if not by_tenant:
        return 0
    raw = w.puts.get(device_key_(record.device_key))
    profile = decode(raw, DeviceProfile) if raw is not None else st.device(record.device_key)
    if profile is None:
        return 0
    queued = 0
    for tenant_id, shs in sorted(by_tenant.items()):
        others = reporters(profile.reports, tenant_id)
        trust = weights(st, config, others)
        if not any(trust[t] >= VOUCH for t in others) and len(sources(others, trust)) < 2:
            continue  # a lone untrusted source: nothing a lender should act on yet
        data = _scored_by(st, config.tenants[tenant_id], shs, now)
        if data is None:
            continue
        data.update(label=label, reported_at=rfc3339(now))
        enqueue(w, tenant_id, REPORTED_ELSEWHERE, data, now)
        queued += 1
    return queued


def _scored_by(st: State, tenant: Tenant, shs: list[str], now: float) -> dict[str, Any] | None:
    """The tenant's device id for the device and when it scored it, among sessions it
    scored within its webhook's `reported_within_days`; None when there is none. Session
    ids are not sent: the store knows a session only by a keyed hash of its token (a token
    is a credential, never kept), so the lender matches on its device id and the times."""
    assert tenant.webhook is not None
    since = now - tenant.webhook.reported_within_days * DAY
    times: list[float] = []
    device_id: str | None = None
    for rec in st.sessions(shs):
        if rec is None or rec.tenant != tenant.id or rec.scored is None:
            continue
        scored_at = rec.scored.scored_at or rec.collected_at or rec.created_at
        if scored_at < since:
            continue
        times.append(scored_at)
        device_id = rec.scored.response.device_id or device_id
    if not times or device_id is None:
        return None
    return {"device_id": device_id, "scored_at": [rfc3339(t) for t in sorted(times)]}


async def feedback_audience(
    store: AsyncKeyValueStore, config: Config, raw_session: bytes | None
) -> list[tuple[str, str]]:
    """What `reported_elsewhere` needs read before a feedback's operation: the sessions of
    the session's device, when some tenant wants the event (else nothing is read)."""
    if raw_session is None or not any(t.wants(REPORTED_ELSEWHERE) for t in config.tenants.values()):
        return []
    try:
        record = decode(raw_session, SessionRecord)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return []
    return [] if record.device_key is None else await device_sessions(store, record.device_key)
