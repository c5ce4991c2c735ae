"""One visit as the collector (or the SDK) would post it, and the headers it would carry.

Why: the payload must be what a real device would send on that day, so everything that
identifies it is derived from what determines it on a real device: the canvas from the
GPU, the OS, the engine and the engine's text-rendering generation; the audio rendering
from the OS, the CPU architecture and the engine; the fonts hash from the installed font
list. Two devices that agree on those agree on the hashes: that is what makes a crowd.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tools.independent_world import _browsers as br
from tools.independent_world._catalog import REFERRERS, TEXT_RENDERING_CHANGES
from tools.independent_world._population import Device, Install, Person


def digest(*parts: object, size: int = 32) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:size]


@dataclass(slots=True)
class State:
    """What the device and install are at the visit's time (see _timeline)."""

    user_agent: str
    major: int
    os_version: tuple[int, int, int]
    os_updates: int
    fonts: tuple[str, ...]
    docked: bool
    monitor: tuple[int, int, float]
    zoom: float
    zone: str


def text_generation(engine: str, major: int) -> int:
    return bisect.bisect_right(TEXT_RENDERING_CHANGES.get(engine, ()), major)


def arch(device: Device) -> str:
    if device.hw.form == "phone" or "Apple M" in device.hw.renderer:
        return "arm"
    return "x86"


def webgl(device: Device, engine: str) -> tuple[str, str]:
    if engine == "gecko" and device.hw.form != "phone":
        return br.firefox_webgl(device.hw.vendor, device.hw.renderer, device.hw.os)
    return device.hw.vendor, device.hw.renderer


def canvas_hash(device: Device, engine: str, major: int, os_version: tuple[int, ...]) -> str:
    webkit_generation = os_version[0] if device.hw.form == "phone" else major
    generation = webkit_generation if engine == "webkit" else text_generation(engine, major)
    chip = br.gpu_chip(device.hw.renderer)
    return digest("canvas", chip, device.hw.os, engine, generation)


def fonts_hash(fonts: tuple[str, ...]) -> str:
    return digest("fonts", *sorted(fonts))


def offset_minutes(zone: str, t: float) -> int:
    delta = datetime.fromtimestamp(t, ZoneInfo(zone)).utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


def accept_language(languages: tuple[str, ...], engine: str = "blink") -> str:
    """The header as each engine writes it: Chromium steps q down by 0.1, Firefox spreads
    it over the list (1 - i/n, rounded half up), Safari sends its one language and that
    language's base."""
    if engine == "webkit":
        base = languages[0].split("-")[0]
        return languages[0] + (f",{base};q=0.9" if base != languages[0] else "")
    out = [languages[0]]
    for i, lang in enumerate(languages[1:], start=1):
        if engine == "gecko":
            q = max(0.1, int((1 - i / len(languages)) * 10 + 0.5) / 10)
        else:
            q = max(0.1, 1 - i / 10)
        out.append(f"{lang};q={q:.1f}")
    return ",".join(out)


def navigator_languages(languages: tuple[str, ...], engine: str) -> list[str]:
    """Safari's navigator.languages holds the first preferred language only."""
    return [languages[0]] if engine == "webkit" else list(languages)


def _screen(device: Device, engine: str, state: State) -> tuple[int, int, float]:
    w, h, dpr, _ = device.hw.screen
    if state.docked:
        w, h, dpr = state.monitor
    if state.zoom != 1.0:
        if engine == "gecko":  # Firefox reports the screen in zoomed CSS pixels
            w, h = round(w / state.zoom), round(h / state.zoom)
        dpr = round(dpr * state.zoom, 4)
    return w, h, dpr


_PLATFORM = {
    "Windows": "Win32",
    "macOS": "MacIntel",
    "Linux": "Linux x86_64",
    "Chrome OS": "Linux x86_64",
    "iOS": "iPhone",
    "Android": "Linux armv81",
}
_HINT_PLATFORM = {
    "Windows": "Windows",
    "macOS": "macOS",
    "Linux": "Linux",
    "Chrome OS": "Chrome OS",
    "Android": "Android",
    "iOS": "iOS",
}


def web_payload(
    person: Person,
    device: Device,
    install: Install,
    state: State,
    t: float,
    rng: random.Random,
    fraud: bool,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The collector's payload and the browser's headers for one web visit."""
    engine = br.engine_of(state.user_agent)
    soft: dict[str, Any] = {
        "user_agent": state.user_agent,
        "platform": _PLATFORM[device.hw.os],
        "languages": navigator_languages(person.languages, engine),
        "timezone": state.zone,
        "timezone_offset_min": offset_minutes(state.zone, t),
        "do_not_track": install.do_not_track,
        "webdriver": False,
    }
    headers = {
        "User-Agent": state.user_agent,
        "Accept-Language": accept_language(person.languages, engine),
    }
    net: dict[str, Any] = {}
    if engine == "blink" and install.brand is not None:
        _client_hints(device, install.brand, state.major, soft, headers)
        net = {  # navigator.connection, rounded as Chromium rounds it
            "connection_type": "4g",
            "rtt_ms": rng.choice((50, 50, 100, 100, 150, 200, 300)),
            "downlink_mbps": round(min(10.0, round(rng.uniform(1.5, 10.0) / 0.025) * 0.025), 3),
        }
    attrs = {
        "device": _web_device(device, install, state, engine),
        "software": soft,
        "network": net,
        "behaviour": behaviour(rng, fraud, web=True),
    }
    return attrs, headers


def _web_device(device: Device, install: Install, state: State, engine: str) -> dict[str, Any]:
    hw = device.hw
    w, h, dpr = _screen(device, engine, state)
    vendor, renderer = webgl(device, engine)
    values = {
        "screen_width": w,
        "screen_height": h,
        "pixel_ratio": dpr,
        "color_depth": hw.screen[3],
        "hardware_concurrency": hw.cores,
        "device_memory": hw.memory if engine == "blink" else None,  # Chromium only
        "touch_points": hw.touch,
        "webgl_vendor": vendor,
        "webgl_renderer": renderer,
        "canvas_hash": canvas_hash(device, engine, state.major, state.os_version),
        "audio_hash": digest("audio", hw.os, arch(device), engine),
        "fonts_hash": fonts_hash(state.fonts),
        "fonts_count": len(state.fonts),
        "plugins_count": install.plugins,
    }
    return {k: v for k, v in values.items() if v is not None}


def _client_hints(
    device: Device, brand: str, major: int, soft: dict[str, Any], headers: dict[str, str]
) -> None:
    """navigator.userAgentData in the payload, Sec-CH-UA* in the headers: one source."""
    pairs = br.brands(brand, major)
    mobile = device.hw.form == "phone"
    platform = _HINT_PLATFORM[device.hw.os]
    soft["ua_data_brands"] = [f"{b}/{v}" for b, v in pairs]
    soft["ua_data_platform"] = platform
    soft["ua_data_mobile"] = mobile
    headers["Sec-CH-UA"] = br.sec_ch_ua(pairs)
    headers["Sec-CH-UA-Mobile"] = "?1" if mobile else "?0"
    headers["Sec-CH-UA-Platform"] = f'"{platform}"'


_FIELDS = (
    ("amount", 4),
    ("term_months", 2),
    ("monthly_income", 5),
    ("employment_status", 0),
    ("housing_costs", 4),
    ("purpose", 0),
)


def behaviour(rng: random.Random, fraud: bool, web: bool) -> dict[str, Any]:
    """How the form was filled: counts only. Fraud pastes more and hesitates less."""
    fields = []
    for name, length in _FIELDS:
        pasted = length if fraud and length and rng.random() < 0.5 else 0
        typed = 0 if pasted else length + (rng.randint(0, 2) if length else 0)
        fields.append(
            {
                "name": name,
                "chars_typed": typed,
                "chars_pasted": pasted,
                "corrections": 0 if fraud else rng.choice((0, 0, 0, 1, 2)),
                "focus_ms": int(rng.uniform(400, 2500) if fraud else rng.uniform(1200, 12000)),
            }
        )
    out: dict[str, Any] = {
        "time_on_page_ms": int(
            rng.uniform(15_000, 60_000) if fraud else rng.uniform(45_000, 420_000)
        ),
        "pages_visited": rng.randint(1, 3) if fraud else rng.randint(1, 7),
        "fields": fields,
    }
    if web:
        out["history_length"] = rng.randint(1, 3) if fraud else rng.randint(1, 12)
        out["referrer_host"] = rng.choice(REFERRERS)
        if not out["referrer_host"]:
            del out["referrer_host"]
    return out
