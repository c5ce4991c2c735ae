"""People, their devices and the browser installs on those devices, at the world's start.

Why: what a device linker must tell apart is made here. Phones are drawn by model share
and OS release, so a current iPhone on a current iOS is a crowd of identical fingerprints
that differ only by country, time zone and address; office desktops are one hardware class
behind one /24; some people use one machine through two browsers. Desktop hardware comes
from real traffic (screen, GPU, fonts, cores, memory given the user agent).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from tools.independent_world import _browsers as br
from tools.independent_world import _macs as macs
from tools.independent_world._catalog import (
    ANDROID_RELEASES,
    COUNTRIES,
    FAMILY_SHARES,
    PHONES,
    Country,
    Phone,
)
from tools.independent_world._data import Dist, Fingerprints, IpRange

T = TypeVar("T")


@dataclass(slots=True)
class Hardware:
    """What a physical machine is: fixed for its life, except what drift changes."""

    form: str  # desktop, laptop, phone
    os: str  # Windows, macOS, Linux, Chrome OS, iOS, Android
    os_version: tuple[int, int, int]
    vendor: str  # Chrome-form unmasked WebGL vendor and renderer
    renderer: str
    screen: tuple[int, int, float, int]  # CSS width, height, pixel ratio, colour depth
    cores: int | None
    memory: float | None
    touch: int
    fonts: tuple[str, ...]
    phone: Phone | None = None
    build: str = ""  # Android build id (e.g. AP3A.241105.008)


@dataclass(slots=True)
class Install:
    """One browser, or one lender's app, installed on a device."""

    id: str
    kind: str  # web, app
    user_agent: str  # as first seen; versions move with time (see _timeline)
    brand: str | None  # Chromium brand for client hints, None for others
    plugins: int
    do_not_track: bool
    tenant: str | None = None  # the lender whose app this is
    lag_days: float = 3.0  # how long after a release this install updates
    frozen: bool = False  # never updates (policy-managed, or a neglected machine)


@dataclass(slots=True)
class Device:
    id: str
    person: str
    hw: Hardware
    installs: list[Install] = field(default_factory=list)
    network: str = "stable"  # stable (home or office), rotating (CGNAT), relay, vpn, hosting
    address: str = ""  # the stable address
    range_: IpRange | None = None
    carrier: IpRange | None = None
    docking: bool = False
    office: int | None = None
    switch_at: float = 0.0  # when the person moved to the second browser (0: never)


@dataclass(slots=True)
class Person:
    id: str
    country: Country
    zone: str
    languages: tuple[str, ...]
    lenders: tuple[str, ...]
    home: IpRange
    home_address: str
    carrier: IpRange
    devices: list[Device] = field(default_factory=list)
    role: str = "honest"  # honest, stacker, returning, farm


def weighted(rng: random.Random, pairs: Iterable[tuple[T, float]]) -> T:
    """One of the values, drawn by the weights beside them."""
    items = list(pairs)
    return rng.choices([x[0] for x in items], [x[1] for x in items])[0]


def _os_family(user_agent: str) -> str:
    for token, name in (
        ("Windows", "Windows"),
        ("Macintosh", "macOS"),
        ("CrOS", "Chrome OS"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("Linux", "Linux"),
    ):
        if token in user_agent:
            return name
    return "Linux"


def user_agent_pools(fp: Fingerprints) -> dict[str, Dist]:
    """Real-traffic user agents by platform: desktop, iOS phone, Android phone. Android
    agents of DevTools' phone emulation (Nexus 5) and tablets are left out."""
    pools: dict[str, dict[str, float]] = {"desktop": {}, "iOS": {}, "Android": {}}
    for ua, share in fp.share.items():
        if "iPhone" in ua:
            pools["iOS"][ua] = share
        elif "Android" in ua:
            if "Mobile" in ua and "Nexus 5" not in ua:
                pools["Android"][ua] = share
        elif any(t in ua for t in ("Windows NT 10", "Macintosh", "X11; Linux", "CrOS")):
            if "Chrome/" in ua or "Firefox/" in ua or "Safari/" in ua:
                pools["desktop"][ua] = share
    return {k: Dist.of(reweighted(v, FAMILY_SHARES[k])) for k, v in pools.items()}


def reweighted(shares: dict[str, float], families: dict[str, float]) -> dict[str, float]:
    """The agents' shares scaled so each browser family has its target share; agents of
    families without a target, and targets without agents, drop out."""
    totals: dict[str, float] = {}
    for ua, share in shares.items():
        totals[br.browser_of(ua)] = totals.get(br.browser_of(ua), 0.0) + share
    out = {}
    for ua, share in shares.items():
        family = br.browser_of(ua)
        if family in families and totals[family] > 0:
            out[ua] = share / totals[family] * families[family]
    return out


def _brand(user_agent: str) -> str | None:
    if br.engine_of(user_agent) != "blink":
        return None
    return {"edge": "Microsoft Edge", "opera": "Opera"}.get(
        br.browser_of(user_agent), "Google Chrome"
    )


# A desktop graphics card (no "Laptop GPU", no mobile Radeon "M"): the machine is a tower,
# whatever its screen; a touch screen on Windows is a laptop or a 2-in-1.
_DESKTOP_GPU = re.compile(r"GeForce (RTX|GTX) \d{3,4}|Radeon RX \d{3,4}(?![0-9]*M)")


def desktop_hardware(fp: Fingerprints, ua: str, rng: random.Random) -> Hardware:
    """A desktop or laptop as real traffic with this user agent has it."""
    card = fp.sample("videoCard", ua, rng) or {"vendor": "", "renderer": ""}
    screen = fp.sample("screen", ua, rng) or {}
    width, height = int(screen.get("width", 1920)), int(screen.get("height", 1080))
    dpr = float(screen.get("devicePixelRatio", 1))
    cores = fp.sample("hardwareConcurrency", ua, rng)
    memory = fp.sample("deviceMemory", ua, rng)
    os_family = _os_family(ua)
    touch = int(fp.sample("maxTouchPoints", ua, rng) or 0)
    small = width * height <= 1920 * 1080 and (dpr > 1 or (width, height) == (1366, 768))
    renderer = str(card.get("renderer", ""))
    desktop_gpu = _DESKTOP_GPU.search(renderer) is not None and "Laptop" not in renderer
    laptop = not desktop_gpu and (small or (touch > 0 and os_family == "Windows"))
    hw = Hardware(
        form="laptop" if laptop else "desktop",
        os=os_family,
        os_version=(15, 7, 0) if os_family == "macOS" else (10, 0, 0),
        vendor=str(card.get("vendor", "")),
        renderer=str(card.get("renderer", "")),
        screen=(width, height, dpr, int(screen.get("colorDepth", 24))),
        cores=int(cores) if cores is not None else None,
        memory=float(memory) if memory is not None else None,
        touch=touch,
        fonts=tuple(sorted(fp.sample("fonts", ua, rng) or [])),
    )
    return macs.coherent(hw, br.engine_of(ua), rng)


def phone_hardware(fp: Fingerprints, os: str, ua: str, rng: random.Random) -> Hardware:
    """A phone of a model drawn by share. What a model and OS release report is drawn from
    a generator seeded by them alone, so every such phone reports the same."""
    ios = br.ios_version_of(ua) or (18, 6, 0)
    runs = [p for p in PHONES if p.os == os and (os != "iOS" or p.min_os <= ios[0] <= p.max_os)]
    phone = weighted(rng, [(p, p.weight) for p in runs])
    same = random.Random(f"{phone.model}/{ua}")
    if os == "iOS":
        version = ios
        build = ""
    else:
        release, _, prefix = weighted(rng, [(r, r[1]) for r in ANDROID_RELEASES])
        stated = re.search(r"Android (\d+); Mobile", ua)  # Firefox states the real release
        for known, _, known_prefix in ANDROID_RELEASES:
            if stated and stated.group(1) == known:
                release, prefix = known, known_prefix
        version = (int(release), 0, 0)
        build = f"{prefix}.{rng.choice(('250105', '250205', '250305'))}.{rng.randint(1, 9):03d}"
    cores = fp.sample("hardwareConcurrency", ua, same)
    memory = fp.sample("deviceMemory", ua, same)
    vendor = (
        "Apple Inc."
        if os == "iOS"
        else {"Mali": "ARM", "Adre": "Qualcomm"}.get(
            phone.gpu[:4], "Samsung" if "Xclipse" in phone.gpu else "Imagination Technologies"
        )
    )
    return Hardware(
        form="phone",
        os=os,
        os_version=version,
        vendor=vendor,
        renderer=phone.gpu,
        screen=(phone.css[0], phone.css[1], phone.dpr, 24),
        cores=int(cores) if cores is not None else 8,
        memory=float(memory) if memory is not None else None,
        touch=5,
        fonts=tuple(sorted(fp.sample("fonts", ua, same) or [])),
        phone=phone,
        build=build,
    )


def web_install(fp: Fingerprints, device_id: str, ua: str, rng: random.Random, n: int) -> Install:
    plugins = fp.sample("pluginsData", ua, rng)
    count = len(plugins.get("plugins", [])) if isinstance(plugins, dict) else 0
    old = br.engine_of(ua) in ("blink", "gecko") and rng.random() < 0.04
    return Install(
        id=f"{device_id}/b{n}",
        kind="web",
        user_agent=ua,
        brand=_brand(ua),
        plugins=count,
        do_not_track=fp.sample("doNotTrack", ua, rng) == "1",
        lag_days=rng.expovariate(1 / 4.0),
        frozen=old,
    )


def draw_country(rng: random.Random) -> Country:
    return weighted(rng, [(c, c.weight) for c in COUNTRIES])


def draw_languages(country: Country, rng: random.Random) -> tuple[str, ...]:
    """The country's languages; one person in twelve keeps a first language from elsewhere."""
    if rng.random() < 1 / 12:
        other = rng.choice([c for c in COUNTRIES if c.code != country.code])
        return (*other.languages[:2], country.languages[0])
    return country.languages


def draw_lenders(tenants: tuple[str, ...], rng: random.Random) -> tuple[str, ...]:
    k = weighted(rng, [(1, 0.70), (2, 0.25), (3, 0.05)])
    return tuple(rng.sample(list(tenants), k))
