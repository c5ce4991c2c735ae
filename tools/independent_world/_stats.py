"""`stats FILE`: what a written world holds, counted from the file alone.

Why: the README's figures must come from a command anyone can rerun, and whoever uses the
world as a black box should see its crowds, drift and fraud without reading the generator.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

_FINGERPRINT = (
    "user_agent", "screen_width", "screen_height", "pixel_ratio", "canvas_hash", "audio_hash",
    "fonts_hash", "webgl_renderer", "model", "build_fingerprint", "hardware_concurrency",
)  # fmt: skip


def fingerprint(visit: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies the device in a visit, leaving out where it is (address, zone)."""
    device, software = visit["attributes"]["device"], visit["attributes"]["software"]
    seen = {**device, **software}
    return (visit["channel"], *(str(seen.get(k)) for k in _FINGERPRINT))


def summary(path: Path) -> dict[str, Any]:
    visits = [json.loads(line) for line in path.read_text().splitlines()]
    crowds: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for visit in visits:
        crowds[fingerprint(visit)].add(visit["device"])
    largest: dict[str, int] = {}
    for devices in crowds.values():
        for device in devices:
            largest[device] = max(largest.get(device, 0), len(devices))
    per_device = Counter(v["device"] for v in visits)
    owners: dict[str, set[str]] = defaultdict(set)
    for visit in visits:
        owners[visit["person"]].add(visit["device"])
    fraud = [v for v in visits if v["label"] == "fraud"]
    bands = ((1, 1), (2, 4), (5, 9), (10, 10**9))
    return {
        "visits": len(visits),
        "devices": len(per_device),
        "persons": len(owners),
        "browser_installs": len({v["browser"] for v in visits}),
        "days": round((visits[-1]["t"] - visits[0]["t"]) / 86_400, 1) if visits else 0,
        "channels": dict(Counter(v["channel"] for v in visits)),
        "tenants": dict(Counter(v["tenant"] for v in visits)),
        "labels": dict(Counter(v["label"] for v in visits)),
        "fraud_visits_of_farms": sum(v["person"].startswith("farm") for v in fraud),
        "events": dict(Counter(e for v in visits for e in v["events"]).most_common()),
        "visits_per_device_mean": round(len(visits) / max(1, len(per_device)), 2),
        "devices_per_person": dict(
            sorted(Counter(len(d) for p, d in owners.items() if not p.startswith("farm")).items())
        ),
        "devices_by_crowd_size": {
            f"{lo}-{hi}" if hi < 10**9 else f"{lo}+": sum(lo <= n <= hi for n in largest.values())
            for lo, hi in bands
        },
        "largest_crowds": sorted((len(d) for d in crowds.values()), reverse=True)[:5],
        "ipv6_share": round(sum(":" in v["ip"] for v in visits) / max(1, len(visits)), 3),
    }


def main(path: Path) -> int:
    print(json.dumps(summary(path), indent=2))
    return 0
