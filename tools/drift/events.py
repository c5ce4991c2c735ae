"""Drift between two sessions of a device (`Rates`, `drift`), and the plan of every
session of every device in time order (`plan`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from random import Random
from typing import Any, NamedTuple

from .catalogue import COUNTRIES, DAY, EXTRA_LANGUAGES, OS_VERSIONS, SAFARI, SINGLE_FONTS, T0
from .device import SimDevice, drivers, h, new_ip


@dataclass
class Rates:
    """Probability of each drift event between two sessions of a device."""

    browser_update: float = 0.15  # UA version; canvas when the release changed rendering
    os_update: float = 0.05  # audio (and canvas) sometimes; iOS UA; SDK os_version, build
    font_installed: float = 0.04
    external_monitor: float = 0.08  # laptops dock and undock; desktops change resolution
    zoom: float = 0.05  # pixel_ratio
    timezone_travel: float = 0.04  # there or back: timezone, offset, IP
    language_added: float = 0.02
    gpu_driver_update: float = 0.04  # Windows and Linux: renderer string and canvas
    app_update: float = 0.15  # SDK app_version
    memory_reported: float = 0.01  # device_memory differs this session
    incognito: float = 0.05  # this session: fewer fonts, no plugins
    app_reinstall: float = 0.02  # SDK: a new device_id_hash, same hardware
    ip_change: float = 0.3


EVENTS = tuple(f.name for f in fields(Rates))
TRANSIENT = ("incognito", "memory_reported")  # last one session; the next one reverts them
ALL_EVENTS = (*EVENTS, *(f"{name}_ended" for name in TRANSIENT))


def drift(d: SimDevice, rng: Random, rates: Rates) -> list[str]:
    """Apply the drift events that happen before `d`'s next session; return their names.
    Events that cannot apply to the device (a GPU driver on an iPhone) do not happen."""
    out = [f"{name}_ended" for name in sorted(d.transient)]  # back to normal
    d.transient.clear()
    web = d.channel == "web"
    desktop = d.model.kind in ("win_desktop", "win_laptop", "mac", "linux")
    for name in EVENTS:
        if rng.random() >= getattr(rates, name):
            continue
        if name == "browser_update" and web and d.model.kind not in ("iphone", "ipad"):
            if d.browser == "safari" and d.version + 1 >= len(SAFARI):
                continue
            d.version += 1
        elif name == "os_update" and d.os_index + 1 < len(OS_VERSIONS[d.os]):
            d.os_index += 1
        elif name == "font_installed" and web and desktop:
            d.fonts |= {f"user:{rng.choice(SINGLE_FONTS)}:{rng.random():.6f}"}
        elif name == "external_monitor" and web and desktop:
            d.docked = not d.docked
        elif name == "zoom" and web and desktop:
            d.zoom = 1.0 if d.zoom != 1.0 else rng.choice((0.9, 1.1, 1.25, 1.5))
        elif name == "timezone_travel":
            others = [i for i in range(len(COUNTRIES)) if i != d.country]
            d.away = None if d.away is not None else rng.choice(others)
            d.ip = new_ip(rng, d.country if d.away is None else d.away)
        elif name == "language_added":
            d.languages = [*d.languages, rng.choice(
                [x for x in EXTRA_LANGUAGES if x not in d.languages]
            )]  # fmt: skip
        elif name == "gpu_driver_update" and web and d.driver + 1 < len(drivers(d.model)):
            d.driver += 1
        elif name == "app_update" and not web:
            d.version += 1
        elif name == "memory_reported" and web and d.browser in ("chrome", "edge", "samsung"):
            d.transient.add("memory_reported")
        elif name == "incognito" and web and desktop:
            d.transient.add("incognito")
        elif name == "app_reinstall" and not web:
            d.install = h("install", d.seed, d.id, rng.random(), n=16)
        elif name == "ip_change":
            d.ip = new_ip(rng, d.country if d.away is None else d.away)
        else:
            continue
        out.append(name)
    if not web:  # every session: battery (in the payload) and free storage move
        free = d.storage_free_mb + rng.randint(-900, 600)
        d.storage_free_mb = max(500, min(d.storage_total_mb, free))
    return out


class Visit(NamedTuple):
    at: float
    device: int
    channel: str
    events: tuple[str, ...]
    attributes: dict[str, Any]
    headers: dict[str, str]


def plan(
    devices: Sequence[SimDevice], sessions: int, seed: int, days: float, rates: Rates
) -> list[Visit]:
    """Every session of every device at random times over `days`, drift applied in each
    device's own order, sorted by time (devices interleave)."""
    rng = Random(seed + 1)
    visits = []
    for d in devices:
        times = sorted(T0 + rng.uniform(0, days * DAY) for _ in range(sessions))
        for k, t in enumerate(times):
            events = tuple(drift(d, rng, rates)) if k else ()
            visits.append(Visit(t, d.id, d.channel, events, d.payload(rng, t), d.headers()))
    visits.sort(key=lambda v: v.at)
    return visits
