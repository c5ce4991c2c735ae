"""What the load generator sends: simulated devices with realistic, self-consistent web
payloads and headers, form behaviour, and the collect body, all pre-encoded."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from .agents import user_agents

SITE_KEY, API_KEY, ORIGIN = b"demo_site", b"demo_key", b"http://127.0.0.1:8080"
N_DEVICES, N_BEHAVIOURS = 2000, 256  # each device its own user agent (tools/bench/agents.py)

# IANA zone | navigator.languages | Accept-Language | public IPv4 /16s of the zone's country
_COUNTRIES = """
Europe/Berlin       | de-DE de en-US en | de-DE,de;q=0.9,en;q=0.8 | 84.150 91.12 79.200
Europe/Paris        | fr-FR fr en-US en | fr-FR,fr;q=0.9,en;q=0.8 | 86.212 90.12
Europe/London       | en-GB en          | en-GB,en;q=0.9          | 81.2 80.229
Europe/Madrid       | es-ES es          | es-ES,es;q=0.9          | 2.140 88.6
Europe/Rome         | it-IT it en-US en | it-IT,it;q=0.9,en;q=0.8 | 151.38 93.40
Europe/Amsterdam    | nl-NL nl en       | nl-NL,nl;q=0.9,en;q=0.8 | 145.131 83.84
America/New_York    | en-US en          | en-US,en;q=0.9          | 73.12 24.5
America/Los_Angeles | en-US en          | en-US,en;q=0.9          | 98.207
America/Sao_Paulo   | pt-BR pt en       | pt-BR,pt;q=0.9,en;q=0.8 | 189.6 177.32
UTC                 | en-US             | en-US                   | 3.120 159.89 167.99 49.12
"""
# navigator.platform | touch | plugins | memory GB | screens
_PLATFORMS = """
Win32        | 0 | 5 | 8 16 | 1920x1080x1 1536x864x1.25 2560x1440x1 1366x768x1
MacIntel     | 0 | 5 | 8    | 1440x900x2 1512x982x2 1728x1117x2
Linux armv81 | 5 | 0 | 4 8  | 412x915x2.625 393x873x2.75 360x800x3
Linux x86_64 | 0 | 5 | 8 16 | 1920x1080x1 2560x1440x1
iPhone       | 5 | 0 | 4    | 390x844x3 393x852x3 430x932x3 375x667x2
iPad         | 5 | 0 | 4    | 820x1180x2 1024x1366x2
headless     | 0 | 0 | 2    | 800x600x1
"""  # the last row: headless Chrome from a datacenter (UTC, webdriver on)
_HEADLESS_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/{}.0.0.0 Safari/537.36"
)
# navigator.platform | unmasked WebGL vendor | unmasked WebGL renderer
_GPUS = """
Win32        | Google Inc. (NVIDIA) | ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)
Win32        | Google Inc. (Intel)  | ANGLE (Intel, Intel(R) UHD Graphics 620 (0x00005917) Direct3D11 vs_5_0 ps_5_0, D3D11)
Win32        | Google Inc. (AMD)    | ANGLE (AMD, AMD Radeon RX 6600 (0x000073FF) Direct3D11 vs_5_0 ps_5_0, D3D11)
MacIntel     | Google Inc. (Apple)  | ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)
MacIntel     | Google Inc. (Apple)  | ANGLE (Apple, ANGLE Metal Renderer: Apple M2 Pro, Unspecified Version)
Linux armv81 | Qualcomm             | Adreno (TM) 650
Linux armv81 | ARM                  | Mali-G78 MP14
Linux x86_64 | Google Inc. (Intel)  | ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)
iPhone       | Apple Inc.           | Apple GPU
iPad         | Apple Inc.           | Apple GPU
headless     | Google Inc. (Google) | ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)
"""  # noqa: E501
_FIELDS = "loan_amount term_months monthly_income employment_status housing_status postcode"
_REFERRERS = ("www.google.com", "www.bing.com", "www.check24.de", "www.moneysupermarket.com")
_CHROME_MAJOR = re.compile(r"(Chrome|CriOS)/(\d+)")


def _table(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")] for line in text.strip().splitlines()]


def _hash(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _offset_min(zone: str) -> int:
    try:
        delta = dt.datetime.now(ZoneInfo(zone)).utcoffset()
    except Exception:  # no tz database here: the offset only has to look plausible
        return 0
    return int(delta.total_seconds() // 60) if delta else 0


def _json(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class Device:
    """A simulated device: pre-encoded attributes and request headers, in two variants each."""

    __slots__ = ("attrs", "headers")

    def __init__(self, attrs: list[bytes], headers: list[bytes]) -> None:
        self.attrs = attrs  # [usual, after a browser update]: '"device":{..},..,"network":{..}'
        self.headers = headers  # [home network, another network]


def make_devices(n: int = N_DEVICES, seed: int = 7) -> list[Device]:
    """Devices with consistent UA/platform/GPU/screen, locale/zone/IP, each its own user
    agent and rendering hashes; 5% headless bots."""
    rng = random.Random(seed)
    platforms = {row[0]: row[1:] for row in _table(_PLATFORMS)}
    gpus = _table(_GPUS)
    countries = _table(_COUNTRIES)
    agents = user_agents(n, seed)
    out = []
    for i in range(n):
        bot = rng.random() < 0.05
        if bot:
            ua, plat = _HEADLESS_UA.format(rng.randint(118, 131)), "headless"
            zone, langs, accept, nets = countries[-1]
        else:
            ua, plat, _ = agents[i]
            zone, langs, accept, nets = rng.choice(countries[:-1])
        touch, plugins, mems, screens = platforms[plat]
        w, h, ratio = rng.choice(screens.split()).split("x")
        _, vendor, renderer = rng.choice([g for g in gpus if g[0] == plat])
        cores, memory = (2 if bot else rng.choice((4, 8, 12, 16))), float(rng.choice(mems.split()))
        fonts_count = rng.randint(38, 72)
        attrs = []
        for updated in (False, True):
            device = {
                "screen_width": int(w),
                "screen_height": int(h),
                "pixel_ratio": float(ratio),
                "color_depth": 24,
                "hardware_concurrency": cores,
                "device_memory": memory,
                "touch_points": int(touch),
                "webgl_vendor": vendor,
                "webgl_renderer": renderer,
                "canvas_hash": _hash("canvas", seed, i, updated),
                "audio_hash": _hash("audio", seed, i),
                "fonts_hash": _hash("fonts", seed, i),
                "fonts_count": fonts_count,
                "plugins_count": int(plugins),
            }
            software = {
                "user_agent": _updated(ua) if updated else ua,
                "platform": "Linux x86_64" if bot else plat,
                "languages": langs.split(),
                "timezone": zone,
                "timezone_offset_min": _offset_min(zone),
                "do_not_track": i % 10 == 0,
                "webdriver": bot,
            }
            network = {
                "connection_type": "4g",
                "downlink_mbps": rng.choice((1.55, 7.2, 10.0)),
                "rtt_ms": rng.choice((50, 100, 150)),
            }
            blob = _json({"device": device, "software": software, "network": network})
            attrs.append(blob[1:-1])
        headers = []
        for _ in range(2):
            ip = f"{rng.choice(nets.split())}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            headers.append(
                f"User-Agent: {ua}\r\nAccept: */*\r\nAccept-Language: {accept}\r\n"
                f"X-Forwarded-For: {ip}\r\n".encode()
            )
        out.append(Device(attrs, headers))
    return out


def _updated(ua: str) -> str:
    """The same browser one major later (a browser update between two visits)."""
    return _CHROME_MAJOR.sub(lambda m: f"{m.group(1)}/{int(m.group(2)) + 1}", ua, count=1)


def make_behaviours(n: int = N_BEHAVIOURS, seed: int = 11) -> list[bytes]:
    """Form behaviour (counts only) of a loan application; 10% paste the e-mail address."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        typed = {name: rng.randint(1, 6) for name in _FIELDS.split()}
        typed.update(postcode=5, email=rng.randint(14, 30), phone=rng.randint(9, 13))
        paste = rng.random() < 0.1
        fields = [
            {
                "name": name,
                "chars_typed": 0 if paste and name == "email" else count,
                "chars_pasted": count if paste and name == "email" else 0,
                "corrections": rng.randint(0, 4),
                "focus_ms": rng.randint(1500, 25_000),
            }
            for name, count in typed.items()
        ]
        behaviour: dict[str, Any] = {
            "time_on_page_ms": rng.randint(25_000, 240_000),
            "history_length": rng.randint(1, 8),
            "pages_visited": rng.randint(1, 6),
            "fields": fields,
        }
        if rng.random() < 0.7:
            behaviour["referrer_host"] = rng.choice(_REFERRERS)
        out.append(_json(behaviour))
    return out


def collect_body(sid: bytes, attrs: bytes, behaviour: bytes) -> bytes:
    return (
        b'{"session_id":"%s","site_key":"%s","channel":"web","attributes":{%s,"behaviour":%s}}'
        % (sid, SITE_KEY, attrs, behaviour)
    )


class _Session(msgspec.Struct):
    session_id: str


_decode_session = msgspec.json.Decoder(_Session).decode


class FlowRequests:
    """The requests of a flow against one port, pre-encoded: the page's (the collector's,
    with an Origin and the device's own headers) and the lender back-end's, the session
    body, and a pick of device and behaviour."""

    session_body = b'{"site_key":"%s"}' % SITE_KEY

    def __init__(self, port: int) -> None:
        self.devices, self.behaviours = make_devices(), make_behaviours()
        common = b"Host: 127.0.0.1:%d\r\nContent-Type: application/json\r\n" % port
        self.browser = common + b"Origin: %s\r\n" % ORIGIN
        self.backend = (
            common + b"Authorization: Bearer %s\r\nUser-Agent: lender-backend/1.0\r\n" % API_KEY
        )

    @staticmethod
    def post(path: bytes, headers: bytes, body: bytes) -> bytes:
        head = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n" % (path, headers, len(body))
        return head + body

    def pick(self, rng: random.Random) -> tuple[bytes, bytes, bytes]:
        """(attributes, page headers, behaviour) of a random device's visit."""
        dev = self.devices[rng.randrange(len(self.devices))]
        attrs = dev.attrs[rng.random() < 0.1]  # now and then after a browser update
        headers = self.browser + dev.headers[rng.random() < 0.15]  # now and then elsewhere
        return attrs, headers, self.behaviours[rng.randrange(len(self.behaviours))]

    @staticmethod
    def session_id(body: bytes) -> bytes:
        """The session ID of a /v1/sessions answer (msgspec.DecodeError when it has none)."""
        return _decode_session(body).session_id.encode()

    @staticmethod
    def score_body(sid: bytes) -> bytes:
        return b'{"session_id":"%s"}' % sid
