"""Pairs of visits with the truth, for fitting a device linker's weights (Fellegi-Sunter m and
u probabilities by EM, or any classifier) on one seed and reporting on another: the raw
payloads of both visits as the service receives them, and whether they are one device.

One JSON object per line:

    {"stratum": str, "weight": float, "same_device": bool, "same_machine": bool,
     "same_person": bool, "days_apart": float, "events_between": [str],
     "a": VISIT, "b": VISIT}                     # a before b
    VISIT = {"visit": int, "device": int, "machine": int, "person": int, "class": str,
             "channel": str, "at": RFC 3339, "attributes": {...}, "headers": {...}}

Strata (`weight` = pairs of the stratum in the run / pairs written, to undo the sampling):

- same_device_next: every two consecutive visits of a device (what a linker compares most);
- same_device_far: per device, one random pair of non-consecutive visits;
- same_machine: two browsers of one machine (one pair of visits per pair of browsers and
  month), different devices but one machine and person;
- lookalike: two devices of one look-alike set (the fleet, the identical iPhones, devices
  that show the same thing), oversampled: the hard negatives;
- different: two visits of two different devices of one channel family (web, app), drawn
  uniformly, as many as same_device_next: the u-probabilities' population.

`events_between` is the union of the events of b's device after a up to b (same device).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import combinations, pairwise
from pathlib import Path
from random import Random
from typing import Any

from .events import Visit


def _visit(i: int, v: Visit, cls: str) -> dict[str, Any]:
    return {
        "visit": i,
        "device": v.device,
        "machine": v.machine,
        "person": v.person,
        "class": cls,
        "channel": v.channel,
        "at": dt.datetime.fromtimestamp(v.at, dt.UTC).isoformat(timespec="seconds"),
        "attributes": v.attributes,
        "headers": v.headers,
    }


def sample_pairs(
    visits: Sequence[Visit],
    classes: Mapping[int, str],
    looks: Mapping[int, str],
    seed: int,
    lookalike: int = 3000,
) -> list[tuple[str, float, int, int]]:
    """(stratum, weight, index of a, index of b) of the sampled pairs, a before b."""
    rng = Random(f"{seed}/pairs")
    by_device: dict[int, list[int]] = defaultdict(list)
    for i, v in enumerate(visits):
        by_device[v.device].append(i)
    out: list[tuple[str, float, int, int]] = []
    for seq in by_device.values():
        out += [("same_device_next", 1.0, a, b) for a, b in pairwise(seq)]
    far = [s for s in by_device.values() if len(s) > 2]
    population = sum(len(s) * (len(s) - 1) // 2 - (len(s) - 1) for s in far)
    for seq in far:
        a, b = sorted(rng.sample(range(len(seq)), 2))
        while b == a + 1:
            a, b = sorted(rng.sample(range(len(seq)), 2))
        out.append(("same_device_far", population / len(far), seq[a], seq[b]))

    machines: dict[int, set[int]] = defaultdict(set)
    for v in visits:
        if v.channel == "web":
            machines[v.machine].add(v.device)
    sib = []
    for devices in machines.values():
        for x, y in combinations(sorted(devices), 2):
            months: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for a in by_device[x]:
                for b in by_device[y]:
                    months[int(visits[a].at // (30 * 86400))].append((min(a, b), max(a, b)))
            sib += [(rng.choice(p), len(by_device[x]) * len(by_device[y]) / len(months))
                    for p in months.values()]  # fmt: skip
    out += [("same_machine", w, a, b) for (a, b), w in sib]

    sets: dict[str, list[int]] = defaultdict(list)
    for d in by_device:
        key = classes.get(d, "unique")
        if key in ("fleet", "iphones"):
            sets[key].append(d)
        elif key == "lookalike":
            sets[looks[d]].append(d)
    candidates = [(x, y) for s in sets.values() for x, y in combinations(sorted(s), 2)]
    sizes = [len(by_device[x]) * len(by_device[y]) for x, y in candidates]
    population = sum(sizes)
    if population <= lookalike:  # all of them
        out += [("lookalike", 1.0, min(a, b), max(a, b)) for x, y in candidates
                for a in by_device[x] for b in by_device[y]]  # fmt: skip
    else:
        for x, y in rng.choices(candidates, sizes, k=lookalike):
            a, b = rng.choice(by_device[x]), rng.choice(by_device[y])
            out.append(("lookalike", population / lookalike, min(a, b), max(a, b)))

    families: dict[bool, list[int]] = defaultdict(list)
    for i, v in enumerate(visits):
        families[v.channel == "web"].append(i)
    total = sum(len(f) * (len(f) - 1) // 2 for f in families.values())
    want = sum(1 for s in out if s[0] == "same_device_next")
    weights = [len(f) * (len(f) - 1) // 2 for f in families.values()]
    written = 0
    while written < want and total:
        fam = rng.choices(list(families.values()), weights)[0]
        a, b = sorted(rng.sample(fam, 2))
        if visits[a].device != visits[b].device:
            out.append(("different", 0.0, a, b))
            written += 1
    return [(s, w if s != "different" else total / max(1, written), a, b) for s, w, a, b in out]


def export_pairs(
    path: Path,
    visits: Sequence[Visit],
    classes: Mapping[int, str],
    looks: Mapping[int, str],
    seed: int,
) -> dict[str, int]:
    """Write the sampled pairs to `path` (JSONL); return how many per stratum."""
    events: dict[int, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
    for i, v in enumerate(visits):
        events[v.device].append((i, v.events))
    counts: dict[str, int] = defaultdict(int)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        for stratum, weight, a, b in sample_pairs(visits, classes, looks, seed):
            va, vb = visits[a], visits[b]
            same = va.device == vb.device
            between = sorted({e for i, ev in events[vb.device] if a < i <= b for e in ev})
            row = {
                "stratum": stratum,
                "weight": round(weight, 3),
                "same_device": same,
                "same_machine": va.machine == vb.machine,
                "same_person": va.person == vb.person,
                "days_apart": round((vb.at - va.at) / 86400, 2),
                "events_between": between if same else [],
                "a": _visit(a, va, classes.get(va.device, "unique")),
                "b": _visit(b, vb, classes.get(vb.device, "unique")),
            }
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
            counts[stratum] += 1
    return dict(counts)
