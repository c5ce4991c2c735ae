"""Device and user identity.

`device_key` is the internal, cross-tenant key of a device; clients only ever see a
tenant-scoped `device_id` derived from it, so two clients cannot join their data on it.
This first version keys a device by an exact hash of its stable attributes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from engine.schema import Attributes

# Attributes that stay put across browser updates and small changes (no UA, no version).
_WEB_PARTS = (
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
_SDK_PARTS = (
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


def _b32(digest: bytes, n: int = 20) -> str:
    return base64.b32encode(digest).decode("ascii").lower().rstrip("=")[:n]


def device_key(attrs: Attributes, channel: str, key: bytes) -> tuple[str, int]:
    """Return (internal device key, number of identifying parts that were present)."""
    if channel != "web" and attrs.device.device_id_hash:
        # Already truncated and keyed-hashed by the privacy firewall.
        return "i:" + attrs.device.device_id_hash, len(_SDK_PARTS)
    parts = _WEB_PARTS if channel == "web" else _SDK_PARTS
    values = []
    present = 0
    for group, name in parts:
        value = getattr(getattr(attrs, group), name)
        if value is not None:
            present += 1
        values.append(repr(value))
    blob = (channel + "|" + "|".join(values)).encode()
    return "f:" + _b32(hmac.new(key, blob, hashlib.sha256).digest(), 26), present


def identifying_parts(channel: str) -> int:
    return len(_WEB_PARTS if channel == "web" else _SDK_PARTS)


def public_device_id(tenant: str, dkey: str, key: bytes) -> str:
    return "dv_" + _b32(hmac.new(key, f"dev|{tenant}|{dkey}".encode(), hashlib.sha256).digest())


def public_user_id(tenant: str, dkey: str, attrs: Attributes, key: bytes) -> str:
    """A user is approximated by the device and its locale (languages, time zone)."""
    langs = ",".join(attrs.software.languages or ())
    blob = f"usr|{tenant}|{dkey}|{langs}|{attrs.software.timezone or ''}".encode()
    return "us_" + _b32(hmac.new(key, blob, hashlib.sha256).digest())
