"""The first simulation's single-device API, kept for `tools.population`: a device that
drifts per session with given probabilities (`Rates`, `drift`), made by `new_device`, and
showing itself through `SimDevice.payload` and `.headers`. The drift simulation itself now
runs on a release calendar (`releases`, `device`, `events`); this module is not used by it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from .catalogue import (
    BASE_FONTS,
    BROWSERS,
    COUNTRIES,
    EXTRA_LANGUAGES,
    FONT_PACKS,
    MODELS,
    OS_OF,
    PLATFORM,
    SDK_MODELS,
    SDK_NOISE,
    SENSORS,
    SINGLE_FONTS,
    T0,
    UA_SYSTEM,
    Model,
    drivers,
    h,
)

_OS_VERSIONS = {  # in release order; web user agents freeze most of them
    "windows": "10.0.19045.4291 10.0.19045.4529 10.0.22631.3737 10.0.22631.4037 10.0.22631.4317",
    "macos": "14.4.1 14.5 14.6.1 14.7 15.0.1 15.1 15.2",
    "linux": "6.5.0-14 6.5.0-41 6.8.0-40 6.8.0-45 6.8.0-49",
    "android": "13/TP1A.220624.014 14/UP1A.231005.007 14/AP1A.240305.019 14/AP2A.240805.005 "
    "15/AP3A.241005.015",
    "ios": "17.4.1 17.5.1 17.6.1 18.0 18.0.1 18.1 18.2",
}
OS_VERSIONS = {os: tuple(v.split()) for os, v in _OS_VERSIONS.items()}
SAFARI = ("17.4", "17.5", "17.6", "18.0", "18.1", "18.2", "18.3")
FIRST_VERSION = {"chrome": 126, "edge": 126, "firefox": 128, "samsung": 24, "safari": 0}


ORIGIN = "http://127.0.0.1:8080"


def generation(what: str, version: int, seed: int, p: float = 0.3) -> int:
    """Rendering changes up to release `version` of `what`; each release changed rendering
    with probability `p`, the same for every device (a canvas or audio 'bucket')."""
    return sum(
        int(h("change", seed, what, v, n=8), 16) < p * 0xFFFFFFFF for v in range(version + 1)
    )


@dataclass
class SimDevice:
    """What a device is (the hidden truth) and what it currently shows."""

    id: int
    channel: str  # web, android, ios
    model: Model
    browser: str  # chrome edge firefox safari samsung | app (SDK)
    version: int  # browser major, Safari index (macOS), app version index (SDK)
    os_index: int
    driver: int
    fonts: frozenset[str]
    country: int
    languages: list[str]
    ip: str
    seed: int
    group: int | None = None  # twin group
    install: str = ""  # SDK: device_id_hash of the current app install
    storage_total_mb: int = 0
    storage_free_mb: int = 0
    docked: bool = False  # on an external monitor
    zoom: float = 1.0
    away: int | None = None  # the country travelled to
    transient: set[str] = field(default_factory=set)  # this session only

    @property
    def os(self) -> str:
        return OS_OF.get(self.model.kind) or self.channel

    def os_version(self) -> str:
        return OS_VERSIONS[self.os][self.os_index]

    def renderer(self) -> tuple[str, str]:
        m, b = self.model, self.browser
        if m.vendor == "Apple":
            if b == "safari":
                return "Apple Inc.", "Apple GPU"
            if b == "firefox":
                return "Apple", f"{m.gpu}, or similar"
            return "Google Inc. (Apple)", (
                f"ANGLE (Apple, ANGLE Metal Renderer: {m.gpu}, Unspecified Version)"
            )
        if self.os == "android":
            return m.vendor, m.gpu
        drv = drivers(m)[self.driver]
        if self.os == "linux":
            gl = f"{m.gpu}, OpenGL 4.6 (Core Profile) Mesa {drv}"
            return (m.vendor, gl) if b == "firefox" else (f"Google Inc. ({m.vendor})", f"ANGLE "
                f"({m.vendor}, {gl})")  # fmt: skip
        if b == "firefox":
            return f"Google Inc. ({m.vendor})", (
                f"ANGLE ({m.vendor}, {m.gpu} Direct3D11 vs_5_0 ps_5_0), or similar"
            )
        return f"Google Inc. ({m.vendor})", (
            f"ANGLE ({m.vendor}, {m.gpu} ({m.gpu_id}) Direct3D11 vs_5_0 ps_5_0, D3D11-{drv})"
        )

    def user_agent(self) -> str:
        os, b, v = self.os, self.browser, self.version
        if self.channel == "android":
            return "okhttp/4.12.0"
        if self.channel == "ios":
            return f"DemoLender/{app_version(v)} CFNetwork/1494.0.7 Darwin/23.4.0"
        if self.model.kind == "iphone":
            ver = self.os_version()
            return (
                f"Mozilla/5.0 (iPhone; CPU iPhone OS {ver.replace('.', '_')} like Mac OS X) "
                f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{_major_minor(ver)} "
                "Mobile/15E148 Safari/604.1"
            )
        if b == "safari":  # iPadOS asks for the desktop site and says it is a Mac
            ver = self.os_version() if self.model.kind == "ipad" else SAFARI[v]
            return (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                f"(KHTML, like Gecko) Version/{_major_minor(ver)} Safari/605.1.15"
            )
        if b == "firefox":
            system = "Macintosh; Intel Mac OS X 10.15" if os == "macos" else UA_SYSTEM[os]
            return f"Mozilla/5.0 ({system}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"
        ua = f"Mozilla/5.0 ({UA_SYSTEM[os]}) AppleWebKit/537.36 (KHTML, like Gecko) "
        if b == "samsung":
            return ua + f"SamsungBrowser/{v}.0 Chrome/{v + 97}.0.0.0 Mobile Safari/537.36"
        ua += f"Chrome/{v}.0.0.0 {'Mobile ' if os == 'android' else ''}Safari/537.36"
        return ua + (f" Edg/{v}.0.0.0" if b == "edge" else "")

    def canvas_hash(self) -> str:
        m = self.model
        if m.kind in ("iphone", "ipad"):  # one GPU family + one iOS version: one rendering
            return h("canvas", m.gpu_id, self.os_version())
        engine = {"firefox": "gecko", "safari": "webkit"}.get(self.browser, "blink")
        browser_gen = generation(self.browser, self.version, self.seed)
        os_gen = generation(self.os + ":canvas", self.os_index, self.seed, 0.2)
        return h("canvas", self.os, os_gen, m.gpu, drivers(m)[self.driver], engine, browser_gen)

    def audio_hash(self) -> str:
        return h("audio", self.os, self.model.cpu, generation(self.os, self.os_index, self.seed))

    def payload(self, rng: Random, now: float) -> dict[str, Any]:
        """The attributes the collector (or the SDK) sends now."""
        place = COUNTRIES[self.country if self.away is None else self.away]
        offset = ZoneInfo(place.zone).utcoffset(dt.datetime.fromtimestamp(now, dt.UTC))
        assert offset is not None
        tz = {"timezone": place.zone, "timezone_offset_min": int(offset.total_seconds() // 60)}
        if self.channel != "web":
            return self._sdk_payload(rng, tz)
        m, chromium = self.model, self.browser in ("chrome", "edge", "samsung")
        w, ht, ratio = m.screen
        if self.docked:  # a 24" or 27" office monitor
            w, ht, ratio = (2560, 1440, 1.0) if m.kind == "mac" else (1920, 1080, 1.0)
        fonts = self.fonts
        plugins = 0 if m.touch and m.kind != "win_laptop" else 5
        if "incognito" in self.transient:  # private window: only the system's own fonts
            fonts, plugins = frozenset(f for f in fonts if f.startswith("base:")), 0
        memory = min(8, m.memory_gb) if chromium else None
        if memory is not None and "memory_reported" in self.transient:
            memory //= 2
        vendor, renderer = self.renderer()
        device = {
            "screen_width": w,
            "screen_height": ht,
            "pixel_ratio": round(ratio * self.zoom, 4),
            "color_depth": m.color_depth,
            "hardware_concurrency": min(m.cores, 8) if self.browser == "safari" else m.cores,
            "device_memory": memory,
            "touch_points": m.touch,
            "webgl_vendor": vendor,
            "webgl_renderer": renderer,
            "canvas_hash": self.canvas_hash(),
            "audio_hash": self.audio_hash(),
            "fonts_hash": h("fonts", *sorted(fonts), n=32),
            "fonts_count": len(fonts),
            "plugins_count": plugins,
        }
        network = {}
        if chromium:  # navigator.connection
            network = {
                "connection_type": "4g",
                "downlink_mbps": rng.choice((1.45, 2.3, 5.6, 10.0)),
                "rtt_ms": rng.choice((50, 100, 150, 200)),
            }
        return {
            "device": {k: v for k, v in device.items() if v is not None},
            "software": {
                "user_agent": self.user_agent(),
                "platform": PLATFORM.get(m.kind, PLATFORM.get(self.os)),
                "languages": list(self.languages),
                **tz,
                "do_not_track": self.id % 9 == 0,
                "webdriver": False,
            },
            "network": network,
            "behaviour": behaviour(rng),
        }

    def _sdk_payload(self, rng: Random, tz: dict[str, Any]) -> dict[str, Any]:
        m = self.model
        maker, brand, model, hardware, product, codename = m.sdk
        release = self.os_version()
        device: dict[str, Any] = {
            "screen_width": m.screen[0],
            "screen_height": m.screen[1],
            "pixel_ratio": m.screen[2],
            "manufacturer": maker,
            "brand": brand,
            "model": model,
            "hardware": hardware,
            "product": product,
            "sensors": list(SENSORS[model]),
            "battery_level": round(rng.uniform(0.08, 1.0), 2),
            "battery_charging": rng.random() < 0.25,
            "storage_total_mb": self.storage_total_mb,
            "storage_free_mb": self.storage_free_mb,
            "device_id_hash": self.install,
        }
        home = COUNTRIES[self.country]
        if self.channel == "android":  # Samsung, Xiaomi, Motorola firmware is per region
            release, build = release.split("/")
            region = "" if maker in ("Google", "OnePlus") else home.code
            device["build_fingerprint"] = (
                f"{brand}/{product}/{codename}:{release}/{build}/"
                f"{h(product, build, region, n=8)}:user/release-keys"
            )
        wifi = rng.random() < 0.6
        return {
            "device": device,
            "software": {
                "user_agent": self.user_agent(),
                "languages": list(self.languages),
                **tz,
                "os": "Android" if self.channel == "android" else "iOS",
                "os_version": release,
                "app_id": "com.demo.lender",
                "app_version": app_version(self.version),
            },
            "network": {
                "connection_type": "wifi" if wifi else "cellular",
                "carrier": home.carrier,
                "sim_country": home.code,
                "wifi_on": wifi or rng.random() < 0.5,
                "bluetooth_on": self.id % 3 != 0,
                "vpn_active": False,
                "proxy_configured": False,
            },
            "apps": {"category_counts": {"credit": self.id % 3, "shopping": 4, "social": 6}},
            "behaviour": behaviour(rng),
        }

    def headers(self) -> dict[str, str]:
        accept = ",".join(
            lang if i == 0 else f"{lang};q={max(0.1, 1 - i / 10):.1f}"
            for i, lang in enumerate(self.languages)
        )
        out = {"User-Agent": self.user_agent(), "Accept-Language": accept}
        out["X-Forwarded-For"] = self.ip
        if self.channel == "web":
            out["Origin"] = ORIGIN
        return out

    def look(self) -> str:
        """What the device shows, apart from locale, network and per-session noise."""
        p = self.payload(Random(0), T0)
        shown = {k: v for k, v in p["device"].items() if k not in SDK_NOISE}
        return json.dumps([shown, p["software"]["user_agent"], p["software"].get("platform")])


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def app_version(v: int) -> str:
    return f"5.{v // 4}.{v % 4}"


def behaviour(rng: Random) -> dict[str, Any]:
    return {
        "time_on_page_ms": rng.randint(25_000, 240_000),
        "history_length": rng.randint(1, 6),
        "pages_visited": rng.randint(1, 5),
        "fields": [
            {"name": name, "chars_typed": rng.randint(1, 6), "focus_ms": rng.randint(900, 9000)}
            for name in ("loan_amount", "term_months", "monthly_income")
        ],
    }


def new_ip(rng: Random, country: int) -> str:
    return f"{rng.choice(COUNTRIES[country].prefixes)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


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
