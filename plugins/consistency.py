"""Sanity of the device's own numbers, and the Do Not Track preference.

Do Not Track is recorded (from the page or the request header) and does not stop
collection, as the data policy says (docs/privacy.md). Screens of zero size or absurd
shape, and CPU/memory values no browser reports, are signs of a hand-edited or generated payload.
"""

from __future__ import annotations

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._ua import session_ua

FLAGS: tuple[str, ...] = ()
CODES: tuple[str, ...] = ("SCREEN_IMPLAUSIBLE", "HARDWARE_IMPLAUSIBLE")
FEATURES: dict[str, str] = {
    "do_not_track": "Do Not Track is set (page or header; recorded, not obeyed)",
}

_MAX_ASPECT = 4.5  # 32:9 super-ultrawide is 3.6; 21:9 phones are 2.4
_MAX_SIDE = 16_384  # CSS pixels; an 8K screen is 7,680
# navigator.deviceMemory is rounded to a power of two (Chrome reports 0.25 .. 32 GiB).
_WEB_MEMORY = frozenset({0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0})
_PHONE_MAX_CORES = 16


def do_not_track(session: CollectedSession) -> bool | None:
    values = (session.attributes.software.do_not_track, session.do_not_track_header)
    if True in values:
        return True
    if False in values:
        return False
    return None


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    return {"do_not_track": do_not_track(session)}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    hits = [hit for hit in (_screen(session), _hardware(session)) if hit is not None]
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)


def _screen(session: CollectedSession) -> RuleHit | None:
    w = session.attributes.device.screen_width
    h = session.attributes.device.screen_height
    if w is None or h is None:
        return None
    if w == 0 or h == 0:
        return RuleHit(code="SCREEN_IMPLAUSIBLE", detail="zero-sized screen")
    if max(w, h) > _MAX_SIDE:
        return RuleHit(code="SCREEN_IMPLAUSIBLE", detail="screen larger than any display")
    if max(w, h) / min(w, h) > _MAX_ASPECT:
        return RuleHit(code="SCREEN_IMPLAUSIBLE", strength=0.8, detail="absurd aspect ratio")
    return None


def _hardware(session: CollectedSession) -> RuleHit | None:
    device = session.attributes.device
    cores, memory = device.hardware_concurrency, device.device_memory
    if cores == 0:
        return RuleHit(code="HARDWARE_IMPLAUSIBLE", strength=0.7, detail="0 logical cores")
    if session.channel == "web" and memory is not None and memory not in _WEB_MEMORY:
        return RuleHit(
            code="HARDWARE_IMPLAUSIBLE", strength=0.7, detail="deviceMemory not a browser value"
        )
    ua = session_ua(session)
    if ua is not None and ua.is_phone and cores is not None and cores > _PHONE_MAX_CORES:
        return RuleHit(code="HARDWARE_IMPLAUSIBLE", strength=0.7, detail="phone with > 16 cores")
    return None
