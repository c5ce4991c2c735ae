"""The exact-hash baseline: the device ID the first version of the service gave (an exact
hash of the stable attributes; for app installs, the install ID), computed here from the
simulated payloads, so every figure has the naive linker beside it. Its confidence is 1.0
when the hash was seen before and 0.0 otherwise; its user ID is the hash with the locale
(languages and time zone), as the service's is."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .events import Visit

WEB_PARTS = (
    ("device", "canvas_hash"),
    ("device", "audio_hash"),
    ("device", "fonts_hash"),
    ("device", "webgl_vendor"),
    ("device", "webgl_renderer"),
    ("device", "screen_width"),
    ("device", "screen_height"),
    ("device", "pixel_ratio"),
    ("device", "color_depth"),
    ("device", "hardware_concurrency"),
    ("device", "device_memory"),
    ("device", "touch_points"),
    ("software", "platform"),
    ("software", "timezone"),
)
SDK_PARTS = (
    ("device", "manufacturer"),
    ("device", "brand"),
    ("device", "model"),
    ("device", "hardware"),
    ("device", "product"),
    ("device", "screen_width"),
    ("device", "screen_height"),
    ("device", "storage_total_mb"),
    ("software", "os"),
)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def exact_hash(v: Visit) -> str:
    a = v.attributes
    install = a.get("device", {}).get("device_id_hash")
    if v.channel != "web" and install:
        return f"i:{install}"
    parts = WEB_PARTS if v.channel == "web" else SDK_PARTS
    values = [repr(a.get(group, {}).get(name)) for group, name in parts]
    return "f:" + _digest(v.channel + "|" + "|".join(values))


def answers(visits: Sequence[Visit]) -> list[tuple[str, float, str]]:
    """(device_id, device_confidence, user_id) of each visit, in order."""
    seen: set[str] = set()
    out = []
    for v in visits:
        key = exact_hash(v)
        sw = v.attributes.get("software", {})
        locale = f"{','.join(sw.get('languages') or ())}|{sw.get('timezone') or ''}"
        out.append((key, 1.0 if key in seen else 0.0, "u:" + _digest(f"{key}|{locale}")))
        seen.add(key)
    return out
