"""Small tables of the world's facts that the fingerprint data does not carry.

Why: Apify's data points say what a browser reports, not which phone model it runs on,
where its owner lives or when its vendor ships updates. These tables are this package's
own judgement from public knowledge (vendors' spec sheets for phone screens, the browsers'
published release cadence, rough national platform shares); README.md says so and they
are deliberately few and coarse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    weight: float  # share of the world's applicants living there
    zones: tuple[tuple[str, float], ...]  # IANA zone, share
    languages: tuple[str, ...]  # navigator.languages of a typical resident
    ios_share: float  # of phones


COUNTRIES: tuple[Country, ...] = (
    Country("GB", 0.24, (("Europe/London", 1.0),), ("en-GB", "en"), 0.50),
    Country("DE", 0.18, (("Europe/Berlin", 1.0),), ("de-DE", "de", "en-US", "en"), 0.35),
    Country("FR", 0.12, (("Europe/Paris", 1.0),), ("fr-FR", "fr", "en-US", "en"), 0.33),
    Country("ES", 0.09, (("Europe/Madrid", 1.0),), ("es-ES", "es"), 0.20),
    Country("IT", 0.08, (("Europe/Rome", 1.0),), ("it-IT", "it", "en-US", "en"), 0.30),
    Country("NL", 0.07, (("Europe/Amsterdam", 1.0),), ("nl-NL", "nl", "en-US", "en"), 0.45),
    Country("PL", 0.08, (("Europe/Warsaw", 1.0),), ("pl-PL", "pl", "en-US", "en"), 0.15),
    Country("PT", 0.03, (("Europe/Lisbon", 1.0),), ("pt-PT", "pt", "en"), 0.25),
    Country("GR", 0.02, (("Europe/Athens", 1.0),), ("el-GR", "el", "en"), 0.20),
    Country(
        "US",
        0.09,
        (
            ("America/New_York", 0.47),
            ("America/Chicago", 0.29),
            ("America/Denver", 0.07),
            ("America/Los_Angeles", 0.17),
        ),
        ("en-US", "en"),
        0.57,
    ),
)
BY_CODE = {c.code: c for c in COUNTRIES}
# Where people go for a week: the world's own countries (their ranges are in the IP table).
TRIP_DESTINATIONS = ("ES", "IT", "PT", "GR", "FR", "GB", "DE", "NL", "US")


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone model as its SDK and its browser report it (CSS pixels, DPR, GPU)."""

    os: str  # iOS, Android
    manufacturer: str
    brand: str
    model: str  # Build.MODEL, or the iOS machine identifier
    marketing: str
    hardware: str
    product: str
    codename: str
    pixels: tuple[int, int]  # the panel's physical pixels
    dpr: float
    gpu: str
    weight: float
    storage_gb: int
    sensors: tuple[str, ...]
    min_os: int = 0  # the iOS majors the model runs (shipped with, last supported)
    max_os: int = 99

    @property
    def css(self) -> tuple[int, int]:
        """The screen in CSS pixels as the browser reports it (rounded up, as Chrome does:
        a 1080-pixel panel at 2.625 is 412 wide)."""
        return (math.ceil(self.pixels[0] / self.dpr - 1e-9),
                math.ceil(self.pixels[1] / self.dpr - 1e-9))  # fmt: skip


_IOS_SENSORS = ("accelerometer", "gyroscope", "magnetometer", "barometer", "proximity")
_A_SENSORS = ("LSM6DSO Accelerometer", "LSM6DSO Gyroscope", "AK09918 Magnetometer", "Light")


def _iphone(
    ident: str, name: str, css: tuple[int, int], dpr: float, w: float, ios: tuple[int, int]
) -> Phone:
    pixels = (round(css[0] * dpr), round(css[1] * dpr))
    return Phone(
        "iOS", "Apple", "Apple", ident, name, "", "", "", pixels, dpr, "Apple GPU", w, 128,
        _IOS_SENSORS, ios[0], ios[1],
    )  # fmt: skip


# Screens (iPhones in CSS points, Android panels in physical pixels) and device pixel
# ratios from Apple's and the makers' spec sheets;
# iOS support from Apple's compatibility lists (iOS 26 runs on the iPhone 11 and later).
PHONES: tuple[Phone, ...] = (
    _iphone("iPhone9,3", "iPhone 7", (375, 667), 2.0, 0.01, (10, 15)),
    _iphone("iPhone10,4", "iPhone 8", (375, 667), 2.0, 0.015, (11, 16)),
    _iphone("iPhone10,6", "iPhone X", (375, 812), 3.0, 0.01, (11, 16)),
    _iphone("iPhone11,8", "iPhone XR", (414, 896), 2.0, 0.02, (12, 18)),
    _iphone("iPhone12,1", "iPhone 11", (414, 896), 2.0, 0.05, (13, 99)),
    _iphone("iPhone13,2", "iPhone 12", (390, 844), 3.0, 0.06, (14, 99)),
    _iphone("iPhone14,5", "iPhone 13", (390, 844), 3.0, 0.13, (15, 99)),
    _iphone("iPhone14,6", "iPhone SE (3rd generation)", (375, 667), 2.0, 0.04, (15, 99)),
    _iphone("iPhone14,7", "iPhone 14", (390, 844), 3.0, 0.11, (16, 99)),
    _iphone("iPhone15,4", "iPhone 15", (393, 852), 3.0, 0.14, (17, 99)),
    _iphone("iPhone16,1", "iPhone 15 Pro", (393, 852), 3.0, 0.09, (17, 99)),
    _iphone("iPhone16,2", "iPhone 15 Pro Max", (430, 932), 3.0, 0.06, (17, 99)),
    _iphone("iPhone17,3", "iPhone 16", (393, 852), 3.0, 0.13, (18, 99)),
    _iphone("iPhone17,1", "iPhone 16 Pro", (402, 874), 3.0, 0.08, (18, 99)),
    _iphone("iPhone17,2", "iPhone 16 Pro Max", (440, 956), 3.0, 0.05, (18, 99)),
    _iphone("iPhone18,3", "iPhone 17", (402, 874), 3.0, 0.07, (26, 99)),
    _iphone("iPhone18,1", "iPhone 17 Pro", (402, 874), 3.0, 0.04, (26, 99)),
    Phone(
        "Android",
        "samsung",
        "samsung",
        "SM-A546B",
        "Galaxy A54 5G",
        "s5e8835",
        "a54xnsxx",
        "a54x",
        (1080, 2340),
        2.625,
        "Mali-G68",
        0.14,
        128,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "samsung",
        "samsung",
        "SM-A155F",
        "Galaxy A15",
        "mt6789",
        "a15nsxx",
        "a15",
        (1080, 2340),
        2.625,
        "Mali-G57 MC2",
        0.12,
        128,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "samsung",
        "samsung",
        "SM-S921B",
        "Galaxy S24",
        "s5e9945",
        "e1sxxx",
        "e1s",
        (1080, 2340),
        2.8125,
        "Samsung Xclipse 940",
        0.10,
        256,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "samsung",
        "samsung",
        "SM-S911B",
        "Galaxy S23",
        "qcom",
        "dm1qxxx",
        "dm1q",
        (1080, 2340),
        3.0,
        "Adreno (TM) 740",
        0.09,
        256,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "Google",
        "google",
        "Pixel 8",
        "Pixel 8",
        "shiba",
        "shiba",
        "shiba",
        (1080, 2400),
        2.625,
        "Mali-G715",
        0.08,
        128,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "Google",
        "google",
        "Pixel 7a",
        "Pixel 7a",
        "lynx",
        "lynx",
        "lynx",
        (1080, 2400),
        2.625,
        "Mali-G710",
        0.06,
        128,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "Xiaomi",
        "Redmi",
        "23129RAA4G",
        "Redmi Note 13",
        "qcom",
        "sapphire",
        "sapphire",
        (1080, 2400),
        2.75,
        "Adreno (TM) 610",
        0.13,
        128,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "Xiaomi",
        "Redmi",
        "2201117TG",
        "Redmi Note 11",
        "qcom",
        "spes",
        "spes",
        (1080, 2400),
        2.75,
        "Adreno (TM) 610",
        0.08,
        64,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "motorola",
        "motorola",
        "moto g54 5G",
        "moto g54",
        "mt6855",
        "cancunf_g",
        "cancunf",
        (1080, 2400),
        2.625,
        "PowerVR B-Series BXM-8-256",
        0.07,
        128,
        _A_SENSORS,
    ),
    Phone(
        "Android",
        "OnePlus",
        "OnePlus",
        "CPH2449",
        "OnePlus 11",
        "qcom",
        "CPH2449",
        "OP594DL1",
        (1440, 3216),
        3.5,
        "Adreno (TM) 740",
        0.05,
        256,
        _A_SENSORS,
    ),
)

# Android releases the phones run at the start, with their shares, and build id prefixes.
ANDROID_RELEASES = (("14", 0.30, "UP1A"), ("15", 0.45, "AP3A"), ("16", 0.25, "BP2A"))

# External monitors a laptop gets docked to: (width, height, pixel ratio on Windows/Linux,
# pixel ratio on macOS, share).
MONITORS = (
    (1920, 1080, 1.0, 1.0, 0.55),
    (2560, 1440, 1.0, 1.0, 0.28),
    (3440, 1440, 1.0, 1.0, 0.05),
    (3840, 2160, 1.5, 2.0, 0.12),
)
ZOOM_LEVELS = ((1.0, 0.55), (1.1, 0.15), (1.25, 0.15), (0.9, 0.10), (1.5, 0.05))

# Browser majors whose text rendering changed, so every canvas drawn by them differs from
# the major before (the world's own assumption: Chromium 149 and 152, Gecko 153).
TEXT_RENDERING_CHANGES = {"blink": (149, 152), "gecko": (153,), "webkit": ()}
RELEASE_EVERY_DAYS = {"blink": 28, "gecko": 28}  # both ship a major every four weeks
# iOS point releases (days after the world's start) and Android's monthly security patch.
IOS_RELEASE_DAYS = (18, 66, 115, 163)
ANDROID_PATCH_EVERY_DAYS = 30
DESKTOP_PATCH_EVERY_DAYS = 28  # Windows' Patch Tuesday, macOS and Linux point updates

# Browser families' shares of web visits per platform, to which the data's user agents are
# reweighted (within a family the data's own shares stand). The data, gathered by a
# scraping company's sites, has few Firefox and Chrome-on-iOS visitors; these are rough
# shares from public browser-share reports for Europe, 2025-2026.
FAMILY_SHARES = {
    "desktop": {"chrome": 0.66, "edge": 0.13, "safari": 0.09, "firefox": 0.08, "opera": 0.04},
    "iOS": {"safari": 0.86, "chrome-ios": 0.12, "firefox-ios": 0.02},
    "Android": {"chrome": 0.93, "firefox": 0.04, "edge": 0.03},
}

TENANTS = ("demo", "demo2", "demo3")
APP_IDS = {"demo": "com.demo.loans", "demo2": "com.demo2.credit", "demo3": "com.demo3.finance"}
REFERRERS = ("www.google.com", "www.bing.com", "www.moneysupermarket.com", "t.co", "", "")
