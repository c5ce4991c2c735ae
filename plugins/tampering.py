"""Tampering: the browser lied to the collector about what it is.

Anti-detect browsers and fingerprint-injection kits dress a browser by scripts that run
before the page's: `navigator`, `screen` and the WebGL answers are rewritten. What such a
costume cannot cover well is consistency, and the collector (collector.js, the `coherence`
group) reads it:

- `TAMPERING_WORKER`: a dedicated worker or a fresh iframe reads another user agent,
  platform, language list, core count, memory, userAgentData or time zone than the page.
  Init scripts rarely reach workers; a browser has one answer for all its scopes.
- `TAMPERING_NATIVE`: getters and functions that identify the device (Navigator, Screen,
  WebGL getParameter, the time zone) are not the engine's own: their source shows through
  an untouched `Function.prototype.toString`, a Proxy hides the name, they accept a foreign
  `this`, or `navigator` carries own properties.
- `TAMPERING_RENDERER`: the WebGL renderer named to the page is not the one the worker's
  OffscreenCanvas reports, or a hardware desktop GPU is claimed by a rasterizer that takes
  at most 8192-pixel textures (SwiftShader's limit; every desktop GPU of the last decade
  takes 16384).
- `TAMPERING_GEOMETRY`: media queries contradict `screen` and `devicePixelRatio`, the
  window is larger than the screen, or a phone is claimed by a page with a fine hovering
  pointer and no touch events.
- `TAMPERING_FONTS`: Windows or macOS is claimed, and the page measures none of that
  system's own fonts but Linux's.

Privacy protections are not lies (plugins/_privacy.py): Firefox's resistFingerprinting
reports a uniform profile (UTC, a Windows-like desktop, its own fonts); what such a profile
explains is not called tampering, and canvas or audio readback noise is never looked at
here. docs/anti-detect.md says what each code means and how a lender should treat it.
"""

from __future__ import annotations

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl
from engine.schema import Coherence
from plugins._privacy import resists_fingerprinting
from plugins._ua import MAC, WINDOWS, ParsedUA, session_ua

FLAGS: tuple[str, ...] = ("tampering",)
CODES: tuple[str, ...] = (
    "TAMPERING_WORKER",
    "TAMPERING_NATIVE",
    "TAMPERING_RENDERER",
    "TAMPERING_GEOMETRY",
    "TAMPERING_FONTS",
)
FEATURES: dict[str, str] = {
    "tampering_lies": "kinds of lie the collector caught (worker, native, renderer, geometry, "
    "fonts), comma-separated; None when there are none",
}

_SOFTWARE = ("swiftshader", "llvmpipe", "softpipe", "mesa offscreen")
# GPU makers a hardware renderer string names (not "Mozilla", "WebKit WebGL", "Apple GPU")
_HARDWARE_GPUS = ("nvidia", "geforce", "quadro", "radeon", "amd", "intel", "apple m", "adreno")
_DESKTOP_TEXTURE = 16384  # MAX_TEXTURE_SIZE of D3D11, Metal and current GL desktop GPUs
_FACTS = frozenset(
    {
        "user_agent",
        "platform",
        "languages",
        "hardware_concurrency",
        "device_memory",
        "timezone",
        "ua_data",
    }
)
_OS_FONTS = {WINDOWS: "windows", MAC: "mac"}


def lies(session: CollectedSession) -> dict[str, str]:
    """Kind of lie -> what was seen, for each kind the collector caught."""
    checks = session.attributes.coherence
    ua = session_ua(session)
    found: dict[str, str] = {}
    scopes = sorted({*(checks.worker_differs or ()), *(checks.frame_differs or ())} & _FACTS)
    if scopes:
        found["worker"] = ",".join(scopes)
    native = sorted(set(checks.native_claims or ()))
    if native:
        found["native"] = ",".join(native[:6])
    renderer = _renderer(session, ua)
    if renderer:
        found["renderer"] = renderer
    geometry = _geometry(checks, ua, resists_fingerprinting(session))
    if geometry:
        found["geometry"] = geometry
    fonts = _fonts(checks, ua, resists_fingerprinting(session))
    if fonts:
        found["fonts"] = fonts
    return found


def _renderer(session: CollectedSession, ua: ParsedUA | None) -> str | None:
    checks = session.attributes.coherence
    if "webgl_renderer" in (checks.worker_differs or ()):
        return "worker renderer differs"
    renderer = (session.attributes.device.webgl_renderer or "").lower()
    texture = checks.max_texture_size
    if not texture or not any(gpu in renderer for gpu in _HARDWARE_GPUS):
        return None
    if any(s in renderer for s in _SOFTWARE) or resists_fingerprinting(session):
        return None
    if ua is not None and ua.os_class in (WINDOWS, MAC) and texture < _DESKTOP_TEXTURE:
        return f"hardware GPU claimed, max texture {texture}"
    return None


def _geometry(checks: Coherence, ua: ParsedUA | None, privacy: bool) -> str | None:
    conflicts = sorted(set(checks.geometry_conflicts or ()))
    if conflicts and not privacy:
        return ",".join(conflicts)
    phone = ua is not None and ua.is_phone
    if phone and checks.pointer == "fine" and checks.hover is True:
        if checks.touch_events is False:
            return "phone claimed: fine pointer, hover, no touch events"
    return None


def _fonts(checks: Coherence, ua: ParsedUA | None, privacy: bool) -> str | None:
    families = checks.font_families
    if ua is None or families is None or privacy or ua.os_class not in _OS_FONTS:
        return None
    own = _OS_FONTS[ua.os_class]
    if own not in families and "linux" in families:
        return f"{ua.os_class} claimed, fonts of linux"
    return None


_CODES = {
    "worker": "TAMPERING_WORKER",
    "native": "TAMPERING_NATIVE",
    "renderer": "TAMPERING_RENDERER",
    "geometry": "TAMPERING_GEOMETRY",
    "fonts": "TAMPERING_FONTS",
}


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    return {"tampering_lies": ",".join(lies(session)) or None}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    hits = [
        RuleHit(code=_CODES[kind], flag="tampering", detail=detail)
        for kind, detail in lies(session).items()
    ]
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
