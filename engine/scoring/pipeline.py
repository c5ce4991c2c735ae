"""Scoring one session: the device (engine/devices), then context -> plugins -> model ->
answer, and the write set.

`score_session` reads state and returns the answer with every write it implies; the caller
applies the write set, so scoring stays one atomic step.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from engine.config import Tenant
from engine.devices import Link, Registry, Sighting
from engine.features import CollectedSession, Context, DeviceHistory, RuleHit, Velocity
from engine.flags import FLAG_NAMES
from engine.metrics import StageClock
from engine.privacy.secrets import Keys
from engine.reputation.weights import (
    count_scored,
    evidence,
    hold_single,
    reporters,
    sources,
    weights,
)
from engine.schema import (
    Attributes,
    Events,
    IpReputation,
    ScoreResponse,
    ScoreResult,
    SessionRecord,
    Software,
)
from engine.scoring.model import Runtime
from engine.scoring.plugin_host import PluginHost
from engine.store import WriteSet
from engine.store.keys import (
    DAY,
    State,
    count_since,
    encode,
    events_key,
    index_key,
    record_event,
    reputation_key,
    volume_key,
)

# Attributes the engine itself adds to every answer (plugins may not use these names).
ENGINE_ATTRIBUTES = {
    "channel": "web, android or ios, as collected",
    "ip_country": "country of the client IP (ISO 3166-1 alpha-2), None when unknown or private",
    "ip_asn": "autonomous system number of the client IP (None when unknown or private)",
    "ip_asn_name": "name of the client IP's network (autonomous system)",
}


def score_session(
    state: State,
    keys: Keys,
    host: PluginHost,
    runtime: Runtime,
    tenant: Tenant,
    sh: str,
    record: SessionRecord,
    now: float,
    stage: StageClock | None = None,
) -> tuple[ScoreResponse, WriteSet, float | None]:
    """Score a collected session (`sh`: its hash, the store's name for it); return the
    answer, the writes to apply with it, and the shadow model's score (None without one).
    The answer's `session_id` is left empty: the token is never stored, the caller puts it
    in. `stage`: where the CPU of each part is summed (engine/metrics.py)."""
    stage = StageClock() if stage is None else stage
    assert record.attributes is not None
    assert record.channel is not None
    assert record.collected_at is not None
    attrs = record.attributes
    devices = Registry(state, keys)
    with stage("device link"):
        sighting, link = _link(state, devices, record, tenant, now)
        dkey = link.dkey
    first_score = record.scored is None

    context, history, (dev_ev, pfx_ev), (dev_others, ip_others, trust) = _context(
        state, runtime, tenant, record, link, now, first_score
    )
    with stage("plugins"):
        session = CollectedSession.from_record(sh, record)
        features, hits = host.run(session, context, tenant)
    with stage("model"):
        flags = dict.fromkeys(FLAG_NAMES, False)
        strengths: dict[str, float] = {}
        for hit, weight in hits:
            _apply_hit(hit, weight, flags, strengths)
        _hold_reputation(strengths, runtime, history, context, dev_others, ip_others, trust)
        score, reasons = runtime.model.score(strengths)
        # shadow mode: a candidate model scores the same evidence; kept, never answered
        shadow = runtime.shadow.score(strengths)[0] if runtime.shadow is not None else None
    with stage("record"):  # the device record, the answer, the writes
        w = WriteSet()
        ua = attrs.software.user_agent
        stored = devices.record(
            w, sighting, link, tenant.id, now, user_agent=ua, first_score=first_score
        )
        device_id = devices.device_id(tenant.id, dkey, stored.epochs.get(tenant.id, 0))
        response = ScoreResponse(
            session_id="",
            score=score,
            device_id=device_id,
            device_confidence=link.confidence,
            user_id=devices.user_id(tenant.id, link, stored, sh),
            flags=flags,
            attributes=_attributes(record, features),
            reasons=reasons,
            model_version=runtime.model.version,
        )

        velocity = (dkey, dev_ev, pfx_ev)
        _session_writes(
            state, w, runtime, tenant, sh, record, velocity, response, strengths, shadow, now
        )
        return response, w, shadow


def _attributes(record: SessionRecord, features: dict[str, Any]) -> dict[str, Any]:
    """The answer's attributes: the engine's own, then the plugins' (a non-finite float as
    None)."""
    attributes: dict[str, Any] = {
        "channel": record.channel,
        "ip_country": record.ip_country,
        "ip_asn": record.ip_asn,
        "ip_asn_name": record.ip_asn_name,
    }
    for name, value in features.items():
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        attributes[name] = value
    return attributes


def _link(
    state: State, devices: Registry, record: SessionRecord, tenant: Tenant, now: float
) -> tuple[Sighting, Link]:
    """The device's sighting and its link, with what linking reads first in one batch (a
    round trip fewer on a remote store)."""
    assert record.attributes is not None
    assert record.channel is not None
    sighting = devices.sight(record.attributes, record.channel, now, record.ip_prefix)
    early = [*sighting.bands, sighting.population]
    if sighting.user_band is not None:
        early.append(sighting.user_band)
    if record.ip_prefix:
        early += [events_key("p", record.ip_prefix), reputation_key(record.ip_prefix)]
    early.append(volume_key(tenant.id, int(now // DAY)))
    state.store.get_many(early)
    return sighting, devices.link(sighting, tenant.id, now)


def _context(
    state: State,
    runtime: Runtime,
    tenant: Tenant,
    record: SessionRecord,
    link: Link,
    now: float,
    first_score: bool,
) -> tuple[
    Context,
    DeviceHistory,
    tuple[Events, Events | None],
    tuple[set[str], set[str], dict[str, float]],
]:
    """What the plugins see beside the session: velocities (this session counted once, at
    its first score), the device's history and other tenants' reports by their trust."""
    dkey, profile = link.dkey, link.profile
    # velocity: this session counts once, at its first score
    # a new device (a key just drawn) has no events yet
    dev_ev = state.events("d", dkey) if profile is not None else Events()
    pfx_ev = state.events("p", record.ip_prefix) if record.ip_prefix else None
    if first_score:
        dev_ev = record_event(dev_ev, now)
        pfx_ev = record_event(pfx_ev, now) if pfx_ev is not None else None

    def vel(ev: Any) -> Velocity:
        if ev is None:
            return Velocity()
        return Velocity(h1=count_since(ev, now - 3600), h24=count_since(ev, now - DAY))

    rep = state.reputation(record.ip_prefix) if record.ip_prefix else IpReputation()
    # other tenants' reports count by their learned trust (engine/reputation/weights.py)
    dev_reports = profile.reports if profile is not None else {}
    dev_others, ip_others = reporters(dev_reports, tenant.id), reporters(rep.reports, tenant.id)
    others = dev_others | ip_others
    trust = weights(state, runtime.config, others) if others else {}
    history = DeviceHistory()
    if profile is not None:
        history = DeviceHistory(
            known=True,
            first_seen=profile.first_seen,
            sessions=profile.sessions,
            other_tenants=sum(1 for t in profile.tenant_seen if t != tenant.id),
            other_tenants_30d=sum(
                1
                for t, last in profile.tenant_seen.items()
                if t != tenant.id and last > now - 30 * DAY
            ),
            user_agents=tuple(profile.user_agents),
            fraud_reports=profile.fraud_reports,
            damage_reports=profile.damage_reports,
            good_reports=profile.good_reports,
            confidence=link.confidence,
            reports=evidence(dev_reports, tenant.id, trust),
        )
    context = Context(
        now=now,
        device_key=dkey,
        device_velocity=vel(dev_ev),
        ip_velocity=Velocity(h1=record.ip_velocity_h1 or 0, h24=record.ip_velocity_h24 or 0),
        ip_prefix_velocity=vel(pfx_ev),
        device_history=history,
        ip_fraud_reports=rep.fraud_reports,
        ip_reports=evidence(rep.reports, tenant.id, trust),
    )
    return context, history, (dev_ev, pfx_ev), (dev_others, ip_others, trust)


def _session_writes(
    state: State,
    w: WriteSet,
    runtime: Runtime,
    tenant: Tenant,
    sh: str,
    record: SessionRecord,
    velocity: tuple[str, Events, Events | None],
    response: ScoreResponse,
    strengths: dict[str, float],
    shadow: float | None,
    now: float,
) -> None:
    """The rest of the one atomic write (the device record is in `w` already): the scored
    volume, velocity, the device index and the sealed session."""
    dkey, dev_ev, pfx_ev = velocity
    assert record.collected_at is not None
    # one atomic write: session, device (written above), velocity, indexes
    count_scored(state, w, runtime.config.service, tenant.id, now)
    w.put(events_key("d", dkey), encode(dev_ev))
    if pfx_ev is not None and record.ip_prefix:
        w.put(events_key("p", record.ip_prefix), encode(pfx_ev))
    if record.device_key is not None and record.device_key != dkey:
        w.delete(index_key(tenant.id, record.device_key, sh))
    w.put(index_key(tenant.id, dkey, sh), b"")
    new = msgspec.structs.replace(
        record,
        device_key=dkey,
        scored=ScoreResult(
            response=response,
            collected_at=record.collected_at,
            strengths={code: round(value, 6) for code, value in strengths.items()},
            shadow_score=shadow,
            scored_at=now,
        ),
        purge_at=now + tenant.retention_days * DAY,
    )
    State.put_session(w, sh, record, new)


def _hold_reputation(
    strengths: dict[str, float],
    runtime: Runtime,
    history: DeviceHistory,
    context: Context,
    device_others: set[str],
    ip_others: set[str],
    trust: dict[str, float],
) -> None:
    """One source of other tenants' reports alone lifts the score at most into the review
    band (engine/reputation/weights.py), whatever weight the plugins gave them. A code that rests on
    the scoring tenant's own reports is not held; a crowd link's history is not the
    device's own, so its reporters do not count (plugins/velocity.py)."""
    model = runtime.model
    codes: list[str] = []
    found: set[str] = set()
    if history.own and history.reports.own == 0 and device_others:
        codes.append("KNOWN_FRAUD_DEVICE")
        found |= sources(device_others, trust)
    if context.ip_reports.own == 0 and ip_others:
        codes.append("IP_FRAUD_HISTORY")
        found |= sources(ip_others, trust)
    held = {c: float(model.weights[model.index[c]]) for c in codes if c in model.index}
    hold_single(strengths, model.bias, held, found)


def warm_up_plugins(host: PluginHost, runtime: Runtime, now: float) -> None:
    """Run every plugin and the kernel once on a sample session; nothing is stored.

    Plugins build their caches (user-agent rules, time-zone tables) here, so the first
    scored request does not pay for them."""
    tenant = next(iter(runtime.config.tenants.values()))
    attrs = Attributes(
        software=Software(
            user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            platform="Win32",
            languages=["en-GB"],
            timezone="Europe/London",
            timezone_offset_min=0,
        )
    )
    session = CollectedSession(
        session_id="warm-up",
        tenant=tenant.id,
        channel="web",
        attributes=attrs,
        created_at=now,
        collected_at=now,
        ip_country="GB",
        header_languages=("en",),
    )
    _, hits = host.run(session, Context(now=now, device_key="warm-up"), tenant)
    strengths: dict[str, float] = {}
    for hit, weight in hits:
        _apply_hit(hit, weight, dict.fromkeys(FLAG_NAMES, False), strengths)
    runtime.model.score(strengths)


def _apply_hit(
    hit: RuleHit, weight: float, flags: dict[str, bool], strengths: dict[str, float]
) -> None:
    if hit.flag is not None:
        flags[hit.flag] = True
    strength = max(0.0, min(float(hit.strength), 1.0)) * weight
    if strength > strengths.get(hit.code, 0.0):
        strengths[hit.code] = strength
