"""The device registry: every stored thing about devices, read and written in one place.

`link` reads (candidates through the band index, their profiles, the fingerprint's crowd
sketch) and decides; `record` adds the writes the decision implies to the caller's write
set (profile, band and user index entries, the sketch, the tenant's public ID mapping), so
scoring stays one atomic step. `erase` removes a device and its index entries; `feedback`
keeps report counts per tenant on the profile. Public IDs are derived per tenant from the
internal keys, so two clients cannot join their data on them.

Layering: this package reads and writes through `engine.store.keys` and `engine.store` only;
it never imports the service or the HTTP layer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import NamedTuple

import msgspec

from engine.devices import crowd as crowds
from engine.devices import prior as priors
from engine.devices.components import group, observe, population_key, user_band
from engine.devices.matching import (
    Params,
    band_keys,
    behind,
    choose,
    fitted,
    probability,
    remember,
)
from engine.features import CONFIDENT
from engine.privacy.secrets import Keys
from engine.schema import (
    Attributes,
    DeviceList,
    DeviceProfile,
    Observation,
    PopulationSketch,
    Reports,
)
from engine.store import WriteSet, random_bytes
from engine.store.keys import DAY, State, count_since, device_key_, encode, events_key, mapping_key

BAND_FANOUT = 32  # devices remembered per band key (most recent)
USER_FANOUT = 8  # user keys remembered per user band key
MAX_BANDS = 48  # band keys remembered per device (to clean them on erasure)
MAX_USER_BANDS = 4
MAX_CANDIDATES = 12  # profiles read per link, those under the most bands first
RECENT = 4  # observations remembered per device
MAX_UAS = 8
MAX_TENANTS = 64
DECISIVE_CONFIDENCE = 0.99
MAX_CONFIDENCE = 0.98  # without a decisive ID, never quite sure
USER_RARE = 1.5  # machines the prior may expect to share a user band, for a user link


class Sighting(NamedTuple):
    """One session as linking sees it."""

    seen: Observation
    group: str  # web | sdk
    bands: list[bytes]
    population: bytes  # the crowd sketch key
    prefix_bit: int | None
    user_band: bytes | None
    mass: float = 0.0  # the fingerprint class's share of real traffic (0: unknown)
    machine_mass: float = 0.0  # the machine class's (the user band's, locale aside)


class Link(NamedTuple):
    """The device a session belongs to, and what the decision read."""

    dkey: str
    confidence: float
    profile: DeviceProfile | None  # as stored before this session; None: a new device
    score: float | None
    rivals: int
    crowd: float
    distinct: float
    visits: float
    sketch: PopulationSketch
    band_lists: list[DeviceList]
    shown: int = 1  # devices the profile has shown to be (versions going back)
    population: PopulationSketch | None = None  # the tenant's device counter, as read


def _epoch_start(now: float) -> float:
    return (now // crowds.EPOCH) * crowds.EPOCH


def vouched(profile: DeviceProfile) -> list[Observation]:
    """The observations that vouch for where and how the device is used: those learnt when
    the device was new or through a confident link. What a weak link added may be another
    device's (a look-alike merged into this profile): its home network and locale must not
    make the next visit of that look-alike look like this device's."""
    return [o for o in profile.recent if not o.weak]


def same_locale(seen: Observation, profile: DeviceProfile) -> bool:
    """Does the session show a time zone and language the device was surely seen with?"""
    recent = vouched(profile)
    for name in ("timezone", "language"):
        value = seen.components.get(name)
        if value is not None and all(o.components.get(name) != value for o in recent):
            return False
    return True


def known_network(seen: Observation, profile: DeviceProfile) -> bool:
    """Does the session come from a network prefix the device was surely seen on?"""
    prefix = seen.ip_prefix
    return prefix is not None and any(o.ip_prefix == prefix for o in vouched(profile))


def _b32(digest: bytes, n: int = 20) -> str:
    return base64.b32encode(digest).decode("ascii").lower().rstrip("=")[:n]


def new_key(prefix: str) -> str:
    return prefix + _b32(random_bytes(16), 26)


class Registry:
    """Devices over a state: linking, writes, erasure, feedback, public IDs."""

    def __init__(self, state: State, keys: Keys, params: Params | None = None) -> None:
        self.state = state
        self.keys = keys
        self.params = params or fitted()

    def sight(self, attrs: Attributes, channel: str, now: float, ip_prefix: str | None) -> Sighting:
        seen = observe(attrs, channel, self.keys.hashing, now, ip_prefix)
        grp = group(channel)
        return Sighting(
            seen,
            grp,
            band_keys(seen, grp),
            population_key(seen, channel),
            crowds.prefix_bit(self.keys.hashing, ip_prefix),
            user_band(attrs, channel, self.keys.hashing),
            priors.mass(attrs, channel),
            priors.machine_mass(attrs, channel),
        )

    def link(self, s: Sighting, tenant: str, now: float) -> Link:
        """The known device this session comes from, or a new device key (confidence 0).

        Confidence is P(same device | score) shared out among the devices that fit as well
        (rivals) or that the crowd sketch says show this fingerprint."""
        band_lists = self.state.bands(s.bands)
        hits: dict[str, list[float]] = {}
        for members in band_lists:
            for rank, key in enumerate(reversed(members.keys)):  # most recent first
                entry = hits.setdefault(key, [0.0, -float(BAND_FANOUT)])
                entry[0] += 1
                entry[1] = max(entry[1], -rank)
        ranked = sorted(hits, key=lambda k: (hits[k][0], hits[k][1]), reverse=True)
        ranked = ranked[:MAX_CANDIDATES]
        # the caller reads the chosen device's velocity next (engine/scoring/pipeline.py): on a
        # remote store, fetched with the candidates
        self.state.store.prefetch([events_key("d", k) for k in ranked])
        candidates = [
            (k, p) for k, p in zip(ranked, self.state.devices(ranked), strict=True) if p is not None
        ]
        fit = choose(s.seen, s.group, candidates, self.params)
        population = self.state.sketch(crowds.population_key(tenant))
        if fit is None:
            return self.new_link(s, tenant, now, band_lists, population)
        before = self.state.sketch(s.population)
        sketch = crowds.sighted(before, tenant, now, s.prefix_bit)
        burst = count_since(self.state.events("d", fit.dkey), now - DAY) + 1  # with this one
        if not crowds.seen_from(before, s.prefix_bit, now):
            burst = 0  # a burst from a network new to the fingerprint: another device's
        distinct, visits = crowds.counts(sketch, now, burst if burst > 1 else 0)
        distinct, visits = crowds.remembered(fit.profile, distinct, visits, now)
        p = self.params
        shown = max(fit.profile.devices_shown, 2 if behind(s.seen, fit.profile) else 1)
        expected = None
        if s.mass > 0:  # look-alikes the prior expects among the tenant's devices
            n = crowds.devices(population, tenant, now)
            network = p.network_seen if known_network(s.seen, fit.profile) else p.network_new
            local = same_locale(s.seen, fit.profile)
            expected = priors.crowd(s.mass, n, p.locale_share, local, network)
        crowd = max(crowds.crowd(distinct, visits, p.crowd_prefixes, p.crowd_visits, expected),
                    shown)  # fmt: skip
        if fit.decisive:
            confidence = DECISIVE_CONFIDENCE
        else:
            share = probability(fit.score, p) / max(crowd, 1.0 + fit.rivals)
            confidence = min(MAX_CONFIDENCE, share)
        return Link(fit.dkey, round(confidence, 3), fit.profile, fit.score, fit.rivals, crowd,
                    distinct, visits, sketch, band_lists, shown, population)  # fmt: skip

    def new_link(
        self,
        s: Sighting,
        tenant: str,
        now: float,
        band_lists: list[DeviceList] | None = None,
        population: PopulationSketch | None = None,
    ) -> Link:
        """A link to a new device (confidence 0): what `link` answers when nothing fits, and
        what a tool that fills a store with distinct devices asks for."""
        if band_lists is None:
            band_lists = self.state.bands(s.bands)
        sketch = crowds.sighted(self.state.sketch(s.population), tenant, now, s.prefix_bit)
        distinct, visits = crowds.counts(sketch, now)
        if population is None:
            population = self.state.sketch(crowds.population_key(tenant))
        return Link(new_key("dk_"), 0.0, None, None, 0, 1.0, distinct, visits, sketch,
                    band_lists, population=population)  # fmt: skip

    def record(
        self,
        w: WriteSet,
        s: Sighting,
        link: Link,
        tenant: str,
        now: float,
        *,
        user_agent: str | None = None,
        first_score: bool = True,
    ) -> DeviceProfile:
        """Add the writes of a link to `w`; return the device's new profile."""
        dkey = link.dkey
        profile = link.profile or DeviceProfile(first_seen=now, last_seen=now)
        tenant_seen = {**profile.tenant_seen, tenant: now}
        if len(tenant_seen) > MAX_TENANTS:  # keep the most recent
            tenant_seen = dict(sorted(tenant_seen.items(), key=lambda kv: kv[1])[-MAX_TENANTS:])
        uas = profile.user_agents
        if user_agent and user_agent not in uas:
            uas = [*uas, user_agent][-MAX_UAS:]
        bands = [b.decode() for b in s.bands]
        user_key = profile.user_key
        if user_key is None:  # a new device: another browser of a known machine?
            known = self.state.band(s.user_band).keys if s.user_band is not None else []
            if known and self.common(s, link, tenant, now):
                known = []  # a machine many show (one phone model): not a person's
            user_key = known[-1] if known else new_key("uk_")
        user_bands = profile.user_bands
        if s.user_band is not None:  # the machine as it shows now (fonts follow installs)
            users = self.state.band(s.user_band).keys
            keys = [*(k for k in users if k != user_key), user_key][-USER_FANOUT:]
            w.put(s.user_band, encode(DeviceList(keys=keys, last_seen=now)))
            ub = s.user_band.decode()
            user_bands = [*(b for b in user_bands if b != ub), ub][-MAX_USER_BANDS:]
        new = msgspec.structs.replace(
            profile,
            last_seen=now,
            sessions=profile.sessions + (1 if first_score else 0),
            tenant_seen=tenant_seen,
            user_agents=uas,
            recent=remember(profile.recent, self.provenance(s, link), RECENT),  # drift
            bands=list(dict.fromkeys([*profile.bands, *bands]))[-MAX_BANDS:],
            user_key=user_key,
            user_bands=user_bands,
            crowd_prefixes=link.distinct,
            crowd_visits=link.visits,
            crowd_at=now,
            devices_shown=link.shown,
        )
        w.put(device_key_(dkey), encode(new))
        for key, members in zip(s.bands, link.band_lists, strict=True):
            keys = [*(k for k in members.keys if k != dkey), dkey][-BAND_FANOUT:]
            w.put(key, encode(DeviceList(keys=keys, last_seen=now)))
        w.put(s.population, encode(link.sketch))
        if link.profile is None or profile.tenant_seen.get(tenant, -1.0) < _epoch_start(now):
            counter = crowds.counted(link.population, tenant, now)  # one more device
            w.put(crowds.population_key(tenant), encode(counter))
        epoch = new.epochs.get(tenant, 0)
        w.put(mapping_key(tenant, self.device_id(tenant, dkey, epoch)), dkey.encode())
        return new

    @staticmethod
    def provenance(s: Sighting, link: Link) -> Observation:
        """The session's observation as the profile keeps it: weak when a known device was
        linked below CONFIDENT."""
        if link.profile is None or link.confidence >= CONFIDENT:
            return s.seen
        return msgspec.structs.replace(s.seen, weak=True)

    def common(self, s: Sighting, link: Link, tenant: str, now: float) -> bool:
        """Does the prior expect another machine of the tenant's, in this locale, to show
        what a second browser on this one would (its user band), at even odds or more?
        Then a browser found through the band may be another person's: no user link."""
        if s.machine_mass <= 0:
            return False
        n = crowds.devices(link.population, tenant, now)
        return priors.crowd(s.machine_mass, n, self.params.locale_share, True) >= USER_RARE

    def device_id(self, tenant: str, dkey: str, epoch: int = 0) -> str:
        """The tenant's public ID of a device. `epoch` counts the tenant's erasures of the
        device: after one, the device (kept for other tenants' evidence) gets a new ID at
        that tenant, so an erased device is not recognised there by its old ID."""
        blob = f"dev|{tenant}|{dkey}" + (f"|{epoch}" if epoch else "")
        digest = hmac.new(self.keys.device, blob.encode(), hashlib.sha256)
        return "dv_" + _b32(digest.digest())

    def user_id(self, tenant: str, link: Link, profile: DeviceProfile, sh: str) -> str:
        """The user behind the device; a link less sure than CONFIDENT (a crowd of identical
        machines) carries no user over, and the session gets a user ID of its own."""
        if link.profile is not None and link.confidence < CONFIDENT:
            blob = f"usr|{tenant}|session|{sh}"
        else:
            blob = f"usr|{tenant}|{profile.user_key or link.dkey}"
        return "us_" + _b32(hmac.new(self.keys.device, blob.encode(), hashlib.sha256).digest())

    def erase(self, w: WriteSet, dkey: str, tenant: str, device_id: str) -> None:
        """Delete a device: its profile, velocity, band and user index entries, and the
        tenant's ID mapping. The crowd sketch holds no device: it stays."""
        profile = self.state.device(dkey)
        if profile is not None:
            keys = [b.encode() for b in profile.bands]
            for key, members in zip(keys, self.state.bands(keys), strict=True):
                rest = [k for k in members.keys if k != dkey]
                if rest:
                    w.put(key, encode(DeviceList(keys=rest, last_seen=members.last_seen)))
                else:
                    w.delete(key)
            keys = [b.encode() for b in profile.user_bands]
            for key, members in zip(keys, self.state.bands(keys), strict=True):
                rest = [k for k in members.keys if k != profile.user_key]
                if rest:
                    w.put(key, encode(DeviceList(keys=rest, last_seen=members.last_seen)))
                else:
                    w.delete(key)
        w.delete(device_key_(dkey))
        w.delete(events_key("d", dkey))
        w.delete(mapping_key(tenant, device_id))

    def feedback(
        self, w: WriteSet, dkey: str, tenant: str, old: str | None, new: str, now: float
    ) -> None:
        """Count a label (replacing the session's earlier one) in the tenant's reports."""
        profile = self.state.device(dkey)
        if profile is None:
            return
        r = profile.reports.get(tenant, Reports())
        counts = {"fraud": r.fraud, "damage": r.damage, "good": r.good}
        if old in counts:
            counts[old] = max(counts[old] - 1, 0)
        counts[new] += 1
        counted = msgspec.structs.replace(r, **counts, last_at=now)
        reports = {**profile.reports, tenant: counted}
        w.put(device_key_(dkey), encode(msgspec.structs.replace(profile, reports=reports)))
