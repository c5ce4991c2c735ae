"""Accuracy of the returned device IDs against the truth: recall, false merges,
fragmentation and purity, per drift event, channel and device class."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .events import ALL_EVENTS


class Observation(NamedTuple):
    true_device: int
    device_id: str
    confidence: float = 0.0
    events: tuple[str, ...] = ()
    channel: str = "web"


def _rate(hit: int, n: int) -> float | None:
    return round(hit / n, 4) if n else None


def _mean(xs: Sequence[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def compute_metrics(
    obs: Sequence[Observation], device_class: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """Accuracy of the returned device IDs against the truth, in session order.

    - recall: among sessions of a device seen before, the share whose device_id is the one
      the device got most recently;
    - a false merge: a session whose device_id was first given to a different true device
      (its owner); `merged_devices` counts the true devices that got another's id;
    - fragmentation: distinct ids per true device; purity: true devices per id;
    - outcome per session: linked, new_first (first session, fresh id), new_split (seen
      device, fresh id), relinked_older (one of its older ids), false_merge (first)."""
    device_class = device_class or {}
    last: dict[int, str] = {}
    owner: dict[str, int] = {}
    holders: dict[str, set[int]] = defaultdict(set)
    ids_of: dict[int, set[str]] = defaultdict(set)
    returning = linked = false = 0
    merged: set[int] = set()
    with_event: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    alone: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_channel: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    conf: dict[str, list[float]] = defaultdict(list)
    cls_sessions: Counter[str] = Counter()
    cls_false: Counter[str] = Counter()
    for o in obs:
        t, rid = o.true_device, o.device_id
        is_false = owner.get(rid, t) != t
        if is_false:
            false += 1
            merged.add(t)
        cls = device_class.get(t, "unique")
        cls_sessions[cls] += 1
        cls_false[cls] += is_false
        if t in last:
            returning += 1
            ok = rid == last[t]
            linked += ok
            by_channel[o.channel][0] += 1
            by_channel[o.channel][1] += ok
            for e in o.events or ("none",):
                with_event[e][0] += 1
                with_event[e][1] += ok
            if len(o.events) <= 1:
                key = o.events[0] if o.events else "none"
                alone[key][0] += 1
                alone[key][1] += ok
            outcome = (
                "false_merge"
                if is_false
                else "linked"
                if ok
                else "new_split"
                if rid not in owner
                else "relinked_older"
            )
        else:
            outcome = "false_merge" if is_false else "new_first"
        conf[outcome].append(o.confidence)
        last[t] = rid
        owner.setdefault(rid, t)
        holders[rid].add(t)
        ids_of[t].add(rid)
    devices = len(ids_of)
    cls_devices = Counter(device_class.get(t, "unique") for t in ids_of)
    cls_merged = Counter(device_class.get(t, "unique") for t in merged)
    return {
        "sessions": len(obs),
        "devices": devices,
        "device_ids": len(holders),
        "returning_sessions": returning,
        "recall": _rate(linked, returning),
        "linked_sessions": linked,
        "false_merge_sessions": false,
        "false_merge_rate": _rate(false, len(obs)),
        "merged_devices": len(merged),
        "ids_per_device": _rate(sum(len(s) for s in ids_of.values()), devices),
        "devices_per_id": _rate(sum(len(s) for s in holders.values()), len(holders)),
        "recall_by_channel": {
            k: {"n": n, "recall": _rate(ok, n)} for k, (n, ok) in sorted(by_channel.items())
        },
        "recall_by_event": {
            e: {
                "n": with_event[e][0],
                "recall": _rate(with_event[e][1], with_event[e][0]),
                "n_alone": alone[e][0],
                "recall_alone": _rate(alone[e][1], alone[e][0]),
            }
            for e in ("none", *ALL_EVENTS)
            if e in with_event
        },
        "false_merges_by_class": {
            c: {
                "devices": cls_devices[c],
                "sessions": cls_sessions[c],
                "false_merge_sessions": cls_false[c],
                "false_merge_rate": _rate(cls_false[c], cls_sessions[c]),
                "merged_devices": cls_merged[c],
            }
            for c in ("twin", "lookalike", "unique")
            if cls_devices[c]
        },
        "confidence": {
            k: {"n": len(conf[k]), "mean": _mean(conf[k])}
            for k in ("linked", "new_first", "new_split", "relinked_older", "false_merge")
            if conf[k]
        },
    }
