"""One planned visit made concrete: the device's state that day, the drift since the
install was last seen, the address it came from, and the line written for it.

Why: the ground truth of drift must be computed from the same change times that shaped
the payload, or a test of "an event changes exactly what it should" proves nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from tools.independent_world import _browsers as br
from tools.independent_world import _timeline as tl
from tools.independent_world._catalog import BY_CODE
from tools.independent_world._people import Networks
from tools.independent_world._population import Person
from tools.independent_world._render import State, web_payload
from tools.independent_world._schedule import Plan
from tools.independent_world._sdk import app_payload

EVENT_NAMES = (
    "fonts_installed",
    "trip_abroad",
    "docked_monitor",
    "zoom",
    "os_minor_update",
    "browser_major_update",
    "new_ip_every_visit",
    "cookie_clear",
    "browser_switch",
)
_NEG = float("-inf")


@dataclass(frozen=True, slots=True)
class Span:
    start: float
    end: float


def state_at(
    span: Span, person: Person, trips: list[tl.Trip], line: tl.DeviceLine, plan: Plan
) -> State:
    device, install, t = plan.device, plan.install, plan.t
    os_updates = tl.count_between(line.os_updates, _NEG, t)
    version = device.hw.os_version
    if device.hw.os == "iOS":
        for _ in range(os_updates):
            major, minor, patch = version
            version = (major, minor + 1, 0) if major >= 26 else (major, minor, patch + 1)
    ua = install.user_agent
    train = br.release_train(ua)
    major = br.major_of(ua)
    if install.kind == "web":
        if train is not None:
            major = tl.browser_major(install, train, major, t, span.start, span.end)
            ua = br.with_major(ua, major)
        if device.hw.os == "iOS":
            ua = br.with_ios_version(ua, version)
    fonts = set(device.hw.fonts)
    for when, added in zip(line.font_times, line.font_added, strict=True):
        if when <= t:
            fonts.update(added)
    il = line.installs[install.id]
    zooms = [lvl for when, lvl in zip(il.zoom_times, il.zoom_levels, strict=True) if when <= t]
    trip = tl.trip_at(trips, t) if device.hw.form != "desktop" else None
    zone = BY_CODE[trip.country].zones[0][0] if trip else person.zone
    return State(
        user_agent=ua,
        major=major,
        os_version=version,
        os_updates=os_updates,
        fonts=tuple(sorted(fonts)),
        docked=tl.count_between(line.docks, _NEG, t) % 2 == 1,
        monitor=line.monitor,
        zoom=zooms[-1] if zooms else 1.0,
        zone=zone,
    )


def events_since(
    span: Span,
    trips: list[tl.Trip],
    line: tl.DeviceLine,
    plan: Plan,
    previous: float | None,
    previous_major: int | None,
    rotating: bool,
) -> list[str]:
    """Drift names whose change times fall after the install's previous visit."""
    device, install, t = plan.device, plan.install, plan.t
    if previous is None:
        first_web = [i for i in device.installs if i.kind == "web"]
        switched = install.kind == "web" and len(first_web) > 1 and install is first_web[1]
        return ["browser_switch"] if switched else []
    il = line.installs[install.id]
    portable = device.hw.form != "desktop"
    found = {
        "fonts_installed": tl.count_between(line.font_times, previous, t) > 0,
        "trip_abroad": portable and tl.trip_edges_between(trips, previous, t) > 0,
        "docked_monitor": tl.count_between(line.docks, previous, t) > 0,
        "zoom": tl.count_between(il.zoom_times, previous, t) > 0,
        "os_minor_update": tl.count_between(line.os_updates, previous, t) > 0,
        "browser_major_update": previous_major is not None
        and install.kind == "web"
        and _major_at(span, plan, t) != previous_major,
        "new_ip_every_visit": rotating,
        "cookie_clear": tl.count_between(il.cookie_clears, previous, t) > 0,
    }
    return [name for name in EVENT_NAMES if found.get(name)]


def _major_at(span: Span, plan: Plan, t: float) -> int:
    ua = plan.install.user_agent
    train = br.release_train(ua)
    if train is None:
        return br.major_of(ua)
    return tl.browser_major(plan.install, train, br.major_of(ua), t, span.start, span.end)


def address(
    person: Person, trips: list[tl.Trip], plan: Plan, nets: Networks, rng: random.Random
) -> tuple[str, bool, bool]:
    """The visit's address, whether it came over a cellular network, and whether it was
    drawn from a pool that hands out a new address every visit (carrier NAT, relay, VPN)."""
    device = plan.device
    if plan.vpn or device.network == "vpn":
        return nets.pick(person.country.code, "hosting", rng).address(rng), False, True
    trip = tl.trip_at(trips, plan.t) if device.hw.form != "desktop" else None
    if trip is not None:
        if device.hw.form == "phone" and trip.roaming and device.carrier is not None:
            return device.carrier.address(rng), True, True  # roaming data leaves from home
        local = random.Random(trip.address_seed)
        return nets.pick(trip.country, "residential", local).address(local), False, False
    if device.network == "rotating" and device.carrier is not None:
        farm = person.role == "farm"
        carrier = nets.pick(person.country.code, "mobile", rng) if farm else device.carrier
        return carrier.address(rng), True, True
    if device.network == "relay":
        return nets.pick(person.country.code, "relay", rng).address(rng), False, True
    if device.network == "hosting":
        hosting = nets.pick(rng.choice(("DE", "NL", "FR", "US")), "hosting", rng)
        return hosting.address(rng), False, True
    if ":" in device.address:  # IPv6 privacy addressing: a fresh interface id each visit
        assert device.range_ is not None
        return device.range_.neighbour(device.address, rng), False, True
    return device.address, False, False


def render_visit(
    span: Span,
    person: Person,
    trips: list[tl.Trip],
    line: tl.DeviceLine,
    plan: Plan,
    previous: float | None,
    nets: Networks,
    rng: random.Random,
) -> dict[str, Any]:
    state = state_at(span, person, trips, line, plan)
    previous_major = _major_at(span, plan, previous) if previous is not None else None
    ip, cellular, rotating = address(person, trips, plan, nets, rng)
    events = events_since(span, trips, line, plan, previous, previous_major, rotating)
    device, install = plan.device, plan.install
    if install.kind == "web":
        attributes, headers = web_payload(person, device, install, state, plan.t, rng, plan.fraud)
        channel = "web"
    else:
        attributes, headers = app_payload(
            person, device, install, state, plan.t, rng, plan.fraud, cellular
        )
        channel = device.hw.os.lower()
    return {
        "t": round(plan.t, 3),
        "tenant": plan.tenant,
        "device": device.id,
        "person": person.id,
        "browser": install.id,
        "ip": ip,
        "headers": headers,
        "channel": channel,
        "attributes": attributes,
        "events": events,
        "label": "fraud" if plan.fraud else "honest",
    }
