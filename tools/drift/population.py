"""Generating the population: people, their machines and the browsers or app installs on
them, with their habits (how often they visit, how fast they update, what they install, when
they travel), and the two look-alike groups no attribute tells apart: a disk-image fleet of
laptops behind one office NAT, and identical iPhones (one model, one iOS) on home networks.

Everything is drawn from `random.Random(seed)`: two seeds give two populations (models,
countries, habits, schedules) as well as two release calendars, so a linker's weights can be
fitted on one seed and reported on another.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from random import Random

from .catalogue import (
    BASE_FONTS,
    BROWSERS,
    COUNTRIES,
    DAY,
    EXTRA_LANGUAGES,
    FONT_PACKS,
    MODELS,
    SDK_MODELS,
    SINGLE_FONTS,
    drivers,
    h,
)
from .device import Device, Machine, Person, appearance
from .events import DESKTOPS, LAPTOPS, look_at
from .legacy import new_device as new_device  # for `tools.population`
from .priors import COLLECTOR_FONTS, machine_model
from .releases import START, Calendar

# share of web machines, in % (kind -> weight)
WEB_KINDS = {"win_desktop": 17, "win_laptop": 20, "mac": 14, "linux": 3, "android": 22}
WEB_KINDS |= {"iphone": 18, "ipad": 6}
# how often a device comes back: % of devices, days between visits (0: 2-4 visits in all)
FREQUENCIES = {"weekly": (15, 7.0), "fortnightly": (20, 14.0), "monthly": (35, 30.0)}
FREQUENCIES |= {"few": (30, 0.0)}
SECOND = {"chrome": ("firefox", "edge"), "edge": ("chrome",), "firefox": ("chrome",)}
SECOND |= {"safari": ("chrome", "chrome", "firefox")}
STAY_HOME = ("win_desktop",)  # machines that do not travel (with iMacs and Linux towers)


@dataclasses.dataclass
class Sizes:
    devices: int = 300
    days: float = 180.0
    fleet: int = 20  # one disk image, one office NAT
    iphones: int = 20  # one model, one iOS, each on its own home network
    sdk_fraction: float = 0.15  # of the other devices: app installs
    second_browser: float = 0.2  # of desktops and laptops: a second browser
    second_machine: float = 0.2  # of people: a phone besides their first machine
    world: str = "real"  # real: machines from real traffic (`priors`); catalogue: `MODELS`


class _Maker:
    def __init__(self, seed: int, sizes: Sizes) -> None:
        self.rng, self.seed, self.sizes = Random(seed), seed, sizes
        self.people = self.machines = 0
        self.devices: list[Device] = []

    def day(self, lo: float, hi: float) -> float:
        return START + self.rng.uniform(lo, hi) * DAY

    def person(self, country: int | None = None, office: str | None = None) -> Person:
        rng, days = self.rng, self.sizes.days
        c = rng.randrange(len(COUNTRIES)) if country is None else country
        prefixes = COUNTRIES[c].prefixes
        if office is None and rng.random() < 0.5:
            office = f"{rng.choice(prefixes)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        trip = None
        if rng.random() < 0.3 and days > 21:
            start = self.day(7, days - 14)
            trip = (
                start,
                start + 7 * DAY,
                rng.choice([i for i in range(len(COUNTRIES)) if i != c]),
            )
        home24 = rng.randint(0, 255) if rng.random() < 0.5 else None
        self.people += 1
        return Person(self.people - 1, c, rng.choice(prefixes), home24, office, trip)

    def machine(self, person: Person, kind: str) -> Machine:
        """A machine of `kind` (a web kind, or android/ios for an app install)."""
        rng, days = self.rng, self.sizes.days
        self.machines += 1
        real_fonts: frozenset[str] | None = None
        if self.sizes.world == "real":
            model, real_fonts = machine_model(f"{self.seed}/machine/{self.machines}", kind)
        else:
            model = rng.choice([x for x in MODELS if x.kind == kind])
        m = Machine(self.machines - 1, person, model)
        m.os_lag = rng.choices((rng.uniform(0, 7), rng.uniform(7, 45), rng.uniform(45, 120),
                                400.0), (25, 35, 25, 15))[0]  # fmt: skip
        n_drivers = len(drivers(m.model))
        m.driver = rng.randrange(max(1, n_drivers - 3))
        if n_drivers > 1 and rng.random() < (0.5 if kind in ("win_desktop", "linux") else 0.3):
            every = rng.uniform(30, 90)  # a gamer or a Windows Update
            m.driver_updates = tuple(self.day(i * every, (i + 1) * every)
                                     for i in range(int(days // every)))  # fmt: skip
        if real_fonts is not None:
            m.fonts = real_fonts
            m.font_installs = self.real_installs(real_fonts, kind)
        elif kind in DESKTOPS:
            os = {"mac": "macos", "linux": "linux"}.get(kind, "windows")
            fonts = {f"base:{os}:{i}" for i in range(BASE_FONTS[os])}
            for pack, n in FONT_PACKS.items():
                if rng.random() < (0.45 if pack == "office" else 0.12):
                    fonts |= {f"{pack}:{i}" for i in range(n)}
            m.fonts = frozenset(fonts | set(rng.sample(SINGLE_FONTS, rng.choice((0, 1, 2, 3, 5)))))
            installs: list[tuple[float, frozenset[str]]] = []
            if rng.random() < 0.25:  # a few fonts, one at a time
                for _ in range(rng.randint(1, 3)):
                    font = f"user:{rng.choice(SINGLE_FONTS)}:{rng.random():.6f}"
                    installs.append((self.day(0, days), frozenset({font})))
            if rng.random() < 0.06:  # an application that brings its fonts
                pack = rng.choice([p for p in FONT_PACKS if f"{p}:0" not in fonts])
                pack_fonts = frozenset(f"{pack}:{i}" for i in range(FONT_PACKS[pack]))
                installs.append((self.day(0, days), pack_fonts))
            m.font_installs = tuple(sorted(installs))
        if kind in LAPTOPS and not m.model.name.startswith("iMac") and rng.random() < 0.35:
            m.dock = 0.5
        if kind == "android" and rng.random() < 0.3:  # the display size setting
            m.display = rng.choice((0.9, 1.1, 1.15, 1.25))
        elif kind == "iphone" and rng.random() < 0.1:  # Display Zoom: larger text
            m.display = 1.22
        return m

    def real_installs(
        self, fonts: frozenset[str], kind: str
    ) -> tuple[tuple[float, frozenset[str]], ...]:
        """A few fonts of the probe list installed one at a time (desktops, a quarter)."""
        rng, days = self.rng, self.sizes.days
        missing = [f for f in COLLECTOR_FONTS if f not in fonts]
        if kind not in DESKTOPS or not missing or rng.random() >= 0.25:
            return ()
        chosen = rng.sample(missing, min(len(missing), rng.randint(1, 3)))
        return tuple(sorted((self.day(0, days), frozenset({f})) for f in chosen))

    def app_machine(self, person: Person, channel: str) -> Machine:
        rng = self.rng
        model = rng.choice([x for x in SDK_MODELS if (x.sdk[0] == "Apple") == (channel == "ios")])
        self.machines += 1
        lag = rng.choices((rng.uniform(0, 7), rng.uniform(7, 45), rng.uniform(45, 120),
                           400.0), (25, 35, 25, 15))[0]  # fmt: skip
        storage = int(model.storage_mb * rng.choice((0.5, 1, 1, 2)))
        return Machine(self.machines - 1, person, model, lag, storage_total_mb=storage)

    def device(self, m: Machine, channel: str, browser: str) -> Device:
        rng, sizes = self.rng, self.sizes
        d = Device(len(self.devices), m, channel, browser, self.seed,
                      COUNTRIES[m.person.country].languages)  # fmt: skip
        d.frequency = rng.choices(list(FREQUENCIES), [w for w, _ in FREQUENCIES.values()])[0]
        d.visits = self.schedule(d)
        d.lag = rng.choices((rng.uniform(0, 3), rng.uniform(3, 14), rng.uniform(14, 45)),
                            (70, 25, 5))[0]  # fmt: skip
        if browser == "safari" or channel != "web":  # with the OS, or from the app store
            d.lag = m.os_lag if browser == "safari" else rng.choice((1.0, 2.0, 5.0, 20.0, 60.0))
        if rng.random() < 0.06:
            extra = rng.choice([x for x in EXTRA_LANGUAGES if x not in d.languages])
            d.language_added = (self.day(0, sizes.days), extra, rng.random() < 0.2)
        desktop = channel == "web" and d.kind in DESKTOPS
        if desktop and rng.random() < 0.12:
            d.zoom = (0.4, rng.choice((0.9, 1.1, 1.25, 1.5)))
        if channel == "web" and rng.random() < (0.12 if desktop else 0.05):
            d.private = 0.3
        if desktop and browser == "firefox" and rng.random() < 0.15:
            d.blocker = "rfp"
        elif desktop and rng.random() < 0.04:
            d.blocker = "extension"
        if channel != "web":
            d.install = h("install", self.seed, d.id, n=16)
            d.reinstall = self.day(0, sizes.days) if rng.random() < 0.04 else None
            d.storage_free_mb = int(m.storage_total_mb * rng.uniform(0.1, 0.7))
        self.devices.append(d)
        return d

    def schedule(self, d: Device) -> tuple[float, ...]:
        """Visit times over the run; machines that stay home skip the owner's week abroad."""
        rng, days = self.rng, self.sizes.days
        every = FREQUENCIES[d.frequency][1]
        if every:
            times, t = [], rng.uniform(0, every)
            while t < days:
                times.append(t)
                t += every * rng.uniform(0.5, 1.5)
        else:
            times = [rng.uniform(0, days) for _ in range(rng.randint(2, 4))]
        out = sorted(START + t * DAY for t in times)
        trip = d.person.trip
        if trip and (d.kind in STAY_HOME or d.model.name in ("iMac 24 M1", "AMD desktop")):
            out = [t for t in out if not trip[0] <= t < trip[1]] or out[:1]
        return tuple(out)

    def web(self, person: Person, kind: str, second: bool = True) -> None:
        m = self.machine(person, kind)
        first = self.rng.choices(list(BROWSERS[kind]), list(BROWSERS[kind].values()))[0]
        if first == "samsung" and not m.model.name.startswith("Galaxy"):
            first = "chrome"
        self.device(m, "web", first)
        room = len(self.devices) < self.sizes.devices
        if second and room and kind in DESKTOPS and self.rng.random() < self.sizes.second_browser:
            self.device(m, "web", self.rng.choice(SECOND[first]))


def make_devices(seed: int, sizes: Sizes | None = None) -> list[Device]:
    """The population: `sizes.fleet` laptops of one disk image behind one office NAT,
    `sizes.iphones` identical iPhones, and people with one or two machines (one or two
    browsers on a computer, a phone, app installs) up to `sizes.devices` devices."""
    sizes = sizes or Sizes()
    mk = _Maker(seed, sizes)
    rng = mk.rng
    if sizes.fleet:
        boss = mk.person()
        office = f"{rng.choice(COUNTRIES[boss.country].prefixes)}.{rng.randint(0, 255)}.17"
        image = mk.machine(boss, "win_laptop")
        image.driver_updates = (mk.day(20, sizes.days - 20),)  # IT pushes one driver
        image.font_installs, image.dock = (), 0.6
        browser = rng.choice(("chrome", "chrome", "edge"))
        for _ in range(sizes.fleet):
            p = mk.person(boss.country, office)
            m = dataclasses.replace(image, id=mk.machines, person=p)
            mk.machines += 1
            d = mk.device(m, "web", browser)
            d.group, d.lag, d.blocker = "fleet", 5.0, None  # managed: one update policy
    if sizes.iphones:
        model = rng.choice([x for x in MODELS if x.kind == "iphone"])
        fonts: frozenset[str] = frozenset()
        if sizes.world == "real":
            model, fonts = machine_model(f"{seed}/iphones", "iphone")
        country = rng.randrange(len(COUNTRIES))
        for _ in range(sizes.iphones):
            m = Machine(mk.machines, mk.person(country), model, os_lag=rng.uniform(0, 13),
                        fonts=fonts)  # fmt: skip
            mk.machines += 1
            d = mk.device(m, "web", "safari")
            d.group, d.lag, d.language_added, d.private = "iphones", m.os_lag, None, 0.0
    while len(mk.devices) < sizes.devices:
        p = mk.person()
        if rng.random() < sizes.sdk_fraction:
            channel = rng.choice(("android", "android", "ios"))
            mk.device(mk.app_machine(p, channel), channel, "app")
        else:
            mk.web(p, rng.choices(list(WEB_KINDS), list(WEB_KINDS.values()))[0])
        if len(mk.devices) < sizes.devices and rng.random() < sizes.second_machine:
            mk.web(p, rng.choice(("android", "iphone")), second=False)
    return mk.devices


def appearances(devices: Sequence[Device], cal: Calendar) -> dict[int, str]:
    """What each device shows once up to date (every release installed at once, at the
    start, per-visit conditions aside): devices that differ only by how fast they update
    converge, so they count as look-alikes (`appearance`)."""
    out = {}
    for d in devices:
        prompt = dataclasses.replace(d, lag=0.0, machine=dataclasses.replace(d.machine, os_lag=0))
        look = look_at(prompt, cal, START, Random(0))
        blocked = d.blocker == "rfp"
        look = dataclasses.replace(look, docked=False, zoom=1.0, private=False,
                                   canvas_blocked=blocked, audio_blocked=blocked)  # fmt: skip
        out[d.id] = h(appearance(prompt, look), n=16)
    return out


def device_classes(devices: Sequence[Device], looks: Mapping[int, str]) -> dict[int, str]:
    """fleet, iphones (the two designed look-alike groups), lookalike (shows, once up to
    date, exactly what another device outside them shows), or unique."""
    count = Counter(looks[d.id] for d in devices if d.group is None)
    return {d.id: d.group or ("lookalike" if count[looks[d.id]] > 1 else "unique") for d in devices}


def summary(devices: Sequence[Device], classes: Mapping[int, str]) -> dict[str, object]:
    """The population in numbers, for the report."""
    kinds = Counter(d.kind if d.channel == "web" else f"app_{d.channel}" for d in devices)
    browsers = Counter(d.browser for d in devices if d.channel == "web")
    per_machine = Counter(d.machine.id for d in devices)
    return {
        "devices": len(devices),
        "machines": len(per_machine),
        "people": len({d.person.id for d in devices}),
        "devices_by_kind": dict(sorted(kinds.items())),
        "browsers": dict(sorted(browsers.items())),
        "classes": dict(sorted(Counter(classes.values()).items())),
        "frequencies": dict(sorted(Counter(d.frequency for d in devices).items())),
        "machines_with_two_browsers": sum(1 for n in per_machine.values() if n > 1),
        "visits": sum(len(d.visits) for d in devices),
        "travellers": len({d.person.id for d in devices if d.person.trip}),
        "language_added": sum(1 for d in devices if d.language_added),
        "blockers": dict(sorted(Counter(d.blocker for d in devices if d.blocker).items())),
    }
