"""Drift over six months: when each device and install changes, and what it is at time t.

Why: a visit must show the device as it is on that day, and the ground truth must say
which drift happened since the device was last seen. Every drift is a list of change
times drawn once per device (Poisson processes at the documented rates, or the vendors'
release calendars with a per-install lag), so the state at any time is a pure function of
the time, and "what happened since the last visit" is "which change times fall between".
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from typing import Any

from tools.independent_world._catalog import (
    ANDROID_PATCH_EVERY_DAYS,
    DESKTOP_PATCH_EVERY_DAYS,
    IOS_RELEASE_DAYS,
    MONITORS,
    RELEASE_EVERY_DAYS,
    TRIP_DESTINATIONS,
    ZOOM_LEVELS,
)
from tools.independent_world._population import Device, Install, weighted

DAY = 86_400.0
# The majors current at the world's start (May 2026 in the data) and the day the next
# one ships; an install first seen older than current-1 is one that does not update.
CURRENT_MAJOR = {"blink": 147, "gecko": 150}
FIRST_RELEASE_DAY = {"blink": 12.0, "gecko": 19.0}


def _rate(default: float, text: str) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True, slots=True)
class Rates:
    """Drift rates (events per device or install per 30 days) and shares."""

    fonts_installed: float = _rate(0.12, "font installs per desktop or laptop per 30 days")
    trip_abroad: float = _rate(0.15, "week-long trips abroad per person per 30 days")
    docked_monitor: float = _rate(6.0, "docks or undocks per 30 days of a laptop that docks")
    docking_share: float = _rate(0.30, "share of laptops that get docked")
    zoom: float = _rate(0.25, "zoom changes per desktop browser install per 30 days")
    cookie_clear: float = _rate(0.5, "cookie clears per web install per 30 days")
    browser_switch_share: float = _rate(
        0.08, "share of Chromium desktop owners who move to Firefox for good"
    )
    rotating_share: float = _rate(0.35, "share of phones on carrier NAT (new address each visit)")
    relay_share: float = _rate(0.10, "share of iPhones (Safari) behind iCloud Private Relay")
    vpn_share: float = _rate(0.03, "share of home computers always behind a commercial VPN")


def poisson_times(rng: random.Random, rate_per_30d: float, start: float, end: float) -> list[float]:
    out: list[float] = []
    if rate_per_30d <= 0:
        return out
    t = start
    while True:
        t += rng.expovariate(rate_per_30d / (30 * DAY))
        if t >= end:
            return out
        out.append(t)


def count_between(times: list[float], after: float, upto: float) -> int:
    return bisect.bisect_right(times, upto) - bisect.bisect_right(times, after)


@dataclass(slots=True)
class Trip:
    start: float
    end: float
    country: str
    roaming: bool  # a phone on its home carrier abroad (else the hotel's or flat's Wi-Fi)
    address_seed: int


@dataclass(slots=True)
class InstallLine:
    zoom_times: list[float] = field(default_factory=list)
    zoom_levels: list[float] = field(default_factory=list)
    cookie_clears: list[float] = field(default_factory=list)


@dataclass(slots=True)
class DeviceLine:
    """Every change time of one device, and of each of its installs."""

    os_updates: list[float] = field(default_factory=list)
    font_times: list[float] = field(default_factory=list)
    font_added: list[tuple[str, ...]] = field(default_factory=list)
    docks: list[float] = field(default_factory=list)
    monitor: tuple[int, int, float] = (1920, 1080, 1.0)
    installs: dict[str, InstallLine] = field(default_factory=dict)


def release_times(engine: str, start: float, end: float) -> list[float]:
    every = RELEASE_EVERY_DAYS.get(engine)
    if every is None:
        return []
    out, t = [], start + FIRST_RELEASE_DAY[engine] * DAY
    while t < end:
        out.append(t)
        t += every * DAY
    return out


def browser_major(
    install: Install, engine: str, initial: int, t: float, start: float, end: float
) -> int:
    """The install's major at t: the data's major until the install takes the releases
    shipped since, each `lag_days` after its release."""
    current = CURRENT_MAJOR.get(engine)
    if current is None or install.frozen or initial < current - 1:
        return initial
    shipped = [r for r in release_times(engine, start, end) if r + install.lag_days * DAY <= t]
    caught_up = current if t - start >= install.lag_days * DAY else initial
    return max(initial, caught_up + len(shipped)) if shipped else max(initial, caught_up)


def os_update_times(device: Device, rng: random.Random, start: float, end: float) -> list[float]:
    """When the device took an OS point update: the vendor's calendar plus its own lag."""
    lag = rng.expovariate(1 / 6.0) * DAY
    days: list[float] = []
    if device.hw.os == "iOS":
        days = [float(d) for d in IOS_RELEASE_DAYS]
    else:
        every = ANDROID_PATCH_EVERY_DAYS if device.hw.os == "Android" else DESKTOP_PATCH_EVERY_DAYS
        d = rng.uniform(0, every)
        while d < (end - start) / DAY:
            days.append(d)
            d += every
    if rng.random() < 0.07:  # updates turned off
        return []
    return [start + d * DAY + lag for d in days if start + d * DAY + lag < end]


def draw_line(
    device: Device, rates: Rates, font_pool: list[str], rng: random.Random, start: float, end: float
) -> DeviceLine:
    line = DeviceLine(os_updates=os_update_times(device, rng, start, end))
    if device.hw.form != "phone":
        fonts = set(device.hw.fonts)
        for t in poisson_times(rng, rates.fonts_installed, start, end):
            fresh = [f for f in font_pool if f not in fonts]
            added = tuple(sorted(rng.sample(fresh, min(len(fresh), rng.randint(1, 3)))))
            if added:
                fonts.update(added)
                line.font_times.append(t)
                line.font_added.append(added)
    if device.hw.form == "laptop" and device.docking:
        line.docks = poisson_times(rng, rates.docked_monitor, start, end)
        w, h, dpr_other, dpr_mac, _ = weighted(rng, [(m, m[-1]) for m in MONITORS])
        line.monitor = (w, h, dpr_mac if device.hw.os == "macOS" else dpr_other)
    for install in device.installs:
        il = InstallLine()
        if install.kind == "web":
            il.cookie_clears = poisson_times(rng, rates.cookie_clear, start, end)
            if device.hw.form != "phone":
                level = 1.0
                for t in poisson_times(rng, rates.zoom, start, end):
                    level = weighted(rng, [(z, w) for z, w in ZOOM_LEVELS if z != level])
                    il.zoom_times.append(t)
                    il.zoom_levels.append(level)
        line.installs[install.id] = il
    return line


def draw_trips(rates: Rates, home: str, rng: random.Random, start: float, end: float) -> list[Trip]:
    trips: list[Trip] = []
    for t in poisson_times(rng, rates.trip_abroad, start, end):
        if trips and t < trips[-1].end + 14 * DAY:
            continue
        country = rng.choice([c for c in TRIP_DESTINATIONS if c != home])
        trips.append(Trip(t, t + 7 * DAY, country, rng.random() < 0.3, rng.getrandbits(32)))
    return trips


def trip_at(trips: list[Trip], t: float) -> Trip | None:
    for trip in trips:
        if trip.start <= t < trip.end:
            return trip
    return None


def trip_edges_between(trips: list[Trip], after: float, upto: float) -> int:
    return sum((after < trip.start <= upto) + (after < trip.end <= upto) for trip in trips)
