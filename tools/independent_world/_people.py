"""Assemble the population: persons with their phones, computers, offices and browsers.

Why: the hard cases of device linking are social facts, not hardware ones: one person
with a phone and a laptop on the same home address, two browsers on one machine, twenty
identical office desktops behind one /24, a crowd of one iPhone model. This module decides
who owns what; `_population` says what each thing is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tools.independent_world import _browsers as br
from tools.independent_world._catalog import BY_CODE
from tools.independent_world._data import Dist, Fingerprints, IpRange
from tools.independent_world._population import (
    Device,
    Hardware,
    Install,
    Person,
    desktop_hardware,
    draw_country,
    draw_languages,
    draw_lenders,
    phone_hardware,
    web_install,
    weighted,
)
from tools.independent_world._timeline import CURRENT_MAJOR, Rates


@dataclass(slots=True)
class Office:
    """One hardware class of desktops behind one /24 of a business line."""

    index: int
    country: str
    user_agent: str
    hardware: Hardware
    range_: IpRange
    address: str


class Networks:
    """The IP table by country and kind."""

    def __init__(self, ranges: tuple[IpRange, ...]) -> None:
        self.by: dict[tuple[str, str], list[IpRange]] = {}
        for r in ranges:
            self.by.setdefault((r.country, r.kind), []).append(r)

    def pick(self, country: str, kind: str, rng: random.Random, v6: float = 0.0) -> IpRange:
        options = self.by.get((country, kind)) or self.by[("US", kind)]
        family = [r for r in options if r.version == (6 if rng.random() < v6 else 4)]
        return rng.choice(family or options)


def new_person(index: int, tenants: tuple[str, ...], nets: Networks, rng: random.Random) -> Person:
    country = draw_country(rng)
    zone = weighted(rng, country.zones)
    home = nets.pick(country.code, "residential", rng, v6=0.25)
    return Person(
        id=f"p{index:05d}",
        country=country,
        zone=zone,
        languages=draw_languages(country, rng),
        lenders=draw_lenders(tenants, rng),
        home=home,
        home_address=home.address(rng),
        carrier=nets.pick(country.code, "mobile", rng),
    )


def add_phone(
    person: Person,
    fp: Fingerprints,
    pools: dict[str, Dist],
    rates: Rates,
    nets: Networks,
    rng: random.Random,
    app_share: float = 0.35,
) -> Device:
    os = "iOS" if rng.random() < person.country.ios_share else "Android"
    ua = pools[os].draw(rng)
    device = Device(
        id=f"{person.id}-d{len(person.devices)}",
        person=person.id,
        hw=phone_hardware(fp, os, ua, rng),
    )
    device.installs.append(web_install(fp, device.id, ua, rng, 0))
    for tenant in person.lenders:
        if rng.random() < app_share:
            device.installs.append(
                Install(
                    id=f"{device.id}/app-{tenant}",
                    kind="app",
                    user_agent=ua,
                    brand=None,
                    plugins=0,
                    do_not_track=False,
                    tenant=tenant,
                )
            )
    roll = rng.random()
    if os == "iOS" and "CriOS" not in ua and roll < rates.relay_share:
        device.network = "relay"
    elif roll < rates.relay_share + rates.rotating_share:
        device.network = "rotating"
    device.address, device.range_ = person.home_address, person.home
    device.carrier = nets.pick(person.country.code, "mobile", rng, v6=0.45)
    person.devices.append(device)
    return device


def add_computer(
    person: Person,
    fp: Fingerprints,
    pools: dict[str, Dist],
    rates: Rates,
    rng: random.Random,
    office: Office | None = None,
) -> Device:
    ua = office.user_agent if office else pools["desktop"].draw(rng)
    hw = office.hardware if office else desktop_hardware(fp, ua, rng)
    device = Device(id=f"{person.id}-d{len(person.devices)}", person=person.id, hw=hw)
    first = web_install(fp, device.id, ua, rng, 0)
    device.installs.append(first)
    if office is not None:
        device.office = office.index
        device.range_ = office.range_
        device.address = office.range_.neighbour(office.address, rng)
        first.lag_days, first.frozen = 10.0, False  # managed: all desks update together
    else:
        device.range_, device.address = person.home, person.home_address
        switcher = br.engine_of(ua) == "blink" and hw.os in ("Windows", "macOS", "Linux")
        if switcher and rng.random() < rates.browser_switch_share:
            major = CURRENT_MAJOR["gecko"] - (1 if rng.random() < 0.2 else 0)
            fox = br.firefox_user_agent(hw.os, major)
            second = web_install(fp, device.id, fox, rng, 1)
            second.brand, second.plugins = None, 5
            device.installs.append(second)
    device.docking = hw.form == "laptop" and rng.random() < rates.docking_share
    if office is None and rng.random() < rates.vpn_share:
        device.network = "vpn"  # an honest privacy habit: a new exit every session
    person.devices.append(device)
    return device


def new_office(
    index: int, fp: Fingerprints, pools: dict[str, Dist], nets: Networks, rng: random.Random
) -> Office:
    country = draw_country(rng)
    ua = pools["desktop"].draw(rng)
    while "Windows" not in ua or br.engine_of(ua) != "blink":
        ua = pools["desktop"].draw(rng)
    hw = desktop_hardware(fp, ua, rng)
    hw.form = "desktop"
    r = nets.pick(country.code, "residential", rng)
    return Office(index, country.code, ua, hw, r, r.address(rng))


def office_person(
    office: Office, index: int, tenants: tuple[str, ...], nets: Networks, rng: random.Random
) -> Person:
    person = new_person(index, tenants, nets, rng)
    country = BY_CODE[office.country]
    person.country, person.zone = country, country.zones[0][0]
    person.languages = draw_languages(country, rng)
    person.home = nets.pick(country.code, "residential", rng, v6=0.25)
    person.home_address = person.home.address(rng)
    person.carrier = nets.pick(country.code, "mobile", rng)
    return person
