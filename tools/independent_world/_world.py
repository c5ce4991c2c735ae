"""The world end to end: population, drift lines, visits, rendered and sorted by time.

Why: one place that ties the pieces in a fixed order with one seed, so the same options
give the same file byte for byte, and the ground truth (person, device, browser install,
drift events, label) is written beside each payload from the same objects that made it.
"""

from __future__ import annotations

import bisect
import copy
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tools.independent_world import _people as pp
from tools.independent_world import _schedule as sc
from tools.independent_world import _timeline as tl
from tools.independent_world._catalog import PHONES, TENANTS
from tools.independent_world._data import decode_value, fingerprints, ip_ranges
from tools.independent_world._population import (
    Device,
    Install,
    Person,
    phone_hardware,
    user_agent_pools,
    web_install,
    weighted,
)
from tools.independent_world._render import offset_minutes
from tools.independent_world._visit import Span, render_visit

START = datetime(2026, 5, 4, tzinfo=UTC).timestamp()  # the fingerprint data's month


@dataclass(frozen=True, slots=True)
class Options:
    devices: int = 2000
    days: float = 180.0
    seed: int = 1
    start: float = START
    episodes: float = 2.5  # honest application episodes per person, mean
    stackers: float = 0.01  # share of persons
    returning: float = 0.01
    farms: int = 3
    farm_phones: int = 10  # mean phones per farm
    office_share: float = 0.06  # of persons with a work desktop in an office
    rates: tl.Rates = field(default_factory=tl.Rates)

    @property
    def end(self) -> float:
        return self.start + self.days * tl.DAY


def rng_for(opts: Options, *parts: object) -> random.Random:
    return random.Random("/".join([str(opts.seed), *map(str, parts)]))


def _persons(opts: Options) -> list[Person]:
    fp = fingerprints()
    pools = user_agent_pools(fp)
    nets = pp.Networks(ip_ranges())
    rng = rng_for(opts, "population")
    persons: list[Person] = []
    offices: list[pp.Office] = []
    count = 0
    budget = opts.devices - opts.farms * opts.farm_phones
    while count < budget:
        prng = rng_for(opts, "person", len(persons))
        if rng.random() < opts.office_share:
            if not offices or (len(offices) < 1 + budget // 120 and rng.random() < 0.25):
                offices.append(pp.new_office(len(offices), fp, pools, nets, prng))
            office = rng.choice(offices)
            person = pp.office_person(office, len(persons), TENANTS, nets, prng)
            pp.add_computer(person, fp, pools, opts.rates, prng, office=office)
            pp.add_phone(person, fp, pools, opts.rates, nets, prng)
        else:
            person = pp.new_person(len(persons), TENANTS, nets, prng)
            n = weighted(prng, [(1, 0.55), (2, 0.35), (3, 0.10)])
            phone_first = prng.random() < 0.7
            for k in range(n):
                if (k % 2 == 0) == phone_first:
                    pp.add_phone(person, fp, pools, opts.rates, nets, prng)
                else:
                    pp.add_computer(person, fp, pools, opts.rates, prng)
        roll = prng.random()
        if roll < opts.stackers:
            person.role = "stacker"
        elif roll < opts.stackers + opts.returning:
            person.role = "returning"
        count += len(person.devices)
        persons.append(person)
    for k in range(opts.farms):
        persons.append(_farm(opts, k, len(persons), nets, pools))
    return persons


def _farm(opts: Options, k: int, index: int, nets: pp.Networks, pools: dict[str, Any]) -> Person:
    """A rack of one Android model on one build, each phone with every lender's app."""
    fp = fingerprints()
    rng = rng_for(opts, "farm", k)
    person = pp.new_person(index, TENANTS, nets, rng)
    person.id, person.role, person.lenders = f"farm{k}", "farm", TENANTS
    ua = pools["Android"].draw(rng)
    base = phone_hardware(fp, "Android", ua, rng)
    base.phone = rng.choice([p for p in PHONES if p.os == "Android" and p.storage_gb <= 128])
    base.screen = (base.phone.css[0], base.phone.css[1], base.phone.dpr, 24)
    base.renderer = base.phone.gpu
    for d in range(max(2, round(rng.gauss(opts.farm_phones, opts.farm_phones / 4)))):
        device = Device(
            id=f"farm{k}-d{d}",
            person=person.id,
            hw=copy.copy(base),
            network="rotating" if k % 2 == 0 else "hosting",
        )
        device.installs.append(web_install(fp, device.id, ua, rng, 0))
        device.installs[0].frozen = True
        for tenant in TENANTS:
            device.installs.append(
                Install(
                    id=f"{device.id}/app-{tenant}",
                    kind="app",
                    user_agent=ua,
                    brand=None,
                    plugins=0,
                    do_not_track=False,
                    tenant=tenant,
                    frozen=True,
                )
            )
        device.carrier = nets.pick(person.country.code, "mobile", rng)
        person.devices.append(device)
    return person


def _plans(opts: Options, person: Person, trips: list[tl.Trip]) -> list[sc.Plan]:
    """The person's visits inside the world's span (a local evening on the first day can
    fall before its UTC midnight)."""
    rng = rng_for(opts, "visits", person.id)
    offset_h = offset_minutes(person.zone, opts.start) / 60
    if person.role == "farm":
        plans = sc.farm_visits(person, TENANTS, opts.start, opts.end, rng)
    elif person.role == "returning":
        plans = sc.returning_visits(person, TENANTS, opts.start, opts.end, offset_h, rng)
    else:
        plans = sc.honest_visits(person, trips, opts.episodes, opts.start, opts.end, offset_h, rng)
        if person.role == "stacker":
            plans += sc.stacking_visits(person, TENANTS, opts.start, opts.end, offset_h, rng)
    return [p for p in plans if opts.start <= p.t < opts.end]


def generate(opts: Options) -> Iterator[dict[str, Any]]:
    """Every visit of the world, sorted by time."""
    visits: list[dict[str, Any]] = []
    font_pool = sorted(
        f for raw in fingerprints().values("fonts") for f in (decode_value(raw) or [])
    )
    font_pool = sorted(set(font_pool))
    nets = pp.Networks(ip_ranges())
    for person in _persons(opts):
        prng = rng_for(opts, "drift", person.id)
        trips = (
            []
            if person.role == "farm"
            else tl.draw_trips(opts.rates, person.country.code, prng, opts.start, opts.end)
        )
        for device in person.devices:
            webs = [i for i in device.installs if i.kind == "web"]
            if len(webs) > 1:
                device.switch_at = opts.start + prng.uniform(0.15, 0.85) * opts.days * tl.DAY
        lines = {
            d.id: tl.draw_line(d, opts.rates, font_pool, prng, opts.start, opts.end)
            for d in person.devices
        }
        if person.role == "farm":
            for line in lines.values():
                line.os_updates = []
        plans = sorted(_plans(opts, person, trips), key=lambda p: (p.t, p.install.id))
        if person.role == "returning":
            _clear_before_return(plans, lines, prng)
        visits.extend(_render_person(opts, person, trips, lines, plans, nets))
    visits.sort(key=lambda v: (v["t"], v["browser"]))
    return iter(visits)


def _clear_before_return(
    plans: list[sc.Plan], lines: dict[str, tl.DeviceLine], rng: random.Random
) -> None:
    """A reported device that comes back has had its cookies cleared in between."""
    for before, after in itertools.pairwise(plans):
        if after.t - before.t > 14 * tl.DAY:
            clears = lines[after.device.id].installs[after.install.id].cookie_clears
            bisect.insort(clears, after.t - rng.uniform(1 * 3600, 3 * tl.DAY))
            return


def _render_person(
    opts: Options,
    person: Person,
    trips: list[tl.Trip],
    lines: dict[str, tl.DeviceLine],
    plans: list[sc.Plan],
    nets: pp.Networks,
) -> Iterator[dict[str, Any]]:
    last: dict[str, float] = {}
    for n, plan in enumerate(plans):
        previous = last.get(plan.install.id)
        yield render_visit(
            Span(opts.start, opts.end),
            person,
            trips,
            lines[plan.device.id],
            plan,
            previous,
            nets,
            rng_for(opts, "visit", person.id, n),
        )
        last[plan.install.id] = plan.t


__all__ = ["Options", "generate"]
