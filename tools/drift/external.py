"""A world we did not write, through the real linker: replay a JSON Lines file of visits with
ground truth (from an independent population generator) through `engine.devices.Registry`
on a fresh RocksDB directory, every tenant as the service would see it, and measure it with
the drift tool's own figures.

    python -m tools.drift.external VISITS.jsonl [--json FILE] [--plot FILE]

One object per line, in time order (sorted here anyway), with the keys
`t` (unix seconds), `tenant`, `device` (the physical machine), `person`, `browser` (the
browser install or app install: what a device ID should follow), `ip`, `headers`, `channel`,
`attributes` (the payload of /v1/collect) and `events` (the drift since the install's
previous visit). Unknown keys are ignored; nothing of the file's generator is imported.

The visit's device ID is the registry's internal key (one across tenants: the linker is
measured, not the per-tenant public IDs). A device is a *look-alike* when, at its first
visit, it shows exactly what another device shows, locale and network aside (the drift
tool's definition); the rest are *unique*. Continuity per event uses the file's own event
names.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from engine.devices import Registry
from engine.privacy.secrets import derive_keys
from engine.schema import Attributes, Events
from engine.store import RocksStore, WriteSet
from engine.store.keys import State, encode, events_key, record_event

from .calibration import plot
from .metrics import Observation, rate
from .run import measure

NOISE = frozenset({"battery_level", "battery_charging", "storage_free_mb", "device_id_hash"})
LOCALE = frozenset({"timezone", "timezone_offset_min", "languages"})


def load(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows.sort(key=lambda r: float(r["t"]))
    return rows


def export(visits: Iterable[Any], path: Path, tenant: str = "demo") -> int:
    """Write the drift tool's own visits (`events.Visit`) in this format: a check that the
    replay of a file gives the figures of `replay.replay`, and a world for other linkers."""
    n = 0
    with path.open("w") as f:
        for v in visits:
            row = {
                "t": v.at, "tenant": tenant, "device": f"m{v.machine}", "person": f"p{v.person}",
                "browser": f"d{v.device}", "ip": v.headers.get("X-Forwarded-For"),
                "headers": v.headers, "channel": v.channel, "attributes": v.attributes,
                "events": list(v.events),
            }  # fmt: skip
            f.write(json.dumps(row) + "\n")
            n += 1
    return n


def prefix(ip: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) the service keeps of an address."""
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    bits = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


def appearance(row: dict[str, Any]) -> str:
    """What a visit shows, locale, network and per-session noise aside."""
    attrs = row.get("attributes") or {}
    device = {k: v for k, v in (attrs.get("device") or {}).items() if k not in NOISE}
    software = {k: v for k, v in (attrs.get("software") or {}).items() if k not in LOCALE}
    return json.dumps([row.get("channel"), device, software], sort_keys=True, default=str)


def first_looks(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """What each install shows at its first visit."""
    first: dict[str, str] = {}
    for r in rows:
        first.setdefault(str(r["browser"]), appearance(r))
    return first


def classes(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """unique, or lookalike: the first visit of the install shows what another's shows."""
    first = first_looks(rows)
    count = Counter(first.values())
    return {b: "lookalike" if count[a] > 1 else "unique" for b, a in first.items()}


def replay(rows: Sequence[dict[str, Any]], data_dir: Path) -> list[Observation]:
    """Every visit through one registry (every tenant), the answers beside the truth."""
    store = RocksStore(data_dir)
    try:
        reg = Registry(State(store), derive_keys(b"\x07" * 32))
        group = classes(rows)
        out: list[Observation] = []
        for i, r in enumerate(rows):
            at, tenant, channel = float(r["t"]), str(r["tenant"]), str(r["channel"])
            attrs = msgspec.convert(r["attributes"], Attributes)
            s = reg.sight(attrs, channel, at, prefix(r.get("ip")))
            link = reg.link(s, tenant, at)
            w = WriteSet()
            profile = reg.record(w, s, link, tenant, at, user_agent=attrs.software.user_agent)
            events = reg.state.events("d", link.dkey) if link.profile is not None else Events()
            w.put(events_key("d", link.dkey), encode(record_event(events, at)))
            store.apply(w)
            browser = str(r["browser"])
            out.append(
                Observation(_int(browser), link.dkey, link.confidence, tuple(r.get("events") or ()),
                            channel, at, reg.user_id(tenant, link, profile, f"v{i}"),
                            _int(str(r["device"])), _int(str(r["person"])), group[browser])
            )  # fmt: skip
        return out
    finally:
        store.close()


_IDS: dict[str, int] = {}


def _int(name: str) -> int:
    """A stable small integer for a truth identifier (the figures key on ints)."""
    return _IDS.setdefault(name, len(_IDS))


def by_event(obs: Iterable[Observation]) -> dict[str, dict[str, Any]]:
    """Continuity per the file's own event names (a returning visit keeps the previous ID)."""
    last: dict[int, str] = {}
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in obs:
        if o.true_device in last:
            for e in o.events or ("none",):
                rows[e][0] += 1
                rows[e][1] += o.device_id == last[o.true_device]
        last[o.true_device] = o.device_id
    return {e: {"n": n, "continuity": rate(k, n)} for e, (n, k) in sorted(rows.items())}


def confident_foreign(
    obs: Sequence[Observation], looks: dict[int, str] | None = None, threshold: float = 0.5
) -> dict[str, Any]:
    """Devices at some visit given, with confidence >= threshold, an ID first given to a
    device that differs in some stable attribute (`looks`: what each device shows, locale
    and network aside; without it, any other device): the issue's confident false merges."""
    owner: dict[str, int] = {}
    hit: set[int] = set()
    for o in obs:
        own = owner.setdefault(o.device_id, o.true_device)
        differs = looks is None or looks.get(own) != looks.get(o.true_device)
        if own != o.true_device and o.confidence >= threshold and differs:
            hit.add(o.true_device)
    devices = len({o.true_device for o in obs})
    return {"devices": devices, "merged_confidently": len(hit), "rate": rate(len(hit), devices)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.drift.external", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("visits", type=Path)
    p.add_argument("--json", type=Path, help="also write every figure here")
    p.add_argument("--plot", type=Path, help="the reliability diagram (PNG)")
    args = p.parse_args(argv)
    rows = load(args.visits)
    with tempfile.TemporaryDirectory(prefix="anonscore-external-") as tmp:
        obs = replay(rows, Path(tmp))
    looks = {_int(b): a for b, a in first_looks(rows).items()}
    figures = {**measure(obs), "by_file_event": by_event(obs),
               "confident_false_merges": confident_foreign(obs, looks)}  # fmt: skip
    print(summary(figures, args.visits.name))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))
    if args.plot:
        title = f"device_confidence, {args.visits.name}"
        plot({"linker": figures["reliability"]}, args.plot, title)
    return 0


def summary(m: dict[str, Any], name: str) -> str:
    """The headline figures as text."""
    c, t, rel, u = m["continuity"], m["tracking"], m["reliability"], m["users"]
    lines = [
        f"{name}: {m['visits']} visits, {m['devices']} devices",
        f"continuity {c['continuity']}  tracking days {t['mean_tracking_days']} "
        f"(ceiling {t['ceiling_days']})",
        f"confident false merges (devices) {m['confident_false_merges']['rate']} "
        f"({m['confident_false_merges']['merged_confidently']})",
        f"false merges (any confidence) {m['merges']['false_merge_rate']}; over-confident "
        f"look-alike merges {m['lookalike_merges']['overconfident']} of "
        f"{m['lookalike_merges']['merged_visits']} merged look-alike visits",
        f"Brier {rel['brier']}  ECE {rel['ece']}  links {rel['links']}",
        f"cross-browser user links {u['cross_browser_link_rate']} "
        f"({u['linked_pairs']}/{u['same_machine_pairs']}); people sharing a user ID with "
        f"another person {u['people_linked_to_another']}",
        "continuity by event: "
        + ", ".join(f"{e} {v['continuity']} (n={v['n']})" for e, v in m["by_file_event"].items()),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
