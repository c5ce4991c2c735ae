"""What linking keeps of a session: named components, each only as a short keyed hash.

Equality is all linking needs, so a component is stored as an HMAC of its value under the
service's hashing key, never as the value. Beside them an observation keeps the few coarse
facts that tell drift from another device: the browser family and version and the OS class
and release (from the service's one user-agent parse, `agent`), a keyed hash of the full GPU
string (a visible driver update), font and plugin counts, and the network prefix.

Three derived keys are computed here, all keyed hashes of components:
- the *population key* (`population_key`): the whole stable fingerprint, for the crowd
  sketch (how many devices show exactly this);
- the *user band* (`user_band`): the components a second browser on the same machine shows
  too (GPU model, cores, fonts, OS, time zone, languages), for the user ID.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from engine.devices.agent import parse_ua
from engine.schema import Attributes, Observation

WEB, SDK = "web", "sdk"
# what a machine's model fixes: judged once, as one component `hardware`, so that a model
# shared by many devices does not count as many agreements (the rules still see each)
HARDWARE = {
    "web": ("gpu", "gpu_vendor", "cores", "memory", "touch", "color_depth", "platform", "os",
            "browser"),
    "sdk": ("model", "board", "storage", "sensors", "os"),
}  # fmt: skip
# left out of the population key: the device's own IDs, and what a visit changes (zoom)
_NOT_POPULATION = frozenset(
    {"persistent", "install", "pixel_ratio", "fonts_count", "hardware", "physical"}
)

_VERSION = re.compile(r"\b\d+(?:\.\d+)+\b")
_WORDS = re.compile(r"[a-z0-9]+")
_PCI = re.compile(r"\(0x[0-9a-f]+\)")
_NUMBERS = re.compile(r"\d+")
_VENDORS = (  # (token in the renderer or vendor string, vendor class), first match wins
    ("nvidia", "nvidia"),
    ("geforce", "nvidia"),
    ("quadro", "nvidia"),
    ("radeon", "amd"),
    ("amd", "amd"),
    ("ati technologies", "amd"),
    ("intel", "intel"),
    ("apple", "apple"),
    ("adreno", "qualcomm"),
    ("qualcomm", "qualcomm"),
    ("mali", "arm"),
    ("powervr", "imagination"),
    ("imagination", "imagination"),
    ("llvmpipe", "software"),
    ("swiftshader", "software"),
    ("microsoft basic", "software"),
)


def group(channel: str) -> str:
    """web for browsers, sdk for app installs (android, ios)."""
    return WEB if channel == "web" else SDK


def keyed(key: bytes, name: str, value: object) -> str:
    return hmac.new(key, f"{name}\0{value}".encode(), hashlib.sha256).hexdigest()[:12]


def _top_level_split(text: str) -> list[str]:
    """Split on ', ' outside parentheses: 'a (b, c), d' -> ['a (b, c)', 'd']."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def gpu_model(renderer: str | None) -> str | None:
    """The GPU model as every browser on the machine names it: the ANGLE wrapper, the vendor
    ANGLE repeats, PCI ids, the graphics API and driver versions removed. Chrome's
    `ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)` and
    Firefox's `ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0), or similar`
    are both `nvidia geforce rtx 3060`."""
    if not renderer:
        return None
    s = renderer.lower().strip().replace(", or similar", "")
    angle = s.startswith("angle (")
    if angle:
        s = s[len("angle (") :]
        s = s[:-1] if s.endswith(")") else s
    parts = _top_level_split(s)
    if not parts:
        return None
    head = parts[1] if angle and len(parts) > 1 else parts[0]
    head = _PCI.sub(" ", head.replace("angle metal renderer:", ""))
    for cut in (" direct3d", " opengl", " vulkan", " (core profile)"):
        at = head.find(cut)
        if at >= 0:
            head = head[:at]
    return " ".join(_WORDS.findall(_VERSION.sub(" ", head))) or None


def gpu_vendor(vendor: str | None, renderer: str | None) -> str | None:
    """The GPU maker, from the renderer first (ANGLE's vendor string is Google's)."""
    for text in (renderer, vendor):
        low = (text or "").lower()
        for token, name in _VENDORS:
            if token in low:
                return name
    return "other" if (vendor or renderer) else None


def screen(width: int | None, height: int | None) -> str | None:
    if not width or not height:
        return None
    return f"{max(width, height)}x{min(width, height)}"  # rotation is not a new device


def physical(width: int | None, height: int | None, ratio: float | None) -> str | None:
    """The screen in device pixels (CSS size x pixel ratio, to 8 px): browser zoom and a
    phone's display zoom change the CSS size and the ratio, not this."""
    if not width or not height or not ratio:
        return None
    w, h = (round(x * ratio / 8) * 8 for x in (width, height))
    return f"{max(w, h)}x{min(w, h)}"


def release(text: str | None) -> list[int] | None:
    """'14.1' -> [14, 1]; None when the text has no number."""
    numbers = [int(n) for n in _NUMBERS.findall(text or "")[:3] if len(n) < 7]
    return numbers or None


def observe(
    attrs: Attributes, channel: str, key: bytes, now: float, ip_prefix: str | None = None
) -> Observation:
    """What linking keeps of a session: keyed hashes, plus the facts that explain drift.
    `ip_prefix` is accepted and not kept (see below)."""
    d, s, n = attrs.device, attrs.software, attrs.network
    language = s.languages[0] if s.languages else None
    raw: dict[str, object]
    browser: str | None = None
    browser_version: list[int] | None = None
    os_release: list[int] | None = None
    handheld: bool | None = None
    if group(channel) == WEB:
        ua = parse_ua(s.user_agent.strip()) if s.user_agent and s.user_agent.strip() else None
        if ua is not None:
            browser = ua.browser.lower() if ua.browser else None
            browser_version = list(ua.browser_version) or None
            os_release = list(ua.os_version) or None
            handheld = ua.is_mobile or None
        raw = {
            "canvas": d.canvas_hash,
            "audio": d.audio_hash,
            "fonts": d.fonts_hash,
            "gpu": gpu_model(d.webgl_renderer),
            "gpu_vendor": gpu_vendor(d.webgl_vendor, d.webgl_renderer),
            "screen": screen(d.screen_width, d.screen_height),
            "physical": physical(d.screen_width, d.screen_height, d.pixel_ratio),
            "pixel_ratio": None if d.pixel_ratio is None else round(d.pixel_ratio, 2),
            "color_depth": d.color_depth,
            "cores": d.hardware_concurrency,
            "memory": d.device_memory,
            "touch": d.touch_points,
            "platform": s.platform,
            "os": ua.os_class if ua is not None else None,
            "browser": browser,
            "timezone": s.timezone,
            "language": language,
            "fonts_count": d.fonts_count,
            "persistent": s.persistent_session,
        }
        raw["hardware"] = repr([raw[k] for k in HARDWARE[WEB]])
    else:
        sensors = "|".join(sorted(d.sensors)) if d.sensors else None
        model = "|".join(str(x) for x in (d.manufacturer, d.brand, d.model) if x) or None
        board = "|".join(str(x) for x in (d.hardware, d.product) if x) or None
        os_release = release(s.os_version)
        handheld = True
        raw = {
            "install": d.device_id_hash,
            "model": model,
            "board": board,
            "build": d.build_fingerprint,
            "storage": d.storage_total_mb,
            "sensors": sensors,
            "screen": screen(d.screen_width, d.screen_height),
            "os": (s.os or "").lower() or channel,
            "timezone": s.timezone,
            "language": language,
            "carrier": n.carrier,
        }
        raw["hardware"] = repr([raw[k] for k in HARDWARE[SDK]])
    return Observation(
        at=now,
        components={k: keyed(key, k, v) for k, v in raw.items() if v not in (None, "")},
        browser=browser,
        browser_version=browser_version,
        os_release=os_release,
        gpu_raw=keyed(key, "gpu_raw", d.webgl_renderer) if d.webgl_renderer else None,
        fonts_count=d.fonts_count,
        plugins_count=d.plugins_count,
        # not kept: no rule or link reads a device's past prefixes, and a profile lives up
        # to 730 days (issue 15: keep prefixes only where a feature needs them)
        ip_prefix=None,
        handheld=handheld,
    )


def population_key(obs: Observation, channel: str) -> bytes:
    """The sketch key of the whole stable fingerprint (its components are keyed hashes)."""
    parts = sorted((k, v) for k, v in obs.components.items() if k not in _NOT_POPULATION)
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:20]
    return f"k:{group(channel)}:{digest}".encode()


def user_band(attrs: Attributes, channel: str, key: bytes) -> bytes | None:
    """The index key of the machine behind a browser: components that survive a change of
    browser (GPU model, or only its maker where Safari hides the model; logical cores, as
    Safari reports them, at most 8; fonts; OS; time zone; languages). None for app installs,
    and when a part is missing (too little to link a user on)."""
    if group(channel) != WEB:
        return None
    d, s = attrs.device, attrs.software
    ua = parse_ua(s.user_agent.strip()) if s.user_agent and s.user_agent.strip() else None
    vendor = gpu_vendor(d.webgl_vendor, d.webgl_renderer)
    gpu = vendor if vendor == "apple" else gpu_model(d.webgl_renderer)
    cores = min(d.hardware_concurrency, 8) if d.hardware_concurrency else None
    parts = (
        ua.os_class if ua is not None else None,
        gpu,
        cores,
        d.fonts_hash,
        s.timezone,
        ",".join(s.languages or ()),
    )
    if any(p in (None, "") for p in parts):
        return None
    return b"u:" + hmac.new(key, repr(parts).encode(), hashlib.sha256).hexdigest()[:24].encode()
