"""Device-ID accuracy against the truth, from the list of observations in visit order: the
figures issue 7 names (continuity, tracking days, false merges, over-confident look-alike
merges) and where they come from (per event, channel and device class). Pure functions of
the observations, so a handcrafted list checks them; `users` and `calibration` do the same
for the user ID and for device_confidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any, NamedTuple

from .catalogue import DAY
from .events import EVENT_KINDS, NETWORK_KINDS

LOOKALIKE_CLASSES = ("fleet", "iphones", "lookalike")
CLASSES = ("unique", *LOOKALIKE_CLASSES)
OVERCONFIDENT = 0.5


class Observation(NamedTuple):
    """One visit: the truth beside the answer (the service's, or the exact hash's)."""

    true_device: int  # a browser instance or an app install
    device_id: str
    confidence: float = 0.0
    events: tuple[str, ...] = ()  # since the device's previous visit; () at its first
    channel: str = "web"
    at: float = 0.0  # seconds
    user_id: str = ""
    machine: int | None = None  # None: a machine of its own
    person: int | None = None  # None: a person of their own
    group: str = "unique"  # unique, fleet, iphones, lookalike

    @property
    def machine_key(self) -> int | str:
        return self.machine if self.machine is not None else f"d{self.true_device}"

    @property
    def person_key(self) -> int | str:
        return self.person if self.person is not None else f"m{self.machine_key}"


def rate(hit: int, n: int) -> float | None:
    return round(hit / n, 4) if n else None


def mean(xs: Sequence[float]) -> float | None:
    return round(sum(xs) / len(xs), 2) if xs else None


def owners(obs: Iterable[Observation]) -> dict[str, int]:
    """Each ID's owner: the first true device it was given to."""
    out: dict[str, int] = {}
    for o in obs:
        out.setdefault(o.device_id, o.true_device)
    return out


def continuity(obs: Sequence[Observation]) -> dict[str, Any]:
    """Continuity: among returning visits (the device was seen before), the share whose
    device_id is the one its previous visit got. Per event kind: visits with that event
    since the previous visit (`alone`: with no other change; network conditions aside);
    per channel and per device class."""
    last: dict[int, str] = {}
    n = kept = 0
    with_event: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    alone: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by: dict[str, dict[str, list[int]]] = {"channel": defaultdict(lambda: [0, 0])}
    by["class"] = defaultdict(lambda: [0, 0])
    for o in obs:
        if o.true_device in last:
            ok = int(o.device_id == last[o.true_device])
            n, kept = n + 1, kept + ok
            for key, value in (("channel", o.channel), ("class", o.group)):
                by[key][value][0] += 1
                by[key][value][1] += ok
            changes = [e for e in o.events if e not in NETWORK_KINDS] or ["none"]
            for e in set(o.events) | set(changes):
                with_event[e][0] += 1
                with_event[e][1] += ok
                if changes == [e] or (e in NETWORK_KINDS and changes == ["none"]):
                    alone[e][0] += 1
                    alone[e][1] += ok
        last[o.true_device] = o.device_id
    return {
        "returning_visits": n,
        "kept": kept,
        "continuity": rate(kept, n),
        "by_event": {
            e: {
                "n": with_event[e][0],
                "continuity": rate(with_event[e][1], with_event[e][0]),
                "n_alone": alone[e][0],
                "continuity_alone": rate(alone[e][1], alone[e][0]),
            }
            for e in EVENT_KINDS
            if e in with_event
        },
        **{
            f"by_{key}": {k: {"n": a, "continuity": rate(b, a)} for k, (a, b) in sorted(v.items())}
            for key, v in by.items()
        },
    }


def tracking(obs: Sequence[Observation]) -> dict[str, Any]:
    """Tracking days, FP-STALKER-style. A device's visits, in time order, fall into runs of
    consecutive visits that got one device_id; a run's length is the time from its first
    visit to its last, and the device's tracking days are its longest run. The mean is over
    devices seen at least twice; `ceiling` is what a perfect linker would get (the mean time
    from a device's first visit to its last). `days_to_first_change`: from a device's first
    visit to the first visit whose id differs from the previous one's (the last visit when it
    never changed)."""
    visits: dict[int, list[Observation]] = defaultdict(list)
    for o in obs:
        visits[o.true_device].append(o)
    best, span, first_change = [], [], []
    for seq in visits.values():
        if len(seq) < 2:
            continue
        seq = sorted(seq, key=lambda o: o.at)
        longest, start, change = 0.0, seq[0].at, None
        for prev, o in pairwise(seq):
            if o.device_id != prev.device_id:
                longest = max(longest, prev.at - start)
                start = o.at
                change = o.at if change is None else change
        longest = max(longest, seq[-1].at - start)
        best.append(longest / DAY)
        span.append((seq[-1].at - seq[0].at) / DAY)
        first_change.append(((change or seq[-1].at) - seq[0].at) / DAY)
    return {
        "devices": len(best),
        "mean_tracking_days": mean(best),
        "ceiling_days": mean(span),
        "tracked_whole_span": rate(sum(b >= s for b, s in zip(best, span, strict=True)), len(best)),
        "mean_days_to_first_change": mean(first_change),
    }


def merges(obs: Sequence[Observation]) -> dict[str, Any]:
    """False merges among distinct devices: the share of true devices that ever shared a
    device_id with another true device (both count), overall and per class;
    `same_machine_only` of them shared only with another browser of their own machine.
    `merged_pairs_across_machines` counts the pairs of devices of two machines that shared
    an id, by their classes. Also the share of visits given an id another device owns, ids
    per device and devices per id."""
    holders: dict[str, set[int]] = defaultdict(set)
    ids: dict[int, set[str]] = defaultdict(set)
    machine: dict[int, int | str] = {}
    group: dict[int, str] = {}
    for o in obs:
        holders[o.device_id].add(o.true_device)
        ids[o.true_device].add(o.device_id)
        machine[o.true_device], group[o.true_device] = o.machine_key, o.group
    merged, cross = set(), set()
    pairs: set[tuple[int, int]] = set()
    for d, own in ids.items():
        others = {x for i in own for x in holders[i]} - {d}
        if others:
            merged.add(d)
            strangers = {x for x in others if machine[x] != machine[d]}
            cross |= {d} if strangers else set()
            pairs |= {(min(d, x), max(d, x)) for x in strangers}
    kinds: dict[str, int] = defaultdict(int)
    for a, b in pairs:
        ga, gb = sorted((group[a], group[b]), key=lambda g: (*CLASSES, g).index(g))
        kinds[f"{ga}+{gb}"] += 1
    owner = owners(obs)
    foreign = sum(1 for o in obs if owner[o.device_id] != o.true_device)
    groups = sorted(set(group.values()), key=lambda g: (*CLASSES, g).index(g))
    return {
        "devices": len(ids),
        "merged_devices": len(merged),
        "false_merge_rate": rate(len(merged), len(ids)),
        "same_machine_only": len(merged - cross),
        "by_class": {
            g: {
                "devices": (n := sum(1 for d in ids if group[d] == g)),
                "merged": (k := sum(1 for d in merged if group[d] == g)),
                "rate": rate(k, n),
                "merged_across_machines": sum(1 for d in cross if group[d] == g),
            }
            for g in groups
        },
        "merged_pairs_across_machines": dict(sorted(kinds.items(), key=lambda kv: -kv[1])),
        "foreign_id_visits": foreign,
        "foreign_id_visit_rate": rate(foreign, len(obs)),
        "device_ids": len(holders),
        "ids_per_device": rate(sum(len(s) for s in ids.values()), len(ids)),
        "devices_per_id": rate(sum(len(s) for s in holders.values()), len(holders)),
    }


def lookalike_merges(
    obs: Sequence[Observation], threshold: float = OVERCONFIDENT
) -> dict[str, Any]:
    """Over-confident look-alike merges: visits of a look-alike (fleet, identical iPhones,
    incidental look-alikes) given an id another look-alike owns, with device_confidence
    >= `threshold`: their count, beside all such merged visits and all look-alike visits."""
    own = owners(obs)
    group = {o.true_device: o.group for o in obs}
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for o in obs:
        if o.group not in LOOKALIKE_CLASSES:
            continue
        row = out[o.group]
        row[0] += 1
        owner = own[o.device_id]
        if owner != o.true_device and group[owner] in LOOKALIKE_CLASSES:
            row[1] += 1
            row[2] += o.confidence >= threshold
    total = [sum(r[i] for r in out.values()) for i in range(3)]
    return {
        "threshold": threshold,
        "visits": total[0],
        "merged_visits": total[1],
        "overconfident": total[2],
        "by_class": {
            g: {"visits": r[0], "merged_visits": r[1], "overconfident": r[2]}
            for g, r in sorted(out.items(), key=lambda kv: CLASSES.index(kv[0]))
        },
    }


def device_metrics(obs: Sequence[Observation]) -> dict[str, Any]:
    return {
        "visits": len(obs),
        "devices": len({o.true_device for o in obs}),
        "continuity": continuity(obs),
        "tracking": tracking(obs),
        "merges": merges(obs),
        "lookalike_merges": lookalike_merges(obs),
    }
