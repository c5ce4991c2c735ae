"""A simulated device and what it shows. The truth is three-layered: a *person* (home, office,
trips) owns *machines* (hardware, OS update habit, fonts, GPU driver), and each machine runs
one or two *devices*: browser instances or app installs, which are what a device ID should
follow. `Look` is the state of one device at one visit; `render` turns it into what the
collector (or the SDK) would send: attributes, user agent and request headers. Canvas, audio
and font hashes are functions of what renders them, so devices that share a stack share them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from .catalogue import COUNTRIES, OS_OF, PLATFORM, SDK_NOISE, SENSORS, UA_SYSTEM, Model, drivers, h
from .legacy import SimDevice
from .priors import OS_FONTS, collector_fonts, fonts_hash, is_real
from .releases import ENGINE

ORIGIN = "http://127.0.0.1:8080"


@dataclass
class Person:
    """Where a person's devices connect from, and when they travel."""

    id: int
    country: int
    home: str  # the home ISP's /16
    home24: int | None  # the /24 the home address stays in; None: anywhere in the /16
    office: str | None = None  # the office's NAT address
    trip: tuple[float, float, int] | None = None  # start, end, country: a week abroad


@dataclass
class Machine:
    """One computer or phone: hardware and what its owner installs on it over time."""

    id: int
    person: Person
    model: Model  # an SDK model for app installs
    os_lag: float = 3.0  # days after an OS (iOS, Safari, Android) release it installs it
    driver: int = 0  # GPU driver index at the start
    driver_updates: tuple[float, ...] = ()  # when the owner installs the next driver
    fonts: frozenset[str] = frozenset()  # at the start
    font_installs: tuple[tuple[float, frozenset[str]], ...] = ()
    dock: float = 0.0  # share of visits on an external monitor (laptops)
    display: float = 1.0  # phones: the display size setting (Android), Display Zoom (iPhone)
    storage_total_mb: int = 0  # SDK


@dataclass
class Device:
    """One browser instance or app install (the truth a device ID should follow)."""

    id: int
    machine: Machine
    channel: str  # web, android, ios
    browser: str  # chrome edge firefox safari samsung | app
    seed: int
    languages: tuple[str, ...]
    visits: tuple[float, ...] = ()
    frequency: str = "few"
    group: str | None = None  # fleet (one disk image, one office NAT), iphones (identical)
    lag: float = 1.0  # days after a browser or app release it runs it
    language_added: tuple[float, str, bool] | None = None  # when, which, put first
    zoom: tuple[float, float] = (0.0, 1.0)  # share of visits zoomed, and the zoom level
    private: float = 0.0  # share of visits in a private window
    blocker: str | None = None  # extension (blocks some probes, some visits) | rfp (Firefox)
    install: str = ""  # SDK: device_id_hash of the app install
    reinstall: float | None = None  # SDK: when the app is reinstalled (a new install ID)
    storage_free_mb: int = 0

    @property
    def person(self) -> Person:
        return self.machine.person

    @property
    def model(self) -> Model:
        return self.machine.model

    @property
    def kind(self) -> str:
        """The model kind on the web (win_laptop, iphone...); the channel for app installs."""
        return self.model.kind if self.channel == "web" else self.channel

    @property
    def os(self) -> str:
        return OS_OF.get(self.kind) or self.channel


@dataclass(frozen=True)
class Look:
    """The truth of one visit: the state of the device then, before rendering."""

    at: float
    version: str  # browser major, Safari version, app version
    os_version: str = ""  # iOS, Android (release/build[@patch]); "" where the UA freezes it
    browser_index: int = 0  # release indices, to name the events between two visits
    os_index: int = 0
    browser_canvas: int = 0  # rendering generations (releases that changed canvas or audio)
    browser_audio: int = 0
    os_canvas: int = 0
    os_audio: int = 0
    driver: int = 0
    driver_canvas: int = 0
    fonts: frozenset[str] = frozenset()
    docked: bool = False
    zoom: float = 1.0
    away: int | None = None  # the country abroad
    languages: tuple[str, ...] = ()
    private: bool = False
    canvas_blocked: bool = False
    audio_blocked: bool = False
    network: str = "home"  # home, mobile, office, hotel (abroad), roaming (abroad, mobile)
    ip: str = ""
    install: str = ""
    storage_free_mb: int = 0
    noise: str = field(default="", compare=False)  # private windows: per-visit readback noise


def user_agent(d: Device, look: Look) -> str:
    os, b, v = d.os, d.browser, look.version
    if d.channel == "android":
        return "okhttp/4.12.0"
    if d.channel == "ios":
        return f"DemoLender/{v} CFNetwork/1494.0.7 Darwin/23.4.0"
    if d.kind == "iphone":
        ver = look.os_version
        return (
            f"Mozilla/5.0 (iPhone; CPU iPhone OS {ver.replace('.', '_')} like Mac OS X) "
            f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{_major_minor(ver)} "
            "Mobile/15E148 Safari/604.1"
        )
    if b == "safari":  # iPadOS asks for the desktop site and says it is a Mac
        ver = look.os_version if d.kind == "ipad" else v
        return (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            f"(KHTML, like Gecko) Version/{_major_minor(ver)} Safari/605.1.15"
        )
    if b == "firefox":
        system = "Macintosh; Intel Mac OS X 10.15" if os == "macos" else UA_SYSTEM[os]
        return f"Mozilla/5.0 ({system}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"
    ua = f"Mozilla/5.0 ({UA_SYSTEM[os]}) AppleWebKit/537.36 (KHTML, like Gecko) "
    if b == "samsung":
        return ua + f"SamsungBrowser/{v}.0 Chrome/{int(v) + 97}.0.0.0 Mobile Safari/537.36"
    ua += f"Chrome/{v}.0.0.0 {'Mobile ' if os == 'android' else ''}Safari/537.36"
    return ua + (f" Edg/{v}.0.0.0" if b == "edge" else "")


def renderer(d: Device, look: Look) -> tuple[str, str]:
    """WebGL vendor and renderer. Chrome and Firefox on Windows and macOS hide the driver
    version (a driver update changes the canvas, not this string); Mesa shows its own."""
    m, b = d.model, d.browser
    if m.vendor == "Apple":
        if b == "safari":
            return "Apple Inc.", "Apple GPU"
        if b == "firefox":
            return "Apple", f"{m.gpu}, or similar"
        return "Google Inc. (Apple)", (
            f"ANGLE (Apple, ANGLE Metal Renderer: {m.gpu}, Unspecified Version)"
        )
    if d.os == "android":
        return m.vendor, m.gpu
    if d.os == "linux":
        gl = f"{m.gpu}, OpenGL 4.6 (Core Profile) Mesa {drivers(m)[look.driver]}"
        return (m.vendor, gl) if b == "firefox" else (f"Google Inc. ({m.vendor})", f"ANGLE "
            f"({m.vendor}, {gl})")  # fmt: skip
    if b == "firefox":
        return f"Google Inc. ({m.vendor})", (
            f"ANGLE ({m.vendor}, {m.gpu} Direct3D11 vs_5_0 ps_5_0), or similar"
        )
    return f"Google Inc. ({m.vendor})", (
        f"ANGLE ({m.vendor}, {m.gpu} ({m.gpu_id}) Direct3D11 vs_5_0 ps_5_0, D3D11)"
    )


def canvas_hash(d: Device, look: Look) -> str:
    m = d.model
    if look.private and d.browser in ("firefox", "safari"):  # readback noise, per session
        return h("canvas-noise", look.noise)
    if d.kind in ("iphone", "ipad"):  # one GPU family + one iOS major: one rendering
        return h("canvas", m.gpu_id, "ios", look.os_canvas)
    return h(
        "canvas", d.os, look.os_canvas, m.gpu, m.gpu_id, look.driver_canvas,
        ENGINE[d.browser], look.browser_canvas,
    )  # fmt: skip


def audio_hash(d: Device, look: Look) -> str:
    if look.private and d.browser in ("firefox", "safari"):
        return h("audio-noise", look.noise)
    if d.kind in ("iphone", "ipad"):
        return h("audio", "ios", d.model.cpu, look.os_audio)
    return h("audio", d.os, d.model.cpu, ENGINE[d.browser], look.browser_audio, look.os_audio)


def render(d: Device, look: Look, rng: Random) -> dict[str, Any]:
    """The attributes the collector (or the SDK) sends at this visit."""
    place = COUNTRIES[d.person.country if look.away is None else look.away]
    offset = ZoneInfo(place.zone).utcoffset(dt.datetime.fromtimestamp(look.at, dt.UTC))
    assert offset is not None
    tz = {"timezone": place.zone, "timezone_offset_min": int(offset.total_seconds() // 60)}
    if d.blocker == "rfp":  # Firefox resistFingerprinting reports UTC
        tz = {"timezone": "UTC", "timezone_offset_min": 0}
    if d.channel != "web":
        return _sdk_payload(d, look, rng, tz)
    m, chromium = d.model, d.browser in ("chrome", "edge", "samsung")
    w, ht, ratio = m.screen
    if d.machine.display != 1.0:  # larger (or smaller) text: fewer CSS pixels
        scale = d.machine.display
        w, ht = round(w / scale), round(ht / scale)
        ratio = ratio if m.kind == "iphone" else round(ratio * scale, 4)
    if look.docked:  # a 24" or 27" monitor
        w, ht, ratio = (2560, 1440, 1.0) if m.kind == "mac" else (1920, 1080, 1.0)
    if look.zoom != 1.0:  # browser zoom: larger CSS pixels, a smaller screen in them
        w, ht = int(w / look.zoom), int(ht / look.zoom)
    fonts = look.fonts
    real = is_real(d.machine.fonts)
    if look.private and d.browser == "firefox":  # private windows: only the system's fonts
        system = set(OS_FONTS.get(d.os, ()))
        fonts = frozenset(f for f in fonts if f.startswith("base:") or (real and f in system))
    memory = min(8, m.memory_gb) if chromium else None
    cores = min(m.cores, 8) if d.browser == "safari" else m.cores
    vendor, gl = renderer(d, look)
    device = {
        "screen_width": w,
        "screen_height": ht,
        "pixel_ratio": round(ratio * look.zoom, 4),
        "color_depth": m.color_depth,
        "hardware_concurrency": 2 if d.blocker == "rfp" else cores,
        "device_memory": memory,
        "touch_points": m.touch,
        "webgl_vendor": vendor,
        "webgl_renderer": gl,
        "canvas_hash": None if look.canvas_blocked else canvas_hash(d, look),
        "audio_hash": None if look.audio_blocked else audio_hash(d, look),
        "fonts_hash": fonts_hash(fonts) if real else h("fonts", *sorted(fonts), n=32),
        "fonts_count": len(collector_fonts(fonts)) if real else len(fonts),
        "plugins_count": 0 if m.touch and m.kind != "win_laptop" else 5,
    }
    network = {}
    if chromium:  # navigator.connection
        slow = look.network in ("mobile", "roaming")
        network = {
            "connection_type": "4g",
            "downlink_mbps": rng.choice((1.45, 2.3, 5.6) if slow else (5.6, 10.0)),
            "rtt_ms": rng.choice((100, 150, 200) if slow else (50, 100)),
        }
    return {
        "device": {k: v for k, v in device.items() if v is not None},
        "software": {
            "user_agent": user_agent(d, look),
            "platform": PLATFORM.get(m.kind, PLATFORM.get(d.os)),
            "languages": list(shown_languages(d, look)),
            **tz,
            "do_not_track": d.id % 9 == 0,
            "webdriver": False,
        },
        "network": network,
        "behaviour": behaviour(rng),
    }


def shown_languages(d: Device, look: Look) -> tuple[str, ...]:
    return ("en-US", "en") if d.blocker == "rfp" else look.languages


def _sdk_payload(d: Device, look: Look, rng: Random, tz: dict[str, Any]) -> dict[str, Any]:
    m = d.model
    maker, brand, model, hardware, product, codename = m.sdk
    release = look.os_version
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
        "storage_total_mb": d.machine.storage_total_mb,
        "storage_free_mb": look.storage_free_mb,
        "device_id_hash": look.install,
    }
    home = COUNTRIES[d.person.country]
    if d.channel == "android":  # Samsung, Xiaomi, Motorola firmware is per region
        release, build = release.split("/")
        build, _, patch = build.partition("@")
        region = "" if maker in ("Google", "OnePlus") else home.code
        device["build_fingerprint"] = (
            f"{brand}/{product}/{codename}:{release}/{build}/"
            f"{h(product, build, patch, region, n=8)}:user/release-keys"
        )
    wifi = look.network not in ("mobile", "roaming")
    return {
        "device": device,
        "software": {
            "user_agent": user_agent(d, look),
            "languages": list(look.languages),
            **tz,
            "os": "Android" if d.channel == "android" else "iOS",
            "os_version": release,
            "app_id": "com.demo.lender",
            "app_version": look.version,
        },
        "network": {
            "connection_type": "wifi" if wifi else "cellular",
            "carrier": home.carrier,
            "sim_country": home.code,
            "wifi_on": wifi or rng.random() < 0.5,
            "bluetooth_on": d.id % 3 != 0,
            "vpn_active": False,
            "proxy_configured": False,
        },
        "apps": {"category_counts": {"credit": d.id % 3, "shopping": 4, "social": 6}},
        "behaviour": behaviour(rng),
    }


def headers(d: Device, look: Look) -> dict[str, str]:
    accept = ",".join(
        lang if i == 0 else f"{lang};q={max(0.1, 1 - i / 10):.1f}"
        for i, lang in enumerate(shown_languages(d, look))
    )
    out = {"User-Agent": user_agent(d, look), "Accept-Language": accept}
    out["X-Forwarded-For"] = look.ip
    if d.channel == "web":
        out["Origin"] = ORIGIN
    return out


def appearance(d: Device, look: Look) -> str:
    """What a device shows, apart from locale, network and per-session noise: two devices
    with one appearance are look-alikes, which no attribute tells apart."""
    p = render(d, look, Random(0))
    shown = {k: v for k, v in p["device"].items() if k not in SDK_NOISE}
    return json.dumps([shown, p["software"]["user_agent"], p["software"].get("platform")])


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


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


__all__ = [  # `SimDevice` and `h` for `tools.population`, which uses the single-device API
    "Device",
    "Look",
    "Machine",
    "Person",
    "SimDevice",
    "appearance",
    "audio_hash",
    "canvas_hash",
    "h",
    "headers",
    "render",
    "renderer",
    "user_agent",
]
