"""How many devices share a fingerprint, estimated without knowing any of them.

Identical machines (one disk image, one phone model on one OS version) show identical
fingerprints: no component can say which of them a session comes from, so the honest
confidence of a link is about 1 / (the number of devices that show it). The service counts,
per fingerprint (`components.population_key`) and per tenant, in two-week epochs: the
sessions seen, and the distinct network prefixes they came from, as a 256-bit
linear-counting bitmap of keyed hashes of the prefixes (bits only: no prefix can be read
back). One device shows a few prefixes (home, mobile, office) in a window and comes back at
some rate; a fingerprint seen from many more, or far more often, is shared:

    crowd = max(1, distinct prefixes / P, sessions a day / V)

with P and V (what one device shows) fitted on the drift simulation. The rate is taken over
the window, or since the fingerprint was first seen, but never over less than a week, so
two sessions in one day are not yet a crowd. A device
profile remembers the largest crowd evidence seen for it (halved every 30 days), so a group
of identical machines stays a crowd when a browser update gives them a fresh fingerprint.
A frequent single device could look like a small crowd; the sessions the linked device made
in the last day are left out of the rate, so a burst of applications (at one tenant or
several) keeps its confidence, while a crowd keeps its rate day after day. The population
prior (`prior`) is a floor: an iPhone of a current model
and iOS is a crowd from its first session. Per tenant, a counter of the devices seen in the
window (`devices`, stored as a sketch whose counts are devices) scales the prior.
"""

from __future__ import annotations

import hashlib
import hmac
import math

from engine.schema import CrowdWindow, DeviceProfile, PopulationSketch

EPOCH = 14 * 86_400.0  # a window is the current epoch and the one before
BITS = 256
HALF_LIFE = 30 * 86_400.0  # of a profile's crowd memory
MIN_SPAN = 7 * 86_400.0  # the shortest time a session rate is taken over
MAX_TENANTS = 64
POPULATION_EPOCHS = 6  # about twelve weeks of a tenant's devices


def prefix_bit(key: bytes, prefix: str | None) -> int | None:
    """The bitmap position of a network prefix (a keyed hash: the prefix is not kept)."""
    if not prefix:
        return None
    digest = hmac.new(key, f"crowd\0{prefix}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") % BITS


def sighted(
    sketch: PopulationSketch | None, tenant: str, now: float, bit: int | None
) -> PopulationSketch:
    """The sketch with one more session of `tenant` (from the prefix at `bit`)."""
    epoch = int(now // EPOCH)
    tenants = {}  # every tenant's windows older than the window are dropped
    for name, kept in sketch.tenants.items() if sketch is not None else ():
        if live := [w for w in kept if w.epoch >= epoch - 1]:
            tenants[name] = live
    windows = tenants.get(tenant, [])
    current = next((w for w in windows if w.epoch == epoch), None)
    bits = bytearray(current.prefixes if current else bytes(BITS // 8))
    if bit is not None:
        bits[bit // 8] |= 1 << (bit % 8)
    fresh = CrowdWindow(epoch, (current.visits if current else 0) + 1, bytes(bits))
    tenants[tenant] = [*(w for w in windows if w.epoch != epoch), fresh]
    if len(tenants) > MAX_TENANTS:  # keep the most recent tenants' windows
        ranked = sorted(tenants.items(), key=lambda kv: max(w.epoch for w in kv[1]))
        tenants = dict(ranked[-MAX_TENANTS:])
    first = sketch.first_seen if sketch is not None and sketch.first_seen else now
    return PopulationSketch(last_seen=now, tenants=tenants, first_seen=first)


def seen_from(sketch: PopulationSketch | None, bit: int | None, now: float) -> bool:
    """Was the fingerprint seen from this network (its bit) in the window already?"""
    if sketch is None or bit is None:
        return False
    epoch = int(now // EPOCH)
    return any(w.prefixes[bit // 8] >> (bit % 8) & 1
               for ws in sketch.tenants.values() for w in ws if w.epoch >= epoch - 1)  # fmt: skip


def counts(sketch: PopulationSketch, now: float, burst: int = 0) -> tuple[float, float]:
    """(distinct prefixes, sessions a day) in the window, over every tenant. `burst`: the
    sessions the linked device itself made in the last day, left out of the rate when this
    session comes from a network the fingerprint was seen on (a burst of applications is one
    device applying often, not a crowd; a crowd keeps its rate day after day, and comes
    from ever new networks)."""
    epoch = int(now // EPOCH)
    union = 0
    visits = 0
    for windows in sketch.tenants.values():
        for w in windows:
            if w.epoch >= epoch - 1:
                union |= int.from_bytes(w.prefixes, "big")
                visits += w.visits
    zeros = BITS - union.bit_count()
    distinct = BITS * math.log(BITS / max(zeros, 0.5))  # linear counting
    since = max(sketch.first_seen or now, (epoch - 1) * EPOCH)
    return distinct, max(0, visits - burst) * 86_400.0 / max(now - since, MIN_SPAN)


def remembered(
    profile: DeviceProfile | None, distinct: float, visits: float, now: float
) -> tuple[float, float]:
    """The crowd evidence to judge a link by: now, or the profile's decayed memory."""
    if profile is None:
        return distinct, visits
    fade = 0.5 ** (max(0.0, now - profile.crowd_at) / HALF_LIFE)
    return max(distinct, profile.crowd_prefixes * fade), max(visits, profile.crowd_visits * fade)


def crowd(
    distinct: float,
    visits: float,
    per_device_prefixes: float,
    per_device_visits: float,
    prior: float | None = None,
) -> float:
    """How many devices the evidence suggests show this fingerprint (at least 1).
    `prior`: the devices the population prior expects to show it (None: unknown, as for app
    installs)."""
    return max(1.0, distinct / per_device_prefixes, visits / per_device_visits, prior or 1.0)


def counted(sketch: PopulationSketch | None, tenant: str, now: float) -> PopulationSketch:
    """A tenant's device counter with one more device seen in this epoch (the counter keeps
    POPULATION_EPOCHS epochs: a returning device competes with every device still linkable,
    not only those of the crowd window)."""
    epoch = int(now // EPOCH)
    kept = [w for w in (sketch.tenants.get(tenant, []) if sketch else [])
            if w.epoch > epoch - POPULATION_EPOCHS]  # fmt: skip
    current = next((w for w in kept if w.epoch == epoch), None)
    fresh = CrowdWindow(epoch, (current.visits if current else 0) + 1, b"")
    windows = [*(w for w in kept if w.epoch != epoch), fresh]
    first = sketch.first_seen if sketch is not None and sketch.first_seen else now
    return PopulationSketch(last_seen=now, tenants={tenant: windows}, first_seen=first)


def devices(sketch: PopulationSketch | None, tenant: str, now: float) -> float:
    """The devices a tenant saw in the last POPULATION_EPOCHS epochs, from its counter (the
    devices first seen there in each epoch: one seen in several epochs counts in each, so
    this overstates a population of regulars, by at most their visits in the span)."""
    if sketch is None:
        return 0.0
    epoch = int(now // EPOCH)
    windows = sketch.tenants.get(tenant, ())
    return float(sum(w.visits for w in windows if w.epoch > epoch - POPULATION_EPOCHS))


def population_key(tenant: str) -> bytes:
    """The key of a tenant's device counter (a sketch record, swept like the others)."""
    return b"k:n:" + tenant.encode()
