"""The fixed world the simulation draws from: real countries and their networks, hardware
and phone models, screens, GPUs and their drivers, fonts; and the simulated clock. What is
released when (browsers, iOS, Android, the app) is in `releases`."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import NamedTuple

T0 = dt.datetime(2025, 3, 3, tzinfo=dt.UTC).timestamp()  # `legacy` devices' clock
DAY = 86400.0


def h(*parts: object, n: int = 64) -> str:
    """A deterministic hex digest of `parts`: what a stack renders is a function of it."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:n]


def chance(p: float, *parts: object) -> bool:
    """A deterministic coin with probability `p`, drawn from `parts` (a seed among them)."""
    return int(h("chance", *parts, n=8), 16) < p * 0xFFFFFFFF


def date(text: str) -> float:
    """A release date (YYYY-MM-DD, 16:00 UTC) as a timestamp."""
    y, m, d = map(int, text.split("-"))
    return dt.datetime(y, m, d, 16, tzinfo=dt.UTC).timestamp()


# IANA zone | navigator.languages | home broadband /16 prefixes | mobile carrier | country |
# the carrier's public NAT /16 (carrier-grade NAT: many phones share a few /24s)
_COUNTRIES = """
Europe/Berlin       | de-DE de en-US en | 84.150 91.12 79.200     | Telekom.de  | de | 80.187
Europe/Paris        | fr-FR fr en-US en | 86.212 90.12            | Orange F    | fr | 92.184
Europe/London       | en-GB en          | 86.128 80.229           | EE          | gb | 31.94
Europe/Madrid       | es-ES es          | 2.140 88.6              | Movistar    | es | 88.28
Europe/Rome         | it-IT it en-US en | 151.38 93.40            | Vodafone IT | it | 5.90
Europe/Amsterdam    | nl-NL nl en       | 84.84 83.84             | Vodafone NL | nl | 62.140
America/New_York    | en-US en          | 73.12 24.5              | Verizon     | us | 174.205
America/Los_Angeles | en-US en          | 98.207                  | T-Mobile    | us | 172.56
America/Sao_Paulo   | pt-BR pt en       | 189.6 177.32            | Vivo        | br | 177.79
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
    mobile: str  # the carrier's NAT /16


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
    Country(z, tuple(la.split()), tuple(p.split()), c, cc, mo)
    for z, la, p, c, cc, mo in _table(_COUNTRIES)
)
MODELS = tuple(
    Model(k, n, _screen(s), v, g, i, c, int(co), int(m), int(t), int(d))
    for k, n, s, v, g, i, c, co, m, t, d in _table(_MODELS)
)
SDK_MODELS = tuple(
    Model("sdk", mo, _screen(s), "", "", "", "", 8, 8, 5, 24, (ma, br, mo, hw, pr, dv), int(st))
    for ma, br, mo, hw, pr, dv, s, st, _ in _table(_SDK_MODELS)
)
SENSORS = {row[2]: row[8].split(", ") for row in _table(_SDK_MODELS)}
OS_OF = {"win_desktop": "windows", "win_laptop": "windows", "mac": "macos", "linux": "linux"}
OS_OF |= {"android": "android", "iphone": "ios", "ipad": "ios"}
BROWSERS = {  # kind -> browser -> weight
    "win_desktop": {"chrome": 70, "edge": 20, "firefox": 10},
    "win_laptop": {"chrome": 65, "edge": 28, "firefox": 7},
    "mac": {"safari": 50, "chrome": 45, "firefox": 5},
    "linux": {"chrome": 60, "firefox": 40},
    "android": {"chrome": 85, "samsung": 15},
    "iphone": {"safari": 1},
    "ipad": {"safari": 1},
}
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


def drivers(m: Model) -> tuple[str, ...]:
    """The GPU driver versions a model's machines go through (one "" for fixed stacks)."""
    if m.gpu_id == "mesa":
        return DRIVERS["mesa"]
    return DRIVERS[m.vendor] if m.gpu_id.startswith("0x") else ("",)
