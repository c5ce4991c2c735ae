"""When people visit the lenders, and how the fraud among them behaves.

Why: a linker sees sessions, not devices; how sessions cluster in time decides what it
can learn. Honest applicants come in episodes (a few visits over hours or days to one or
two lenders, sometimes starting on the phone and finishing on the laptop), mostly in
their local daytime. Fraud comes as the three patterns lenders report: credit stacking
(one device at all three lenders within an hour), returning fraud (a reported device back
weeks later, cookies cleared, often behind a VPN) and device farms (a rack of identical
phones making many sessions through rotating addresses).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from tools.independent_world._population import Device, Install, Person, weighted
from tools.independent_world._timeline import DAY, Trip, trip_at

HOUR = 3600.0
# Local hour of day of an application (people apply in the evening more than at night).
_HOURS = [
    (h, w)
    for h, w in zip(
        range(24),
        (1, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3),
        strict=True,
    )
]


@dataclass(slots=True)
class Plan:
    """A visit before it is rendered."""

    t: float
    person: Person
    device: Device
    install: Install
    tenant: str
    fraud: bool
    vpn: bool = False


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def local_daytime(rng: random.Random, day_start: float, utc_offset_h: float) -> float:
    """A moment of the day starting at `day_start` (UTC midnight) at a plausible local hour."""
    hour = weighted(rng, _HOURS)
    return day_start + (hour - utc_offset_h) * HOUR + rng.uniform(0, HOUR)


def web_install_at(device: Device, t: float) -> Install:
    webs = [i for i in device.installs if i.kind == "web"]
    if len(webs) > 1 and device.switch_at and t >= device.switch_at:
        return webs[1]
    return webs[0]


def install_for(device: Device, tenant: str, t: float, rng: random.Random) -> Install:
    apps = [i for i in device.installs if i.kind == "app" and i.tenant == tenant]
    if apps and rng.random() < 0.75:
        return apps[0]
    return web_install_at(device, t)


def _device_weight(device: Device) -> float:
    if device.office is not None:
        return 0.25
    return {"phone": 0.6, "laptop": 0.45, "desktop": 0.35}[device.hw.form]


def _usable(device: Device, trips: list[Trip], t: float) -> bool:
    return device.hw.form != "desktop" or trip_at(trips, t) is None


def honest_visits(
    person: Person,
    trips: list[Trip],
    episodes_mean: float,
    start: float,
    end: float,
    offset_h: float,
    rng: random.Random,
) -> list[Plan]:
    """Episodes of one to six visits; a device no episode chose gets one of its own (the
    world's devices are the ones lenders see)."""
    plans: list[Plan] = []
    episodes: list[Device | None] = [None] * (1 + poisson(rng, max(0.0, episodes_mean - 1)))
    for first in [*episodes, *person.devices]:
        if first is not None and any(p.device is first for p in plans):
            continue
        day = start + rng.randrange(int((end - start) / DAY) - 3) * DAY
        t = local_daytime(rng, day, offset_h)
        tenant = rng.choice(person.lenders)
        device = first or weighted(rng, [(d, _device_weight(d)) for d in person.devices])
        for _ in range(1 + min(5, poisson(rng, 1.2))):
            if rng.random() < 0.15 and len(person.devices) > 1:  # continue on another device
                device = rng.choice([d for d in person.devices if d is not device])
            if t < end and _usable(device, trips, t):
                plans.append(
                    Plan(t, person, device, install_for(device, tenant, t, rng), tenant, False)
                )
            if rng.random() < 0.3 and len(person.lenders) > 1:
                tenant = rng.choice(person.lenders)
            t += rng.uniform(2, 50) * 60 if rng.random() < 0.6 else rng.uniform(1, 72) * HOUR
    return plans


def stacking_visits(
    person: Person,
    tenants: tuple[str, ...],
    start: float,
    end: float,
    offset_h: float,
    rng: random.Random,
) -> list[Plan]:
    """One device at every lender within the hour; half do it twice."""
    device = person.devices[0]
    plans: list[Plan] = []
    for _ in range(1 + (rng.random() < 0.5)):
        t = local_daytime(rng, start + rng.randrange(int((end - start) / DAY) - 2) * DAY, offset_h)
        for tenant in rng.sample(list(tenants), len(tenants)):
            plans.append(Plan(t, person, device, web_install_at(device, t), tenant, True))
            t += rng.uniform(3, 18) * 60
    return plans


def returning_visits(
    person: Person,
    tenants: tuple[str, ...],
    start: float,
    end: float,
    offset_h: float,
    rng: random.Random,
) -> list[Plan]:
    """Reported at one lender, back three to nine weeks later; half behind a VPN."""
    device = person.devices[0]
    first_day = start + rng.randrange(max(1, int((end - start) / DAY) - 70)) * DAY
    t = local_daytime(rng, first_day, offset_h)
    tenant = rng.choice(tenants)
    plans = [Plan(t, person, device, web_install_at(device, t), tenant, True)]
    if rng.random() < 0.5:
        t2 = t + rng.uniform(5, 40) * 60
        plans.append(Plan(t2, person, device, web_install_at(device, t2), tenant, True))
    back = local_daytime(rng, first_day + rng.randint(21, 63) * DAY, offset_h)
    vpn = rng.random() < 0.5
    for k in range(rng.randint(1, 3)):
        tb = back + k * rng.uniform(10, 90) * 60
        if tb < end:
            plans.append(
                Plan(
                    tb,
                    person,
                    device,
                    web_install_at(device, tb),
                    rng.choice(tenants),
                    True,
                    vpn=vpn,
                )
            )
    return plans


def farm_visits(
    person: Person, tenants: tuple[str, ...], start: float, end: float, rng: random.Random
) -> list[Plan]:
    """Every phone of the rack, many sessions each over a two-to-four-week campaign."""
    campaign = start + rng.uniform(0, max(1.0, (end - start) - 30 * DAY))
    length = rng.uniform(14, 28) * DAY
    plans: list[Plan] = []
    for device in person.devices:
        for _ in range(rng.randint(8, 25)):
            t = campaign + rng.uniform(0, length)
            tenant = rng.choice(tenants)
            plans.append(Plan(t, person, device, install_for(device, tenant, t, rng), tenant, True))
    return [p for p in plans if p.t < end]
