"""Honest drift, one change at a time: does the device keep its ID, and how sure is the linker?

    python -m tools.drift.scenarios [--seed 7] [--background 300]

For each drift of issue 17 (a few fonts installed; a week abroad; a laptop docked to a
monitor; browser zoom; a minor OS update; a browser major that changes the canvas; a new
address on every visit) a device drawn from real traffic (`priors.draw`) visits four to six
times around the change, among `--background` other real-traffic devices that visit the
same tenant in the same weeks (so the tenant's population and the prior are as in
service). Every visit goes through `engine.devices.Registry` on a fresh RocksDB directory.
A scenario passes when every later visit keeps the first visit's device key, with
confidence >= 0.5 unless the prior expects the fingerprint to be shared (a crowd).
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from engine.devices import Registry
from engine.devices import prior as priors
from engine.privacy.secrets import derive_keys
from engine.schema import Attributes, Events
from engine.store import RocksStore, WriteSet
from engine.store.keys import State, encode, events_key, record_event

from .catalogue import DAY, h
from .priors import COLLECTOR_FONTS, OS_FONTS, collector_fonts, draw, fonts_hash
from .releases import START

TENANT = "demo"
Payload = dict[str, Any]
Step = Callable[[Payload], Payload]


class Outcome(NamedTuple):
    name: str
    kept: bool  # every later visit got the first visit's device key
    confidences: tuple[float, ...]  # of the later visits
    crowd: bool  # the prior expects the fingerprint to be shared

    @property
    def passed(self) -> bool:
        return self.kept and (self.crowd or min(self.confidences) >= 0.5)


def payload(seed: str, kind: str) -> tuple[Payload, str]:
    """A real-traffic device of `kind` as the collector sends it, and its OS font key."""
    fp = draw(seed, kind)
    os = {"win_desktop": "windows", "win_laptop": "windows", "mac": "macos"}.get(kind, kind)
    os = {"iphone": "ios"}.get(os, os)
    fonts = set(OS_FONTS[os]) | (set(fp.fonts or ()) & set(COLLECTOR_FONTS))
    card, s, nav = fp.videoCard, fp.screen, fp.navigator
    device = {
        "screen_width": int(s.width), "screen_height": int(s.height),
        "pixel_ratio": float(s.devicePixelRatio or 1), "color_depth": int(s.colorDepth or 24),
        "hardware_concurrency": nav.hardwareConcurrency, "device_memory": nav.deviceMemory,
        "touch_points": nav.maxTouchPoints, "webgl_vendor": card.vendor if card else None,
        "webgl_renderer": card.renderer if card else None,
        "canvas_hash": h("canvas", card.renderer if card else "", nav.userAgent) + "0",
        "audio_hash": h("audio", os, seed, n=20),
        "fonts_hash": fonts_hash(fonts), "fonts_count": len(collector_fonts(fonts)),
    }  # fmt: skip
    software = {
        "user_agent": nav.userAgent, "platform": nav.platform,
        "languages": ["en-GB", "en"], "timezone": "Europe/London", "timezone_offset_min": 0,
    }  # fmt: skip
    return {"device": {k: v for k, v in device.items() if v is not None},
            "software": software, "_fonts": sorted(fonts)}, os  # fmt: skip


def _set(p: Payload, **changes: Any) -> Payload:
    out = copy.deepcopy(p)
    for key, value in changes.items():
        group, field = key.split("__")
        out[group][field] = value
    return out


def fonts_installed(p: Payload) -> Payload:
    """Three fonts of the probe list the machine did not have."""
    fonts = set(p["_fonts"])
    extra = [f for f in ("Roboto", "Ubuntu", "Garamond", "Book Antiqua", "Cambria")
             if f not in fonts][:3]  # fmt: skip
    out = _set(p, device__fonts_hash=fonts_hash(fonts | set(extra)),
               device__fonts_count=len(collector_fonts(fonts | set(extra))))  # fmt: skip
    out["_fonts"] = sorted(fonts | set(extra))
    return out


def abroad(p: Payload) -> Payload:
    return _set(p, software__timezone="Europe/Madrid", software__timezone_offset_min=60)


def docked(p: Payload) -> Payload:
    return _set(p, device__screen_width=1920, device__screen_height=1080, device__pixel_ratio=1.0)


def zoomed(p: Payload) -> Payload:
    d = p["device"]
    return _set(p, device__screen_width=int(d["screen_width"] / 1.25),
                device__screen_height=int(d["screen_height"] / 1.25),
                device__pixel_ratio=round(d["pixel_ratio"] * 1.25, 4))  # fmt: skip


def os_minor(p: Payload) -> Payload:
    ua = p["software"]["user_agent"]
    return _set(p, software__user_agent=ua.replace("OS 18_7", "OS 18_7_1").replace(
        "OS 17_5", "OS 17_6"))  # fmt: skip


def browser_major(p: Payload) -> Payload:
    ua: str = p["software"]["user_agent"]
    major = next(int(t.split(".")[0]) for t in ua.split("Chrome/")[1:2])
    ua = ua.replace(f"Chrome/{major}.", f"Chrome/{major + 1}.")
    canvas = p["device"]["canvas_hash"][:-1] + "1"  # the new major renders text anew
    return _set(p, software__user_agent=ua, device__canvas_hash=canvas)


# name -> (kind, prefixes of the visits (None: the home /24), payload steps per visit)
SCENARIOS: dict[str, tuple[str, list[str | None], list[Step | None]]] = {
    "a few fonts installed": ("win_desktop", [None] * 4, [None, None, fonts_installed, None]),
    "a week abroad": ("win_laptop", [None, "88.6.1.0/24", "88.6.7.0/24", None],
                      [None, abroad, None, None]),
    "a laptop docked to a monitor": ("win_laptop", [None] * 5, [None, docked, None, docked, None]),
    "browser zoom": ("win_desktop", [None] * 4, [None, zoomed, None, None]),
    "a minor OS update": ("iphone", [None] * 4, [None, None, os_minor, None]),
    "a browser major": ("win_desktop", [None] * 4, [None, None, browser_major, None]),
    "a new address on every visit": ("win_desktop", [f"{60 + i}.{i}.{i}.0/24" for i in range(6)],
                                     [None] * 6),
}  # fmt: skip


def run(seed: int = 7, background: int = 300) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="anonscore-scenarios-") as tmp:
        store = RocksStore(Path(tmp))
        try:
            reg = Registry(State(store), derive_keys(b"\x07" * 32))
            kinds = ("win_desktop", "win_laptop", "mac", "android", "iphone", "linux")
            for i in range(background):  # the tenant's other devices, over the first weeks
                p, _ = payload(f"{seed}/background/{i}", kinds[i % len(kinds)])
                _visit(reg, store, p, START + i * 14 * DAY / background, f"10.{i % 250}.0.0/24")
            return [_scenario(reg, store, seed, n, *spec) for n, spec in SCENARIOS.items()]
        finally:
            store.close()


def _scenario(
    reg: Registry, store: RocksStore, seed: int, name: str, kind: str,
    prefixes: list[str | None], steps: list[Step | None],
) -> Outcome:  # fmt: skip
    base, _ = payload(f"{seed}/scenario/{name}", kind)
    if kind == "win_desktop" and "Chrome/" not in base["software"]["user_agent"]:
        base, _ = payload(f"{seed}/scenario/{name}/chrome", kind)
    home = f"81.{len(name)}.{seed % 250}.0/24"
    t, current, keys, confs = START + 15 * DAY, base, [], []
    crowd = False
    for prefix, step in zip(prefixes, steps, strict=True):
        shown = step(current) if step is not None else current
        if step in (fonts_installed, os_minor, browser_major):
            current = shown  # lasting changes; the others are for one visit
        key, conf, mass = _visit(reg, store, shown, t, prefix or home)
        keys.append(key)
        confs.append(conf)
        crowd = crowd or priors.crowd(mass, 300.0, 0.2, True) >= 2.0
        t += 7 * DAY if step is not abroad else 3 * DAY
    return Outcome(name, len(set(keys)) == 1, tuple(confs[1:]), crowd)


def _visit(
    reg: Registry, store: RocksStore, p: Payload, at: float, prefix: str
) -> tuple[str, float, float]:
    attrs = msgspec.convert({k: v for k, v in p.items() if not k.startswith("_")}, Attributes)
    s = reg.sight(attrs, "web", at, prefix)
    link = reg.link(s, TENANT, at)
    w = WriteSet()
    reg.record(w, s, link, TENANT, at, user_agent=attrs.software.user_agent)
    events = reg.state.events("d", link.dkey) if link.profile is not None else Events()
    w.put(events_key("d", link.dkey), encode(record_event(events, at)))
    store.apply(w)
    return link.dkey, link.confidence, s.mass


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.drift.scenarios", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--background", type=int, default=300)
    args = p.parse_args(argv)
    outcomes = run(args.seed, args.background)
    for o in outcomes:
        confs = " ".join(f"{c:.2f}" for c in o.confidences)
        print(f"{'ok  ' if o.passed else 'FAIL'} {o.name:32} kept={o.kept} "
              f"crowd={o.crowd} confidence {confs}")  # fmt: skip
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
