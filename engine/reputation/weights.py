"""Fraud reports across tenants, weighed so that no one tenant can blacklist a device (or a
network) for everyone else.

A tenant's own fraud and damage reports act in full on its own scores. Other tenants'
reports count in proportion to independent corroboration (`evidence`):

- each reporting tenant counts once per device or network, however many reports it filed,
  with a weight: its learned trust (`trust_weight`), 0..1;
- a source is one trusted tenant (trust >= `VOUCH`); all the tenants not trusted (yet)
  together are one more source, their weights adding up to `VOUCH` at most, so any number
  of new tenants agreeing (a fraud ring signing up as lenders) weigh as one;
- one source alone: the engine holds what its reports add to a score so that, with no
  other signal, the score stays at or below `REVIEW_MAX` (0.30): a review band, never the
  top band (`hold_single`, applied after the plugins, whatever their weights);
- two or more sources: their weights add up, to full strength at 1.0.

A tenant's trust is learned from how often its reports are backed up by another trusted
tenant reporting the same device: (PRIOR x base + corroborated) / (PRIOR + reported), where
`base` is the tenant's configured `report_trust` (a new tenant: 0.1). Only a tenant whose
trust is at least `VOUCH` corroborates another's report, so new tenants cannot vouch for
each other (a fraud ring signing up as three lenders gains nothing by agreeing). A tenant
that files many reports nobody backs up sinks towards 0.

Feedback is taken only for sessions the tenant scored, within `feedback_window_days` of
the score, and fraud or damage reports within `report_window_days` are bounded by
`report_share` of the sessions the tenant scored in that window plus `report_allowance`
(429 past it). Everything here is per region store, as the device profiles are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import msgspec

from engine.config import NEW_REPORT_TRUST, Config, ServiceFile
from engine.errors import Conflict, TooManyRequests
from engine.features import ReportEvidence
from engine.schema import Reports, ReportVolume, TenantTrust
from engine.store import WriteSet
from engine.store.keys import DAY, State, encode, purge_key, trust_key, volume_key

REVIEW_MAX = 0.30  # one other tenant's reports alone lift a score at most to this
VOUCH = 0.3  # the trust a tenant needs for its reports to corroborate another's
PRIOR = 10.0  # how many reports the configured base trust counts for
BAD = ("fraud", "damage")


def bad(r: Reports) -> int:
    return r.fraud + r.damage


def trust_weight(record: TenantTrust | None, base: float) -> float:
    """A tenant's weight on other tenants' scores, 0..1, learned from corroboration."""
    reported, corroborated = (record.reported, record.corroborated) if record else (0, 0)
    value = (PRIOR * base + max(corroborated, 0)) / (PRIOR + max(reported, 0))
    return min(1.0, max(0.0, value))


def base_trust(config: Config, tenant: str) -> float:
    known = config.tenants.get(tenant)
    return known.report_trust if known is not None else NEW_REPORT_TRUST


def weights(st: State, config: Config, tenants: Iterable[str]) -> dict[str, float]:
    """The trust weight of each of these tenants (one read of their trust records)."""
    wanted = sorted(set(tenants))
    if not wanted:
        return {}
    records = st.trusts(wanted)
    return {t: trust_weight(records[t], base_trust(config, t)) for t in wanted}


def reporters(reports: Mapping[str, Reports], tenant: str) -> set[str]:
    """Other tenants with fraud or damage reports here (never shown to anyone)."""
    return {t for t, r in reports.items() if t != tenant and bad(r) > 0}


UNTRUSTED = ""  # the one source that every tenant not trusted yet counts as


def sources(names: Iterable[str], trust: Mapping[str, float]) -> set[str]:
    """Independent sources among reporting tenants: trusted ones by name, the rest as one."""
    return {t if trust.get(t, NEW_REPORT_TRUST) >= VOUCH else UNTRUSTED for t in names}


def evidence(
    reports: Mapping[str, Reports], tenant: str, trust: Mapping[str, float]
) -> ReportEvidence:
    """What `tenant` may act on: its own reports, and the others' corroborated weight."""
    own = bad(reports.get(tenant, Reports()))
    others = sorted(reporters(reports, tenant))
    if not others:
        return ReportEvidence(own=own)
    weights_ = [trust.get(t, NEW_REPORT_TRUST) for t in others]
    trusted = sum(w for w in weights_ if w >= VOUCH)
    pooled = min(VOUCH, sum(w for w in weights_ if w < VOUCH))
    found = sources(others, trust)
    if len(found) >= 2:
        weight = min(1.0, trusted + pooled)
    else:
        weight = min(1.0, trusted or pooled)
    return ReportEvidence(
        own=own, reporters=len(others), weight=round(weight, 4), sources=len(found)
    )


def hold_single(
    strengths: dict[str, float],
    bias: float,
    held: Mapping[str, float],
    found: set[str],
) -> None:
    """When the codes in `held` (code -> model weight: the reputation codes that rest on
    other tenants' reports only) rest on one source alone, scale them so that together,
    with no other signal, they score at most REVIEW_MAX."""
    if len(found) != 1:
        return
    lift = sum(strengths.get(c, 0.0) * max(w, 0.0) for c, w in held.items())
    room = math.log(REVIEW_MAX / (1 - REVIEW_MAX)) - bias
    if lift <= room or lift <= 0:
        return
    scale = max(room, 0.0) / lift
    for code in held:
        if code in strengths:
            strengths[code] *= scale


# -- feedback ---------------------------------------------------------------------------


def check_window(cfg: ServiceFile, scored_at: float, now: float) -> None:
    if now - scored_at > cfg.feedback_window_days * DAY:
        raise Conflict(
            f"feedback is accepted within {cfg.feedback_window_days} days of the score "
            "(service.toml feedback_window_days); this session was scored earlier",
            field="session_id",
        )


def count_report(st: State, w: WriteSet, cfg: ServiceFile, tenant: str, now: float) -> None:
    """One more fraud or damage report of the tenant today, within its bound: at most
    `report_share` of the sessions it scored in the window plus `report_allowance`."""
    today = int(now // DAY)
    days = list(range(today - cfg.report_window_days + 1, today + 1))
    volumes = st.volumes(tenant, days)
    scored = sum(v.scored for v in volumes)
    filed = sum(v.reports for v in volumes)
    if filed + 1 > cfg.report_share * scored + cfg.report_allowance:
        raise TooManyRequests(
            f"fraud and damage reports are limited to {cfg.report_share:.0%} of the sessions "
            f"this client scored in the last {cfg.report_window_days} days plus "
            f"{cfg.report_allowance}; report again once more sessions are scored",
            retry_after=3600,
        )
    today_volume = msgspec.structs.replace(volumes[-1], reports=volumes[-1].reports + 1)
    _put_volume(w, tenant, today, today_volume, cfg)


def count_scored(st: State, w: WriteSet, cfg: ServiceFile, tenant: str, now: float) -> None:
    """One more session the tenant scored today (the volume its reports are bounded by)."""
    today = int(now // DAY)
    (volume,) = st.volumes(tenant, [today])
    _put_volume(w, tenant, today, msgspec.structs.replace(volume, scored=volume.scored + 1), cfg)


def _put_volume(w: WriteSet, tenant: str, day: int, volume: ReportVolume, cfg: ServiceFile) -> None:
    key = volume_key(tenant, day)
    until = (day + 1 + cfg.report_window_days) * DAY
    w.put(key, encode(volume), expire_at=until + DAY)
    w.put(purge_key(until, key), b"", expire_at=until + DAY)


class TrustDeltas:
    """Changes to tenants' trust counts that one operation makes."""

    def __init__(self) -> None:
        self.reported: dict[str, int] = {}
        self.corroborated: dict[str, int] = {}

    def add(self, tenant: str, reported: int = 0, corroborated: int = 0) -> None:
        if reported:
            self.reported[tenant] = self.reported.get(tenant, 0) + reported
        if corroborated:
            self.corroborated[tenant] = self.corroborated.get(tenant, 0) + corroborated

    def write(self, st: State, w: WriteSet, now: float) -> None:
        tenants = sorted(set(self.reported) | set(self.corroborated))
        if not tenants:
            return
        current = st.trusts(tenants)
        for t in tenants:
            r = current[t]
            new = TenantTrust(
                reported=max(r.reported + self.reported.get(t, 0), 0),
                corroborated=max(r.corroborated + self.corroborated.get(t, 0), 0),
                updated_at=now,
            )
            w.put(trust_key(t), encode(new))


def relabel_reports(
    reports: Mapping[str, Reports],
    tenant: str,
    old: str | None,
    new: str | None,
    now: float,
    trust: Mapping[str, float],
    deltas: TrustDeltas,
) -> dict[str, Reports]:
    """A device's reports with one of the tenant's labels changed (old -> new; None: none),
    and the corroboration it makes or takes back, counted in `deltas`."""
    out = dict(reports)
    before = out.get(tenant, Reports())
    counts = {"fraud": before.fraud, "damage": before.damage, "good": before.good}
    if old in counts:
        counts[old] = max(counts[old] - 1, 0)
    if new in counts:
        counts[new] += 1
    after = msgspec.structs.replace(
        before, **counts, last_at=now if new is not None else before.last_at
    )
    if bad(before) == 0 and bad(after) > 0:
        after = _corroborate(out, tenant, after, trust, deltas)
    elif bad(before) > 0 and bad(after) == 0:
        after = withdraw_corroboration(out, tenant, after, deltas)
    if after.fraud or after.damage or after.good:
        out[tenant] = after
    else:
        out.pop(tenant, None)
    return out


def _corroborate(
    out: dict[str, Reports],
    tenant: str,
    mine: Reports,
    trust: Mapping[str, float],
    deltas: TrustDeltas,
) -> Reports:
    """The tenant's first fraud report on this device: each trusted other reporter backs it
    up, and it backs up theirs when the tenant is trusted itself."""
    deltas.add(tenant, reported=1)
    others = sorted(reporters(out, tenant))
    vouchers = [u for u in others if trust.get(u, NEW_REPORT_TRUST) >= VOUCH]
    if vouchers:
        deltas.add(tenant, corroborated=1)
        mine = msgspec.structs.replace(mine, by=vouchers)
    if trust.get(tenant, NEW_REPORT_TRUST) >= VOUCH:
        for u in others:
            theirs = out[u]
            if tenant in theirs.by:
                continue
            if not theirs.by:
                deltas.add(u, corroborated=1)
            out[u] = msgspec.structs.replace(theirs, by=[*theirs.by, tenant])
    return mine


def withdraw_corroboration(
    out: dict[str, Reports], tenant: str, mine: Reports, deltas: TrustDeltas
) -> Reports:
    """The tenant no longer reports this device: its report leaves its trust counts, and
    the backing it gave others is taken back."""
    deltas.add(tenant, reported=-1, corroborated=-1 if mine.by else 0)
    for u, theirs in list(out.items()):
        if u != tenant and tenant in theirs.by:
            by = [x for x in theirs.by if x != tenant]
            if not by:
                deltas.add(u, corroborated=-1)
            out[u] = msgspec.structs.replace(theirs, by=by)
    return msgspec.structs.replace(mine, by=[])
