"""Generating the devices: independent web devices and app installs, twin groups (one
company's identical machines), and each device's class (twin, look-alike, unique)."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from random import Random

from .catalogue import (
    BASE_FONTS,
    BROWSERS,
    COUNTRIES,
    EXTRA_LANGUAGES,
    FIRST_VERSION,
    FONT_PACKS,
    MODELS,
    OS_OF,
    SDK_MODELS,
    SINGLE_FONTS,
)
from .device import SimDevice, drivers, h, new_ip

# share of web devices, in % (kind -> weight); twin groups are mostly company laptops
WEB_KINDS = {"win_desktop": 17, "win_laptop": 20, "mac": 14, "linux": 3, "android": 22}
WEB_KINDS |= {"iphone": 18, "ipad": 6}
TWIN_KINDS = {"win_laptop": 45, "win_desktop": 20, "mac": 20, "iphone": 10, "android": 5}


def _pick(rng: Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def new_device(rng: Random, ident: int, channel: str, kind: str, seed: int) -> SimDevice:
    """One independent web device of `kind`, or an app install on `channel` (SDK)."""
    country = rng.randrange(len(COUNTRIES))
    langs = list(COUNTRIES[country].languages)
    if channel != "web":
        model = rng.choice([m for m in SDK_MODELS if (m.sdk[0] == "Apple") == (channel == "ios")])
        dev = SimDevice(
            ident, channel, model, "app", rng.randint(40, 47), rng.randrange(3), 0, frozenset(),
            country, langs, new_ip(rng, country), seed,
        )  # fmt: skip
        dev.install = h("install", seed, ident, rng.random(), n=16)
        dev.storage_total_mb = int(model.storage_mb * rng.choice((0.5, 1, 1, 2)))  # capacity
        dev.storage_free_mb = int(dev.storage_total_mb * rng.uniform(0.1, 0.7))
        return dev
    model = rng.choice([m for m in MODELS if m.kind == kind])
    browser = _pick(rng, BROWSERS[kind])
    if browser == "samsung" and not model.name.startswith("Galaxy"):
        browser = "chrome"
    os = OS_OF[kind]
    version = FIRST_VERSION[browser] + rng.choices(range(6), (1, 1, 2, 3, 4, 5))[0]
    fonts = {f"base:{os}:{i}" for i in range(BASE_FONTS[os])}
    if os in ("windows", "macos", "linux"):
        for pack, n in FONT_PACKS.items():
            if rng.random() < (0.45 if pack == "office" else 0.12):
                fonts |= {f"{pack}:{i}" for i in range(n)}
        fonts |= set(rng.sample(SINGLE_FONTS, rng.choice((0, 0, 1, 1, 2, 3, 5))))
    driver = rng.randrange(max(1, len(drivers(model)) - 1))
    return SimDevice(
        ident, "web", model, browser, version, rng.randrange(3), driver, frozenset(fonts),
        country, langs, new_ip(rng, country), seed,
    )  # fmt: skip


def make_devices(
    n: int, seed: int, *, twin_fraction: float = 0.2, sdk_fraction: float = 0.2
) -> list[SimDevice]:
    """`n` devices, `sdk_fraction` of them app installs; about `twin_fraction` of each
    channel in twin groups of 2-10 (one company's purchase: same model, OS image, fonts,
    browser version and office; a colleague may add a language or work from home)."""
    rng = Random(seed)
    n_sdk = round(n * sdk_fraction)
    devices: list[SimDevice] = []
    group = 0
    for count, web in ((n - n_sdk, True), (n_sdk, False)):
        twins, made = round(count * twin_fraction), 0
        while made < count:
            channel = "web" if web else rng.choice(("android", "android", "ios"))
            kind = channel
            if made + 2 <= twins:
                size = min(rng.randint(2, 10), twins - made)
                size += 1 if twins - made - size == 1 else 0
                kind = _pick(rng, TWIN_KINDS) if web else channel
                template = new_device(rng, len(devices), channel, kind, seed)
                group += 1
                for _ in range(size):
                    d = copy.deepcopy(template)
                    d.id, d.group = len(devices), group
                    if rng.random() < 0.3:  # works from home
                        d.ip = new_ip(rng, d.country)
                    if rng.random() < 0.2:
                        d.languages = [rng.choice(EXTRA_LANGUAGES), *d.languages]
                        d.languages = list(dict.fromkeys(d.languages))
                    d.install = h("install", seed, d.id, n=16)
                    devices.append(d)
                made += size
            else:
                kind = _pick(rng, WEB_KINDS) if web else channel
                devices.append(new_device(rng, len(devices), channel, kind, seed))
                made += 1
    return devices


def device_classes(devices: Sequence[SimDevice]) -> dict[int, str]:
    """twin (in a twin group), lookalike (shows exactly what another device shows), unique."""
    looks = Counter(d.look() for d in devices)
    return {
        d.id: "twin" if d.group else "lookalike" if looks[d.look()] > 1 else "unique"
        for d in devices
    }
