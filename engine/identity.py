"""Device and user identity: probabilistic linking of a session to a known device.

A session's attributes become an *observation*: named components, each kept only as a short
keyed hash (equality is all linking needs), plus the few facts that explain drift (browser
and OS version, raw GPU string, font and plugin counts). Candidates are found through
*bands*: index keys over small groups of components, so a device whose canvas changed with a
browser update is still found through its audio and fonts.

A candidate is compared with each of its recent observations, and ruled out when
- a hardware component differs (platform, touch points, colour depth, GPU model; for apps:
  model, hardware, storage, sensors, OS) or a different app install ID is reported;
- an identifying hash (canvas, audio, fonts; build) changed without a drift that explains
  it (a browser or OS update, a driver update, a few fonts installed, a private window);
- the browser went back a version, or time zone and first language changed together.
What passes is scored by weighted agreement; the best score above the threshold wins, and
`confidence` shrinks when several devices fit equally well (identical machines).

`device_key` is internal and cross-tenant; clients only ever see a tenant-scoped
`device_id` derived from it, so two clients cannot join their data on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from engine.schema import Attributes, DeviceProfile, Observation

WEB_WEIGHTS = {
    "canvas": 3.0,
    "audio": 2.5,
    "fonts": 2.0,
    "gpu": 2.5,
    "gpu_vendor": 0.5,
    "screen": 1.0,
    "pixel_ratio": 0.3,
    "color_depth": 0.5,
    "cores": 1.0,
    "memory": 0.5,
    "touch": 1.0,
    "platform": 1.5,
    "timezone": 0.8,
    "language": 0.8,
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
    "timezone": 0.8,
    "language": 0.8,
    "carrier": 0.8,
}
WEB_HARD = ("platform", "touch", "color_depth", "gpu")
SDK_HARD = ("model", "hardware", "storage", "sensors", "os", "install")
IDENTIFYING = ("canvas", "audio", "fonts")
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
RECENT = 4  # observations remembered per device
MAX_NEW_FONTS = 5  # fonts installed between two sessions that still explain a new font hash

_VERSION = re.compile(r"\b\d+(?:\.\d+)+\b")
_WORDS = re.compile(r"[a-z0-9]+")
_BROWSER = re.compile(
    r"(Edg|EdgA|EdgiOS|OPR|SamsungBrowser|YaBrowser|Firefox|FxiOS|CriOS|Chrome|Version)/(\d+)"
)
_OS = re.compile(
    r"(Windows NT [\d.]+|Mac OS X [\d_.]+|Android [\d.]+|(?:iPhone )?OS [\d_]+ like Mac|"
    r"CrOS \S+ [\d.]+|Linux)"
)

Fingerprint = dict[str, str]


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


def _browser(ua: str | None) -> tuple[str | None, int | None]:
    """Browser family and major version from the UA (the most specific token wins)."""
    if not ua:
        return None, None
    found = dict(_BROWSER.findall(ua))
    for family in (
        "Edg",
        "EdgA",
        "EdgiOS",
        "OPR",
        "SamsungBrowser",
        "YaBrowser",
        "FxiOS",
        "CriOS",
        "Firefox",
        "Chrome",
        "Version",
    ):
        if family in found:
            return family.lower(), int(found[family])
    return None, None


def observe(
    attrs: Attributes, channel: str, key: bytes, now: float, ip_prefix: str | None = None
) -> Observation:
    """What linking keeps of a session: keyed hashes, plus the facts that explain drift."""
    d, s, n = attrs.device, attrs.software, attrs.network
    language = s.languages[0] if s.languages else None
    raw: dict[str, object]
    browser = major = None
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
        browser, major = _browser(s.user_agent)
        os_match = _OS.search(s.user_agent or "")
        os_version = os_match.group(1) if os_match else None
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
            "os": s.os,
            "timezone": s.timezone,
            "language": language,
            "carrier": n.carrier,
        }
        os_version = f"{s.os} {s.os_version}" if s.os_version else None
    return Observation(
        at=now,
        components={k: _h(key, k, v) for k, v in raw.items() if v not in (None, "")},
        browser=browser,
        browser_major=major,
        os_version=_h(key, "os_version", os_version) if os_version else None,
        gpu_raw=_h(key, "gpu_raw", d.webgl_renderer) if d.webgl_renderer else None,
        fonts_count=d.fonts_count,
        plugins_count=d.plugins_count,
        ip_prefix=ip_prefix,
    )


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


def _differs(a: Fingerprint, b: Fingerprint, name: str) -> bool:
    return name in a and name in b and a[name] != b[name]


def _explained(new: Observation, old: Observation, name: str) -> bool:
    """Is a changed identifying hash explained by a drift the two observations show?"""
    browser_up = (
        new.browser is not None
        and new.browser == old.browser
        and (new.browser_major or 0) > (old.browser_major or 0)
    )
    os_changed = None not in (new.os_version, old.os_version) and new.os_version != old.os_version
    if name == "canvas":
        driver = None not in (new.gpu_raw, old.gpu_raw) and new.gpu_raw != old.gpu_raw
        return browser_up or driver or os_changed
    if name == "audio":
        return browser_up or os_changed
    if name == "fonts":
        private = new.plugins_count == 0 or old.plugins_count == 0
        grew = (
            new.fonts_count is not None
            and old.fonts_count is not None
            and 0 < new.fonts_count - old.fonts_count <= MAX_NEW_FONTS
        )
        return private or grew or os_changed
    if name == "build":
        return os_changed
    return False


def compare(new: Observation, old: Observation, channel: str) -> float | None:
    """How well `new` fits a device last seen as `old`: 0..1, or None when ruled out."""
    a, b = new.components, old.components
    if any(name in a and a.get(name) == b.get(name) for name in DECISIVE):
        return 0.99
    web = _group(channel) == "web"
    if any(_differs(a, b, name) for name in (WEB_HARD if web else SDK_HARD)):
        return None
    if (
        web
        and new.browser is not None
        and new.browser == old.browser
        and (new.browser_major or 0) < (old.browser_major or 0)
    ):
        return None  # browsers do not downgrade
    changed = [n for n in (IDENTIFYING if web else ("build",)) if _differs(a, b, n)]
    if any(not _explained(new, old, name) for name in changed) or len(changed) > 2:
        return None
    if _differs(a, b, "timezone") and _differs(a, b, "language"):
        return None  # a traveller keeps their language: another place and language, another device
    score, overlap = similarity(a, b, channel)
    if overlap < MIN_OVERLAP and a != b:
        return None
    if a == b:
        return min(0.95, 0.5 + overlap / 20) if overlap < MIN_OVERLAP else 0.98
    return score if score >= THRESHOLD else None


def choose(
    new: Observation, channel: str, candidates: list[tuple[str, DeviceProfile]]
) -> tuple[str, float, DeviceProfile] | None:
    """The best candidate for this observation, with its confidence, or None.

    Each candidate is judged on its best recent observation. Ties go to the device last
    seen on the same network prefix, then to the most recent. Confidence is the agreement,
    shared out when several devices fit as well (identical machines cannot be told apart).
    """
    fits: list[tuple[float, bool, float, str, DeviceProfile]] = []
    for dkey, profile in candidates:
        scores = [s for old in profile.recent if (s := compare(new, old, channel)) is not None]
        if scores:
            last = profile.recent[-1]
            same_net = new.ip_prefix is not None and last.ip_prefix == new.ip_prefix
            fits.append((round(max(scores), 3), same_net, last.at, dkey, profile))
    if not fits:
        return None
    fits.sort(key=lambda f: (f[0], f[1], f[2]), reverse=True)
    best = fits[0]
    rivals = sum(1 for f in fits[1:] if f[0] >= best[0] - 0.02)
    confidence = best[0] if best[0] >= 0.99 else round(min(best[0], 0.98) / (1 + rivals), 3)
    return best[3], confidence, best[4]


def remember(profile_recent: list[Observation], new: Observation) -> list[Observation]:
    """The device's recent observations with `new` added (oldest dropped)."""
    kept = [o for o in profile_recent if o.components != new.components]
    return [*kept, new][-RECENT:]


def new_device_key() -> str:
    return "dk_" + _b32(os.urandom(16), 26)


def public_device_id(tenant: str, dkey: str, key: bytes) -> str:
    return "dv_" + _b32(hmac.new(key, f"dev|{tenant}|{dkey}".encode(), hashlib.sha256).digest())


def public_user_id(tenant: str, dkey: str, attrs: Attributes, key: bytes) -> str:
    """A user is approximated by the device and its locale (languages, time zone)."""
    langs = ",".join(attrs.software.languages or ())
    blob = f"usr|{tenant}|{dkey}|{langs}|{attrs.software.timezone or ''}".encode()
    return "us_" + _b32(hmac.new(key, blob, hashlib.sha256).digest())
