"""Device-ID accuracy on a drift simulation with known truth, measured through the public API.

    python -m tools.drift [--devices 300] [--sessions-per-device 6] [--seed 7] [--days 30]
                          [--twin-fraction 0.2] [--sdk-fraction 0.2] [--json out.json]

1. Generates synthetic devices from a seeded `random.Random`: Windows, macOS and Linux
   desktops and laptops, Android phones, iPhones and iPads on the web, and Android and iOS
   app installs (SDK). Attributes are coherent: real user-agent templates, real screen sizes
   and WebGL renderer strings per model; canvas, audio and font hashes are functions of what
   renders them (GPU, OS, driver and browser rendering generation; OS and CPU; the font set),
   so devices that share a stack share the hashes. A fraction of the devices are twins: a
   company's identical laptops or phones, one OS image, one office IP.
2. Between two sessions of a device, drift events happen with per-session probabilities
   (`Rates`): browser and OS updates, a font installed, an external monitor, zoom, travel,
   a language added, a GPU driver update, a private window, an app update or reinstall, an
   IP change. SDK battery and free storage change every session (noise, not an event).
3. Starts the real service in-process (fresh data directory, the repository's config/),
   drives every session in time order over `--days` simulated days (the service clock is
   set to the simulated time): POST /v1/sessions -> /v1/collect -> /v1/score as the demo
   tenant, and compares the returned device_id with the truth.

Metrics (`compute_metrics`): the returning-session link rate (recall), the false merge rate,
ID fragmentation and purity, recall per drift event, false merges of twins, look-alikes and
unique devices, and the mean device_confidence per outcome. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from random import Random
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import httpx
import trio

from engine.server import ServeOptions, serve

REPO = Path(__file__).resolve().parent.parent
ORIGIN = "http://127.0.0.1:8080"
SITE_KEY, API_KEY = "demo_site", "demo_key"
T0 = dt.datetime(2025, 3, 3, tzinfo=dt.UTC).timestamp()  # fixed: results repeat per seed
DAY = 86400.0

# -- the catalogue: real models, screens, GPUs, user agents ---------------------------------

# IANA zone | navigator.languages | residential /16 prefixes | mobile carrier | country
_COUNTRIES = """
Europe/Berlin       | de-DE de en-US en | 84.150 91.12 79.200     | Telekom.de | de
Europe/Paris        | fr-FR fr en-US en | 86.212 90.12            | Orange F   | fr
Europe/London       | en-GB en          | 81.2 80.229             | EE         | gb
Europe/Madrid       | es-ES es          | 2.140 88.6              | Movistar   | es
Europe/Rome         | it-IT it en-US en | 151.38 93.40            | TIM        | it
Europe/Amsterdam    | nl-NL nl en       | 145.131 83.84           | KPN        | nl
America/New_York    | en-US en          | 73.12 24.5              | Verizon    | us
America/Los_Angeles | en-US en          | 98.207                  | T-Mobile   | us
America/Sao_Paulo   | pt-BR pt en       | 189.6 177.32            | Vivo       | br
"""
EXTRA_LANGUAGES = ("en-US", "en", "fr", "de", "es", "uk", "pl", "tr", "ar", "zh-CN")

# kind | name | CSS screen WxHxratio | GPU vendor | GPU | PCI id (Windows) or GPU family | CPU |
# logical cores | RAM GB | touch points | colour depth
_MODELS = """
win_desktop | RTX 3060 tower    | 1920x1080x1      | NVIDIA | NVIDIA GeForce RTX 3060            | 0x00002503 | intel-12   | 12 | 16 | 0  | 24
win_desktop | GTX 1650 tower    | 1920x1080x1      | NVIDIA | NVIDIA GeForce GTX 1650            | 0x00001F82 | intel-10   | 8  | 16 | 0  | 24
win_desktop | RTX 4070 tower    | 2560x1440x1      | NVIDIA | NVIDIA GeForce RTX 4070            | 0x00002786 | amd-zen4   | 16 | 32 | 0  | 24
win_desktop | RX 6600 tower     | 2560x1440x1      | AMD    | AMD Radeon RX 6600                 | 0x000073FF | amd-zen3   | 12 | 16 | 0  | 24
win_desktop | office PC UHD 770 | 1920x1080x1      | Intel  | Intel(R) UHD Graphics 770          | 0x00004680 | intel-12   | 12 | 8  | 0  | 24
win_desktop | office PC 1680    | 1680x1050x1      | Intel  | Intel(R) UHD Graphics 630          | 0x00003E92 | intel-9    | 6  | 8  | 0  | 24
win_laptop  | ThinkPad T14 G2   | 1536x864x1.25    | Intel  | Intel(R) Iris(R) Xe Graphics       | 0x00009A49 | intel-11u  | 8  | 16 | 0  | 24
win_laptop  | Latitude 5420     | 1536x864x1.25    | Intel  | Intel(R) Iris(R) Xe Graphics       | 0x00009A49 | intel-11u  | 8  | 16 | 10 | 24
win_laptop  | HP 250 G7         | 1366x768x1       | Intel  | Intel(R) UHD Graphics 620          | 0x00005917 | intel-8u   | 8  | 8  | 0  | 24
win_laptop  | IdeaPad 5 AMD     | 1280x720x1.5     | AMD    | AMD Radeon(TM) Graphics            | 0x00001638 | amd-zen3u  | 16 | 16 | 0  | 24
win_laptop  | Legion 5          | 1920x1080x1      | NVIDIA | NVIDIA GeForce RTX 3050 Laptop GPU | 0x000025A2 | intel-12h  | 16 | 16 | 0  | 24
mac         | MacBook Air M1    | 1440x900x2       | Apple  | Apple M1                           | m1         | m1         | 8  | 8  | 0  | 24
mac         | MacBook Air M2    | 1470x956x2       | Apple  | Apple M2                           | m2         | m2         | 8  | 8  | 0  | 24
mac         | MacBook Pro 14 M3 | 1512x982x2       | Apple  | Apple M3 Pro                       | m3         | m3         | 12 | 18 | 0  | 30
mac         | MacBook Pro 16 M2 | 1728x1117x2      | Apple  | Apple M2 Max                       | m2         | m2         | 12 | 32 | 0  | 30
mac         | iMac 24 M1        | 2240x1260x2      | Apple  | Apple M1                           | m1         | m1         | 8  | 8  | 0  | 24
linux       | Intel laptop      | 1920x1080x1      | Intel  | Mesa Intel(R) UHD Graphics 620 (KBL GT2) | mesa | intel-8u   | 8  | 16 | 0  | 24
linux       | AMD desktop       | 2560x1440x1      | AMD    | AMD Radeon RX 6600 (radeonsi, navi23, LLVM 15.0.7) | mesa | amd-zen3 | 12 | 32 | 0 | 24
android     | Galaxy S23        | 360x780x3        | Qualcomm | Adreno (TM) 740                  | adreno7    | sd8g2      | 8  | 8  | 5  | 24
android     | Galaxy A54        | 384x854x2.8125   | ARM    | Mali-G68                           | mali       | exynos1380 | 8  | 8  | 5  | 24
android     | Pixel 7           | 412x915x2.625    | ARM    | Mali-G710                          | mali       | tensor-g2  | 8  | 8  | 5  | 24
android     | Redmi Note 12     | 393x873x2.75     | Qualcomm | Adreno (TM) 610                  | adreno6    | sd685      | 8  | 4  | 5  | 24
android     | Galaxy A14        | 384x854x2.8125   | ARM    | Mali-G52 MC2                       | mali       | helio-g80  | 8  | 4  | 5  | 24
android     | Galaxy S21 FE     | 412x915x2.625    | Qualcomm | Adreno (TM) 660                  | adreno6    | sd888      | 8  | 8  | 5  | 24
android     | Galaxy A34        | 412x915x2.625    | ARM    | Mali-G68 MC4                       | mali       | dim1080    | 8  | 6  | 5  | 24
android     | Pixel 8           | 412x915x2.625    | ARM    | Mali-G715                          | mali       | tensor-g3  | 9  | 8  | 5  | 24
android     | moto g84          | 412x915x2.625    | Qualcomm | Adreno (TM) 619                  | adreno6    | sd695      | 8  | 8  | 5  | 24
android     | OnePlus 11        | 412x919x3.5      | Qualcomm | Adreno (TM) 740                  | adreno7    | sd8g2      | 8  | 8  | 5  | 24
android     | Redmi Note 13     | 393x873x2.75     | Qualcomm | Adreno (TM) 610                  | adreno6    | sd685      | 8  | 6  | 5  | 24
iphone      | iPhone SE 3       | 375x667x2        | Apple  | Apple GPU                          | a15        | a15        | 6  | 4  | 5  | 24
iphone      | iPhone 13         | 390x844x3        | Apple  | Apple GPU                          | a15        | a15        | 6  | 4  | 5  | 24
iphone      | iPhone 14         | 390x844x3        | Apple  | Apple GPU                          | a15        | a15        | 6  | 6  | 5  | 24
iphone      | iPhone 14 Pro     | 393x852x3        | Apple  | Apple GPU                          | a16        | a16        | 6  | 6  | 5  | 24
iphone      | iPhone 15         | 393x852x3        | Apple  | Apple GPU                          | a16        | a16        | 6  | 6  | 5  | 24
iphone      | iPhone 15 Pro Max | 430x932x3        | Apple  | Apple GPU                          | a17        | a17        | 6  | 8  | 5  | 24
ipad        | iPad 9            | 810x1080x2       | Apple  | Apple GPU                          | a13        | a13        | 6  | 3  | 5  | 24
ipad        | iPad Air 5        | 820x1180x2       | Apple  | Apple GPU                          | m1         | m1         | 8  | 8  | 5  | 24
ipad        | iPad Pro 12.9     | 1024x1366x2      | Apple  | Apple GPU                          | m2         | m2         | 8  | 8  | 5  | 24
"""  # noqa: E501
# manufacturer | brand | model | hardware | product | device | screen px | storage MB | sensors
_SDK_MODELS = """
samsung | samsung | SM-S911B   | qcom       | dm1qxxx      | dm1q    | 1080x2340x3      | 238418 | LSM6DSO Accelerometer, AK09918 Magnetometer, TMD4910 Light, STK33917 Proximity, LPS22HH Barometer
samsung | samsung | SM-A546B   | s5e8835    | a54xnsxx     | a54x    | 1080x2340x2.8125 | 110398 | LSM6DSL Accelerometer, AK09918 Magnetometer, STK31610 Light
Google  | google  | Pixel 7    | panther    | panther      | panther | 1080x2400x2.625  | 119209 | LSM6DSR Accelerometer, MMC5603 Magnetometer, TMD3719 Light, ICP20100 Barometer
Xiaomi  | Redmi   | 23021RAAEG | qcom       | tapas_global | tapas   | 1080x2400x2.75   | 110398 | BMI260 Accelerometer, AK09918 Magnetometer, TCS3701 Light
samsung | samsung | SM-A346B   | mt6877     | a34xnsxx     | a34x    | 1080x2340x2.8125 | 110398 | LSM6DSL Accelerometer, AK09918 Magnetometer, STK31610 Light
samsung | samsung | SM-S921B   | s5e9945    | e1sxxx       | e1s     | 1080x2340x3      | 238418 | LSM6DSV Accelerometer, AK09918 Magnetometer, TCS3408 Light, LPS22HH Barometer
motorola | motorola | moto g84 5G | qcom     | bangkk_g     | bangkk  | 1080x2400x2.625  | 238418 | BMI3X0 Accelerometer, AK09918 Magnetometer, STK3A5X Light
OnePlus | OnePlus | CPH2449    | qcom       | CPH2449EEA   | OP594DL1 | 1440x3216x3.5   | 238418 | BMI260 Accelerometer, MMC5603 Magnetometer, TCS3701 Light
Apple   | Apple   | iPhone14,5 | iPhone14,5 | iPhone 13    |         | 1170x2532x3      | 122070 | Accelerometer, Gyroscope, Magnetometer, Barometer
Apple   | Apple   | iPhone15,2 | iPhone15,2 | iPhone 14 Pro |        | 1179x2556x3      | 244140 | Accelerometer, Gyroscope, Magnetometer, Barometer
Apple   | Apple   | iPhone16,1 | iPhone16,1 | iPhone 15 Pro |        | 1179x2556x3      | 122070 | Accelerometer, Gyroscope, Magnetometer, Barometer, LiDAR
"""  # noqa: E501
_OS_VERSIONS = {  # in release order; web user agents freeze most of them
    "windows": "10.0.19045.4291 10.0.19045.4529 10.0.22631.3737 10.0.22631.4037 10.0.22631.4317",
    "macos": "14.4.1 14.5 14.6.1 14.7 15.0.1 15.1 15.2",
    "linux": "6.5.0-14 6.5.0-41 6.8.0-40 6.8.0-45 6.8.0-49",
    "android": "13/TP1A.220624.014 14/UP1A.231005.007 14/AP1A.240305.019 14/AP2A.240805.005 "
    "15/AP3A.241005.015",
    "ios": "17.4.1 17.5.1 17.6.1 18.0 18.0.1 18.1 18.2",
}


def _table(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")] for line in text.strip().splitlines()]


def _screen(text: str) -> tuple[int, int, float]:
    w, h, r = text.split("x")
    return int(w), int(h), float(r)


class Country(NamedTuple):
    zone: str
    languages: tuple[str, ...]
    prefixes: tuple[str, ...]
    carrier: str
    code: str


class Model(NamedTuple):
    """One hardware model (web) or phone model (SDK)."""

    kind: str  # win_desktop win_laptop mac linux android iphone ipad | sdk
    name: str
    screen: tuple[int, int, float]
    vendor: str  # GPU vendor family
    gpu: str  # renderer model string
    gpu_id: str  # PCI id (Windows), "mesa" (Linux) or the GPU family (canvas input)
    cpu: str
    cores: int = 8
    memory_gb: int = 8
    touch: int = 0
    color_depth: int = 24
    sdk: tuple[str, ...] = ()  # SDK: manufacturer brand model hardware product device
    storage_mb: int = 0  # SDK: total storage


COUNTRIES = tuple(
    Country(z, tuple(la.split()), tuple(p.split()), c, cc) for z, la, p, c, cc in _table(_COUNTRIES)
)
MODELS = tuple(
    Model(k, n, _screen(s), v, g, i, c, int(co), int(m), int(t), int(d))
    for k, n, s, v, g, i, c, co, m, t, d in _table(_MODELS)
)
SDK_MODELS = tuple(
    Model("sdk", mo, _screen(s), "", "", "", "", 8, 8, 5, 24, (ma, br, mo, hw, pr, dv), int(st))
    for ma, br, mo, hw, pr, dv, s, st, _ in _table(_SDK_MODELS)
)
OS_VERSIONS = {os: tuple(v.split()) for os, v in _OS_VERSIONS.items()}
SENSORS = {row[2]: row[8].split(", ") for row in _table(_SDK_MODELS)}
OS_OF = {"win_desktop": "windows", "win_laptop": "windows", "mac": "macos", "linux": "linux"}
OS_OF |= {"android": "android", "iphone": "ios", "ipad": "ios"}
SAFARI = ("17.4", "17.5", "17.6", "18.0", "18.1", "18.2", "18.3")
BROWSERS = {  # kind -> browser -> weight
    "win_desktop": {"chrome": 70, "edge": 20, "firefox": 10},
    "win_laptop": {"chrome": 65, "edge": 28, "firefox": 7},
    "mac": {"safari": 50, "chrome": 45, "firefox": 5},
    "linux": {"chrome": 60, "firefox": 40},
    "android": {"chrome": 85, "samsung": 15},
    "iphone": {"safari": 1},
    "ipad": {"safari": 1},
}
FIRST_VERSION = {"chrome": 126, "edge": 126, "firefox": 128, "samsung": 24, "safari": 0}
UA_SYSTEM = {
    "windows": "Windows NT 10.0; Win64; x64",
    "macos": "Macintosh; Intel Mac OS X 10_15_7",
    "linux": "X11; Linux x86_64",
    "android": "Linux; Android 10; K",
}
PLATFORM = {"windows": "Win32", "macos": "MacIntel", "linux": "Linux x86_64"}
PLATFORM |= {"android": "Linux armv81", "iphone": "iPhone", "ipad": "MacIntel"}
DRIVERS = {
    "NVIDIA": tuple(
        "31.0.15.3179 31.0.15.3623 31.0.15.4601 31.0.15.5222 31.0.15.5244 32.0.15.5585 "
        "32.0.15.6094 32.0.15.6603".split()
    ),
    "AMD": tuple(
        "30.0.13025.1000 31.0.12027.9001 31.0.21912.14 31.0.22011.4008 31.0.24002.92 "
        "32.0.11021.1011 32.0.12011.1036".split()
    ),
    "Intel": tuple(
        "30.0.101.1340 31.0.101.4091 31.0.101.4502 31.0.101.4953 31.0.101.5333 "
        "31.0.101.5590 32.0.101.5972 32.0.101.6078".split()
    ),
    "mesa": ("23.0.4", "23.2.1", "24.0.5", "24.0.9", "24.2.3", "24.2.8"),
}
FONT_PACKS = {"office": 31, "adobe": 14, "libreoffice": 9, "dev": 4, "cjk": 6, "autocad": 11}
SINGLE_FONTS = (
    "Roboto|Open Sans|Lato|Montserrat|Source Code Pro|Fira Code|Inter|JetBrains Mono|Noto Serif|"
    "Playfair Display|Raleway|Ubuntu|Poppins|Oswald|Merriweather|PT Sans|Nunito|Cascadia Code|"
    "Hack|IBM Plex Sans|Segoe Fluent Icons|Bahnschrift|Garamond|Futura|Gill Sans MT|Rockwell|"
    "Century Gothic|Franklin Gothic|Book Antiqua|Bookman Old Style|Haettenschweiler|Impact|"
    "Wingdings 3|MS Reference Sans Serif|Aptos|Grandview|Seaford|Skeena|Tenorite|Avenir Next"
).split("|")
BASE_FONTS = {"windows": 46, "macos": 63, "linux": 19, "android": 11, "ios": 31}
SDK_NOISE = ("battery_level", "battery_charging", "storage_free_mb", "device_id_hash")


def h(*parts: object, n: int = 64) -> str:
    """A deterministic hex digest of `parts`: what a stack renders is a function of it."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:n]


def generation(what: str, version: int, seed: int, p: float = 0.3) -> int:
    """Rendering changes up to release `version` of `what`; each release changed rendering
    with probability `p`, the same for every device (a canvas or audio 'bucket')."""
    return sum(
        int(h("change", seed, what, v, n=8), 16) < p * 0xFFFFFFFF for v in range(version + 1)
    )


def drivers(m: Model) -> tuple[str, ...]:
    """The GPU driver versions that show in the model's WebGL renderer string."""
    if m.gpu_id == "mesa":
        return DRIVERS["mesa"]
    return DRIVERS[m.vendor] if m.gpu_id.startswith("0x") else ("",)


# -- a simulated device --------------------------------------------------------------------


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


# -- generation ----------------------------------------------------------------------------

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


# -- drift ---------------------------------------------------------------------------------


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


class Visit(NamedTuple):
    at: float
    device: int
    channel: str
    events: tuple[str, ...]
    attributes: dict[str, Any]
    headers: dict[str, str]


def plan(
    devices: Sequence[SimDevice], sessions: int, seed: int, days: float, rates: Rates
) -> list[Visit]:
    """Every session of every device at random times over `days`, drift applied in each
    device's own order, sorted by time (devices interleave)."""
    rng = Random(seed + 1)
    visits = []
    for d in devices:
        times = sorted(T0 + rng.uniform(0, days * DAY) for _ in range(sessions))
        for k, t in enumerate(times):
            events = tuple(drift(d, rng, rates)) if k else ()
            visits.append(Visit(t, d.id, d.channel, events, d.payload(rng, t), d.headers()))
    visits.sort(key=lambda v: v.at)
    return visits


# -- metrics -------------------------------------------------------------------------------


class Observation(NamedTuple):
    true_device: int
    device_id: str
    confidence: float = 0.0
    events: tuple[str, ...] = ()
    channel: str = "web"


def _rate(hit: int, n: int) -> float | None:
    return round(hit / n, 4) if n else None


def _mean(xs: Sequence[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def compute_metrics(
    obs: Sequence[Observation], device_class: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """Accuracy of the returned device IDs against the truth, in session order.

    - recall: among sessions of a device seen before, the share whose device_id is the one
      the device got most recently;
    - a false merge: a session whose device_id was first given to a different true device
      (its owner); `merged_devices` counts the true devices that got another's id;
    - fragmentation: distinct ids per true device; purity: true devices per id;
    - outcome per session: linked, new_first (first session, fresh id), new_split (seen
      device, fresh id), relinked_older (one of its older ids), false_merge (first)."""
    device_class = device_class or {}
    last: dict[int, str] = {}
    owner: dict[str, int] = {}
    holders: dict[str, set[int]] = defaultdict(set)
    ids_of: dict[int, set[str]] = defaultdict(set)
    returning = linked = false = 0
    merged: set[int] = set()
    with_event: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    alone: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_channel: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    conf: dict[str, list[float]] = defaultdict(list)
    cls_sessions: Counter[str] = Counter()
    cls_false: Counter[str] = Counter()
    for o in obs:
        t, rid = o.true_device, o.device_id
        is_false = owner.get(rid, t) != t
        if is_false:
            false += 1
            merged.add(t)
        cls = device_class.get(t, "unique")
        cls_sessions[cls] += 1
        cls_false[cls] += is_false
        if t in last:
            returning += 1
            ok = rid == last[t]
            linked += ok
            by_channel[o.channel][0] += 1
            by_channel[o.channel][1] += ok
            for e in o.events or ("none",):
                with_event[e][0] += 1
                with_event[e][1] += ok
            if len(o.events) <= 1:
                key = o.events[0] if o.events else "none"
                alone[key][0] += 1
                alone[key][1] += ok
            outcome = (
                "false_merge"
                if is_false
                else "linked"
                if ok
                else "new_split"
                if rid not in owner
                else "relinked_older"
            )
        else:
            outcome = "false_merge" if is_false else "new_first"
        conf[outcome].append(o.confidence)
        last[t] = rid
        owner.setdefault(rid, t)
        holders[rid].add(t)
        ids_of[t].add(rid)
    devices = len(ids_of)
    cls_devices = Counter(device_class.get(t, "unique") for t in ids_of)
    cls_merged = Counter(device_class.get(t, "unique") for t in merged)
    return {
        "sessions": len(obs),
        "devices": devices,
        "device_ids": len(holders),
        "returning_sessions": returning,
        "recall": _rate(linked, returning),
        "linked_sessions": linked,
        "false_merge_sessions": false,
        "false_merge_rate": _rate(false, len(obs)),
        "merged_devices": len(merged),
        "ids_per_device": _rate(sum(len(s) for s in ids_of.values()), devices),
        "devices_per_id": _rate(sum(len(s) for s in holders.values()), len(holders)),
        "recall_by_channel": {
            k: {"n": n, "recall": _rate(ok, n)} for k, (n, ok) in sorted(by_channel.items())
        },
        "recall_by_event": {
            e: {
                "n": with_event[e][0],
                "recall": _rate(with_event[e][1], with_event[e][0]),
                "n_alone": alone[e][0],
                "recall_alone": _rate(alone[e][1], alone[e][0]),
            }
            for e in ("none", *ALL_EVENTS)
            if e in with_event
        },
        "false_merges_by_class": {
            c: {
                "devices": cls_devices[c],
                "sessions": cls_sessions[c],
                "false_merge_sessions": cls_false[c],
                "false_merge_rate": _rate(cls_false[c], cls_sessions[c]),
                "merged_devices": cls_merged[c],
            }
            for c in ("twin", "lookalike", "unique")
            if cls_devices[c]
        },
        "confidence": {
            k: {"n": len(conf[k]), "mean": _mean(conf[k])}
            for k in ("linked", "new_first", "new_split", "relinked_older", "false_merge")
            if conf[k]
        },
    }


# -- driving the real service --------------------------------------------------------------


class Clock:
    """The service clock during a run: the simulated time of the current session."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


async def drive(
    client: Any,
    service: Any,
    visits: Sequence[Visit],
    progress: Callable[[int, int], None] | None = None,
) -> list[Observation]:
    """Run every visit through sessions -> collect -> score; the truth next to the answer."""
    clock = Clock()
    saved, service.clock = service.clock, clock
    out = []
    auth = {"Authorization": f"Bearer {API_KEY}"}
    step = max(1, len(visits) // 10)
    try:
        for i, v in enumerate(visits):
            clock.now = v.at
            r = await client.post("/v1/sessions", json={"site_key": SITE_KEY}, headers=v.headers)
            _check(r, 201, v)
            sid = r.json()["session_id"]
            body = {"session_id": sid, "site_key": SITE_KEY, "channel": v.channel}
            body["attributes"] = v.attributes
            _check(await client.post("/v1/collect", json=body, headers=v.headers), 202, v)
            r = await client.post("/v1/score", json={"session_id": sid}, headers=auth)
            _check(r, 200, v)
            ans = r.json()
            out.append(
                Observation(
                    v.device, ans["device_id"], ans["device_confidence"], v.events, v.channel
                )
            )
            if progress and ((i + 1) % step == 0 or i + 1 == len(visits)):
                progress(i + 1, len(visits))
    finally:
        service.clock = saved
    return out


def _check(r: Any, status: int, v: Visit) -> None:
    if r.status_code != status:
        raise RuntimeError(
            f"{r.request.method} {r.request.url.path} for device {v.device} answered "
            f"{r.status_code} (expected {status}): {r.text[:300]}"
        )


@dataclass
class Config:
    devices: int = 300
    sessions_per_device: int = 6
    seed: int = 7
    days: float = 30.0
    twin_fraction: float = 0.2
    sdk_fraction: float = 0.2
    rates: Rates = field(default_factory=Rates)


@dataclass
class Report:
    config: Config
    metrics: dict[str, Any]
    summary: dict[str, Any]
    observations: list[Observation]


async def simulate(
    cfg: Config,
    *,
    data_dir: Path | None = None,
    config_dir: Path = REPO / "config",
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Generate the devices and sessions, run them through a fresh in-process service (in
    its own nursery, cancelled at the end) and measure. `data_dir` defaults to a temporary
    directory."""
    devices = make_devices(
        cfg.devices, cfg.seed, twin_fraction=cfg.twin_fraction, sdk_fraction=cfg.sdk_fraction
    )
    device_class = device_classes(devices)
    visits = plan(devices, cfg.sessions_per_device, cfg.seed, cfg.days, cfg.rates)
    with tempfile.TemporaryDirectory(prefix="anonscore-drift-") as tmp:
        opts = ServeOptions(port=0, data_dir=data_dir or Path(tmp), config_dir=config_dir)
        async with trio.open_nursery() as nursery:
            t_start = time.perf_counter()
            handle = await nursery.start(serve, opts)
            t_ready = time.perf_counter()
            url = f"http://127.0.0.1:{handle.port}"
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                obs = await drive(client, handle.state.service, visits, progress)
            t_end = time.perf_counter()
            nursery.cancel_scope.cancel()
    kinds = Counter(d.model.kind if d.channel == "web" else d.channel for d in devices)
    summary = {
        "devices_by_kind": dict(sorted(kinds.items())),
        "twin_groups": len({d.group for d in devices if d.group}),
        "twin_devices": sum(1 for d in devices if d.group),
        "lookalike_devices": sum(1 for c in device_class.values() if c == "lookalike"),
        "start_s": round(t_ready - t_start, 2),
        "run_s": round(t_end - t_ready, 2),
        "ms_per_request": round((t_end - t_ready) * 1000 / max(1, 3 * len(visits)), 2),
    }
    return Report(cfg, compute_metrics(obs, device_class), summary, obs)


def code_version() -> str:
    """The commit under test, and whether engine/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "engine"], cwd=REPO, capture_output=True,
            text=True,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return "unknown (no git)"
    if not head:
        return "unknown (not a git checkout)"
    return head[:72] + (" + uncommitted changes in engine/" if dirty else "")


# -- the command ---------------------------------------------------------------------------


def _f(x: float | None, width: int = 7) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:>{width}.3f}"


def format_report(rep: Report) -> str:
    m, s, c = rep.metrics, rep.summary, rep.config
    kinds = ", ".join(f"{k} {n}" for k, n in s["devices_by_kind"].items())
    lines = [
        f"anonscore device-ID drift simulation (seed {c.seed}, {c.days:g} simulated days)",
        f"code: {s.get('code', 'unknown')}",
        f"devices: {m['devices']} ({kinds})",
        f"         {s['twin_devices']} in {s['twin_groups']} twin groups, "
        f"{s['lookalike_devices']} look-alikes (identical to another device, not twins)",
        f"sessions: {m['sessions']} ({c.sessions_per_device} per device), start-up "
        f"{s['start_s']} s, run {s['run_s']} s, {s['ms_per_request']} ms per request",
        "",
        f"returning-session link rate (recall)   {_f(m['recall'])}   "
        f"({m['linked_sessions']}/{m['returning_sessions']})",
    ]
    for ch, r in m["recall_by_channel"].items():
        lines.append(f"  {ch:<36} {_f(r['recall'])}   (n={r['n']})")
    lines += [
        f"false merge rate (sessions)            {_f(m['false_merge_rate'])}   "
        f"({m['false_merge_sessions']}/{m['sessions']})",
        f"true devices merged into another's id  {m['merged_devices']:>7}   of {m['devices']}",
        f"device ids per true device (mean)      {_f(m['ids_per_device'])}   (1.0 is perfect)",
        f"true devices per device id (mean)      {_f(m['devices_per_id'])}   "
        f"({m['device_ids']} ids)",
        "",
        "recall by drift event since the device's previous session",
        f"  {'event':<22} {'n':>6} {'recall':>7}   {'n alone':>7} {'recall':>7}",
    ]
    for e, r in m["recall_by_event"].items():
        lines.append(
            f"  {e:<22} {r['n']:>6} {_f(r['recall'])}   {r['n_alone']:>7} {_f(r['recall_alone'])}"
        )
    lines += [
        "",
        "false merges by device class",
        f"  {'class':<10} {'devices':>7} {'sessions':>8} {'false':>6} {'rate':>7} {'merged':>7}",
    ]
    for cls, r in m["false_merges_by_class"].items():
        lines.append(
            f"  {cls:<10} {r['devices']:>7} {r['sessions']:>8} {r['false_merge_sessions']:>6} "
            f"{_f(r['false_merge_rate'])} {r['merged_devices']:>7}"
        )
    lines += ["", "mean device_confidence by outcome"]
    for k, r in m["confidence"].items():
        lines.append(f"  {k:<16} {_f(r['mean'])}   (n={r['n']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.drift",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--devices", type=int, default=300)
    p.add_argument("--sessions-per-device", type=int, default=6)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--days", type=float, default=30.0)
    p.add_argument("--twin-fraction", type=float, default=0.2)
    p.add_argument("--sdk-fraction", type=float, default=0.2)
    p.add_argument("--json", type=Path, help="also write the metrics here")
    args = p.parse_args(argv)
    if args.devices < 1 or args.sessions_per_device < 1:
        p.error("--devices and --sessions-per-device must be >= 1")
    if not 0 <= args.twin_fraction <= 1 or not 0 <= args.sdk_fraction <= 1:
        p.error("--twin-fraction and --sdk-fraction must be between 0 and 1")
    cfg = Config(
        args.devices, args.sessions_per_device, args.seed, args.days, args.twin_fraction,
        args.sdk_fraction,
    )  # fmt: skip

    def progress(done: int, total: int) -> None:
        print(f"[drift] {done}/{total} sessions ({100 * done // total}%)", file=sys.stderr)

    rep = trio.run(partial(simulate, cfg, progress=progress))
    rep.summary["code"] = code_version()
    print(format_report(rep))
    if args.json:
        doc = {"config": _asdict(cfg), "summary": rep.summary, "metrics": rep.metrics}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


def _asdict(cfg: Config) -> dict[str, Any]:
    out = {f.name: getattr(cfg, f.name) for f in fields(cfg)}
    out["rates"] = {f.name: getattr(cfg.rates, f.name) for f in fields(cfg.rates)}
    return out


if __name__ == "__main__":
    sys.exit(main())
