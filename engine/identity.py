"""Device and user identity: probabilistic linking of a session to a known device.

A session's attributes become a *fingerprint*: named components, each kept only as a short
keyed hash (equality is all linking needs). Candidates are found through *bands*: index
keys over small groups of stable components, so a device whose canvas changed with a
browser update is still found through its audio and fonts, and the other way round. Each
candidate is compared component by component; components that drift (screen, zoom, time
zone, driver versions) weigh little, components that identify (canvas, audio, fonts, GPU)
weigh much. The best candidate above the threshold is the device; otherwise it is new.

`device_key` is internal and cross-tenant; clients only ever see a tenant-scoped
`device_id` derived from it, so two clients cannot join their data on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

import msgspec

from engine.schema import Attributes, DeviceProfile

# name -> weight of agreement. Decisive components link on their own when equal.
WEB_WEIGHTS = {
    "canvas": 3.0,
    "audio": 2.5,
    "fonts": 2.0,
    "gpu": 2.5,
    "gpu_vendor": 0.5,
    "screen": 1.0,
    "pixel_ratio": 0.3,
    "color_depth": 0.3,
    "cores": 1.0,
    "memory": 0.5,
    "touch": 1.0,
    "platform": 1.5,
    "timezone": 0.4,
    "language": 0.4,
    "fonts_count": 0.5,
    "persistent": 2.0,
}
SDK_WEIGHTS = {
    "install": 2.0,
    "model": 2.0,
    "hardware": 1.0,
    "build": 1.0,
    "storage": 2.5,
    "sensors": 1.5,
    "screen": 1.0,
    "os": 1.0,
    "timezone": 0.4,
    "language": 0.4,
    "carrier": 0.5,
}
DECISIVE = ("persistent", "install")
WEB_BANDS = (
    ("canvas", "gpu"),
    ("audio", "fonts"),
    ("canvas", "audio"),
    ("fonts", "gpu", "cores"),
    ("gpu", "cores", "memory", "screen", "platform"),
    ("persistent",),
    ("*",),  # the whole fingerprint: identical payloads always meet
)
SDK_BANDS = (
    ("install",),
    ("model", "storage", "sensors"),
    ("build", "storage"),
    ("model", "hardware", "screen", "storage"),
    ("*",),
)
THRESHOLD = 0.72  # weighted agreement needed to link
MIN_OVERLAP = 6.0  # weight of components both sides must have, to judge at all
BAND_FANOUT = 16  # devices remembered per band key
MAX_BANDS = 48  # band keys remembered per device (to clean them on erasure)

_VERSION = re.compile(r"\b\d+(?:\.\d+)+\b")
_WORDS = re.compile(r"[a-z0-9]+")

Fingerprint = dict[str, str]


class Link(msgspec.Struct, frozen=True):
    """The outcome of linking: the device key, how sure, and its profile if known."""

    device_key: str
    confidence: float
    profile: DeviceProfile | None


def _b32(digest: bytes, n: int = 20) -> str:
    return base64.b32encode(digest).decode("ascii").lower().rstrip("=")[:n]


def _h(key: bytes, name: str, value: object) -> str:
    return hmac.new(key, f"{name}\0{value}".encode(), hashlib.sha256).hexdigest()[:12]


def _gpu(renderer: str | None) -> str | None:
    """The renderer without driver versions: `Mesa 23.2.1` and `Mesa 24.0.3` are one GPU."""
    if not renderer:
        return None
    return " ".join(_WORDS.findall(_VERSION.sub(" ", renderer).lower())) or None


def _screen(width: int | None, height: int | None) -> str | None:
    if not width or not height:
        return None
    return f"{max(width, height)}x{min(width, height)}"  # rotation is not a new device


def _group(channel: str) -> str:
    return "web" if channel == "web" else "sdk"


def fingerprint(attrs: Attributes, channel: str, key: bytes) -> Fingerprint:
    """Components present in the attributes, each as a keyed hash."""
    d, s, n = attrs.device, attrs.software, attrs.network
    language = s.languages[0] if s.languages else None
    raw: dict[str, object]
    if _group(channel) == "web":
        raw = {
            "canvas": d.canvas_hash,
            "audio": d.audio_hash,
            "fonts": d.fonts_hash,
            "gpu": _gpu(d.webgl_renderer),
            "gpu_vendor": d.webgl_vendor,
            "screen": _screen(d.screen_width, d.screen_height),
            "pixel_ratio": None if d.pixel_ratio is None else round(d.pixel_ratio, 2),
            "color_depth": d.color_depth,
            "cores": d.hardware_concurrency,
            "memory": d.device_memory,
            "touch": d.touch_points,
            "platform": s.platform,
            "timezone": s.timezone,
            "language": language,
            "fonts_count": d.fonts_count,
            "persistent": s.persistent_session,
        }
    else:
        sensors = "|".join(sorted(d.sensors)) if d.sensors else None
        model = "|".join(str(x) for x in (d.manufacturer, d.brand, d.model) if x) or None
        hardware = "|".join(str(x) for x in (d.hardware, d.product) if x) or None
        raw = {
            "install": d.device_id_hash,
            "model": model,
            "hardware": hardware,
            "build": d.build_fingerprint,
            "storage": d.storage_total_mb,
            "sensors": sensors,
            "screen": _screen(d.screen_width, d.screen_height),
            "os": s.os or s.platform,
            "timezone": s.timezone,
            "language": language,
            "carrier": n.carrier,
        }
    return {name: _h(key, name, value) for name, value in raw.items() if value not in (None, "")}


def band_keys(fp: Fingerprint, channel: str) -> list[bytes]:
    """Index keys of the bands whose components are all present."""
    group = _group(channel)
    out = []
    for band in WEB_BANDS if group == "web" else SDK_BANDS:
        if band == ("*",):
            if fp:
                whole = hashlib.sha256(repr(sorted(fp.items())).encode()).hexdigest()[:24]
                out.append(f"b:{group}:*:{whole}".encode())
            continue
        if all(name in fp for name in band):
            joined = ",".join(fp[name] for name in band)
            out.append(f"b:{group}:{'+'.join(band)}:{joined}".encode())
    return out


def similarity(a: Fingerprint, b: Fingerprint, channel: str) -> tuple[float, float]:
    """(weighted agreement 0..1, weight of the components both have)."""
    weights = WEB_WEIGHTS if _group(channel) == "web" else SDK_WEIGHTS
    agree = total = 0.0
    for name, weight in weights.items():
        if name in a and name in b:
            total += weight
            if a[name] == b[name]:
                agree += weight
    return (agree / total if total else 0.0), total


def choose(
    fp: Fingerprint, channel: str, candidates: list[tuple[str, DeviceProfile]]
) -> tuple[str, float, DeviceProfile] | None:
    """The best candidate for this fingerprint, with its confidence, or None."""
    best: tuple[float, float, str, DeviceProfile] | None = None
    for dkey, profile in candidates:
        other = profile.components
        if any(name in fp and fp.get(name) == other.get(name) for name in DECISIVE):
            confidence = 0.99
        elif fp == other:
            # identical, if sparse: as sure as the evidence is rich
            _, overlap = similarity(fp, other, channel)
            confidence = round(min(0.95, 0.5 + overlap / 20), 3)
        else:
            score, overlap = similarity(fp, other, channel)
            if overlap < MIN_OVERLAP or score < THRESHOLD:
                continue
            confidence = round(min(score, 0.98), 3)
        rank = (confidence, profile.last_seen)
        if best is None or rank > (best[0], best[1]):
            best = (confidence, profile.last_seen, dkey, profile)
    if best is None:
        return None
    return best[2], best[0], best[3]


def new_device_key() -> str:
    return "dk_" + _b32(os.urandom(16), 26)


def public_device_id(tenant: str, dkey: str, key: bytes) -> str:
    return "dv_" + _b32(hmac.new(key, f"dev|{tenant}|{dkey}".encode(), hashlib.sha256).digest())


def public_user_id(tenant: str, dkey: str, attrs: Attributes, key: bytes) -> str:
    """A user is approximated by the device and its locale (languages, time zone)."""
    langs = ",".join(attrs.software.languages or ())
    blob = f"usr|{tenant}|{dkey}|{langs}|{attrs.software.timezone or ''}".encode()
    return "us_" + _b32(hmac.new(key, blob, hashlib.sha256).digest())
