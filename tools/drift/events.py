"""The state of a device at each of its visits (`look_at`), the events between two visits
(`kinds`), and the plan of every visit of every device in time order (`plan`).

Events are not drawn per visit: each device's state is a function of the date (the release
calendar and the device's own update lags, fonts installed, drivers, trips, languages) plus a
few per-visit conditions (docked, zoomed, private window, blocked probes, network). The events
a visit is labelled with are the differences from the device's previous visit, so labels and
payloads cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import Any, NamedTuple

from .catalogue import COUNTRIES, drivers, h
from .device import Device, Look, headers, render
from .legacy import Rates as Rates  # for `tools.population`
from .legacy import drift as drift
from .releases import Calendar, os_major

EVENT_KINDS = (
    "none",  # nothing but a new IP address (and per-session noise)
    "browser_major",  # Chrome, Edge, Firefox or Samsung Internet: a new major
    "browser_canvas",  # ... that changed the canvas rendering
    "browser_audio",  # ... that changed the audio rendering
    "safari_yearly",  # macOS Safari 18: canvas, audio, UA
    "safari_minor",  # UA only
    "ios_yearly",  # iOS 18: canvas, audio, UA (web); os_version (app)
    "ios_minor",
    "android_major",  # Android 15 (Pixels): canvas (web); os_version and build (app)
    "android_patch",  # a security patch: the build fingerprint (app)
    "app_update",
    "app_reinstall",  # a new install ID, same hardware
    "gpu_driver",  # a new GPU driver
    "gpu_driver_canvas",  # ... that changed the canvas (the renderer string shows no version)
    "fonts_installed",
    "screen_change",  # docked to an external monitor, or undocked
    "zoom_change",  # pixel ratio
    "abroad",  # a week abroad: time zone and IP country change, languages stay
    "back_home",
    "language_added",
    "private_window",  # Firefox and Safari: canvas and audio noise, Firefox: system fonts
    "private_window_ended",  # the previous visit was private, this one is not
    "canvas_blocked",  # canvas missing (extension, Firefox resistFingerprinting)
    "audio_blocked",
    "mobile_data",  # network conditions: a carrier NAT, an office NAT (every visit has a new IP)
    "office_network",
)
NETWORK_KINDS = ("mobile_data", "office_network")
LAPTOPS = ("win_laptop", "mac")  # iMacs never dock: their `dock` share is 0
DESKTOPS = ("win_desktop", "win_laptop", "mac", "linux")


def browser_track(d: Device) -> str | None:
    if d.channel != "web":
        return "app"
    return None if d.kind in ("iphone", "ipad") else d.browser


def os_track(d: Device) -> str | None:
    if d.os == "ios":
        return "ios"
    if d.os == "android":
        return "android_pixel" if d.model.name.startswith("Pixel") else "android"
    return None


def look_at(d: Device, cal: Calendar, t: float, rng: Random) -> Look:
    """The state of `d` at `t`; `rng` draws this visit's conditions (always in one order)."""
    m, p = d.machine, d.person
    track, otrack = browser_track(d), os_track(d)
    bi = cal.index(track, t, d.lag) if track else 0
    oi = cal.index(otrack, t, m.os_lag) if otrack else 0
    driver = min(m.driver + sum(1 for u in m.driver_updates if u <= t), len(drivers(m.model)) - 1)
    fonts = m.fonts.union(*(f for when, f in m.font_installs if when <= t))
    away = p.trip[2] if p.trip and p.trip[0] <= t < p.trip[1] else None
    languages = d.languages
    if d.language_added and d.language_added[0] <= t:
        _, lang, first = d.language_added
        languages = (lang, *languages) if first else (*languages, lang)
    network, ip = _network(d, rng, away)
    docked = d.kind in LAPTOPS and network in ("home", "office") and rng.random() < m.dock
    zoomed = rng.random() < d.zoom[0] and d.browser in ("chrome", "edge", "firefox")
    private = rng.random() < d.private
    canvas_blocked = d.blocker == "rfp" or (d.blocker == "extension" and rng.random() < 0.5)
    audio_blocked = d.blocker == "rfp" or (d.blocker == "extension" and rng.random() < 0.3)
    install = d.install
    if d.reinstall is not None and t >= d.reinstall:
        install = h("install", d.seed, d.id, "again", n=16)
    free = d.storage_free_mb + rng.randint(-900, 600) if d.channel != "web" else 0
    vendor = "mesa" if m.model.gpu_id == "mesa" else m.model.vendor
    return Look(
        at=t,
        version=cal.release(track, bi).name if track else "",
        os_version=cal.release(otrack, oi).name if otrack else "",
        browser_index=bi,
        os_index=oi,
        browser_canvas=cal.generation(track, bi, "canvas") if track else 0,
        browser_audio=cal.generation(track, bi, "audio") if track else 0,
        os_canvas=cal.generation(otrack, oi, "canvas") if otrack else 0,
        os_audio=cal.generation(otrack, oi, "audio") if otrack else 0,
        driver=driver,
        driver_canvas=cal.driver_generation(vendor, driver),
        fonts=fonts,
        docked=docked,
        zoom=d.zoom[1] if zoomed else 1.0,
        away=away,
        languages=languages,
        private=private,
        canvas_blocked=canvas_blocked,
        audio_blocked=audio_blocked,
        network=network,
        ip=ip,
        install=install,
        storage_free_mb=max(500, min(m.storage_total_mb, free)),
        noise=h("noise", d.seed, d.id, t, n=16),
    )


def _network(d: Device, rng: Random, away: int | None) -> tuple[str, str]:
    """Where this visit comes from, and a new address there: home broadband (the ISP hands
    out a new one), a mobile carrier's NAT (a few /24s for everyone), an office NAT (one
    address for the whole office), or a hotel abroad (roaming data stays on the home
    carrier's NAT)."""
    p = d.person
    phone = d.kind in ("android", "iphone", "ios")
    if d.group == "fleet":
        weights = {"office": 80, "home": 20}
    elif phone:
        weights = {"home": 55, "mobile": 40, "office": 5}
    elif d.kind in LAPTOPS:
        weights = {"home": 60, "office": 30, "mobile": 10}
    elif d.kind == "ipad":
        weights = {"home": 90, "mobile": 10}
    else:
        weights = {"home": 100}
    kind = rng.choices(list(weights), list(weights.values()))[0]
    if kind == "office" and p.office is None:
        kind = "home"
    last = rng.randint(1, 254)
    if away is not None:
        if kind == "mobile":
            kind = "roaming"
        else:
            prefix = rng.choice(COUNTRIES[away].prefixes)
            return "hotel", f"{prefix}.{rng.randint(0, 255)}.{last}"
    if kind in ("mobile", "roaming"):
        return kind, f"{COUNTRIES[p.country].mobile}.{100 + rng.randrange(6)}.{last}"
    if kind == "office":
        assert p.office is not None
        return kind, p.office
    third = p.home24 if p.home24 is not None else rng.randint(0, 255)
    return kind, f"{p.home}.{third}.{last}"


def kinds(prev: Look, new: Look, d: Device) -> tuple[str, ...]:
    """The events between two visits of `d` (network conditions last), or ('none',)."""
    out = []
    if new.browser_index > prev.browser_index:
        if d.channel != "web":
            out.append("app_update")
        elif d.browser == "safari":
            yearly = os_major(new.version) != os_major(prev.version)
            out.append("safari_yearly" if yearly else "safari_minor")
        else:
            out.append("browser_major")
            if new.browser_canvas != prev.browser_canvas:
                out.append("browser_canvas")
            if new.browser_audio != prev.browser_audio:
                out.append("browser_audio")
    if new.os_index > prev.os_index:
        major = os_major(new.os_version) != os_major(prev.os_version)
        if d.os == "ios":
            out.append("ios_yearly" if major else "ios_minor")
        else:
            out.append("android_major" if major else "android_patch")
    if new.install != prev.install:
        out.append("app_reinstall")
    if new.driver > prev.driver:
        out.append("gpu_driver")
        if new.driver_canvas != prev.driver_canvas:
            out.append("gpu_driver_canvas")
    conditions = (
        ("fonts_installed", len(new.fonts) > len(prev.fonts)),
        ("screen_change", new.docked != prev.docked),
        ("zoom_change", new.zoom != prev.zoom),
        ("abroad", new.away is not None),
        ("back_home", new.away is None and prev.away is not None),
        ("language_added", new.languages != prev.languages),
        ("private_window", new.private),
        ("private_window_ended", prev.private and not new.private),
        ("canvas_blocked", new.canvas_blocked),
        ("audio_blocked", new.audio_blocked),
    )
    out += [name for name, happened in conditions if happened]
    if not out:
        out.append("none")
    if new.network in ("mobile", "roaming"):
        out.append("mobile_data")
    elif new.network == "office":
        out.append("office_network")
    return tuple(out)


class Visit(NamedTuple):
    at: float
    device: int
    machine: int
    person: int
    channel: str
    events: tuple[str, ...]  # () at a device's first visit
    attributes: dict[str, Any]
    headers: dict[str, str]


def plan(devices: Sequence[Device], cal: Calendar) -> list[Visit]:
    """Every visit of every device, its state and events in the device's own order, sorted
    by time (devices interleave)."""
    visits = []
    for d in devices:
        rng = Random(f"{d.seed}/visits/{d.id}")
        prev: Look | None = None
        for t in d.visits:
            look = look_at(d, cal, t, rng)
            events = kinds(prev, look, d) if prev is not None else ()
            attrs = render(d, look, rng)
            visits.append(
                Visit(t, d.id, d.machine.id, d.person.id, d.channel, events, attrs,
                      headers(d, look))
            )  # fmt: skip
            prev = look
    visits.sort(key=lambda v: (v.at, v.device))
    return visits
