"""Real browsers are not programs: how many consistent real user agents the plugins call
`automation` or `tampering`.

The corpus is the test fixtures of Matomo's Device Detector (github.com/matomo-org/
device-detector, LGPL-3.0-or-later), as the PyPI package `device-detector` (pinned in the
`test` extra) ships them: hand-checked real user agents, each labelled with its OS, client
and device type. Every entry whose client is a browser on a desktop or a smartphone, with a
known OS, becomes a web session whose every other attribute agrees with that label (screen,
platform, touch, GPU, fonts, pointer, the collect request's own User-Agent header): a real
browser, as old or odd as it may be, on the device it says it is. The plugins then run on
it as in the engine (in process, no store, no network).

    python -m tools.ua_corpus                  # counts, and the sessions flagged
    python -m tools.ua_corpus --show 20 --phone-step 10   # a tenth of the phones
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import msgspec
import yaml_rs  # device-detector's own YAML reader

from engine.config import load_config
from engine.features import CollectedSession, Context
from engine.schema import Attributes
from engine.scoring.plugin_host import PluginHost, build_plugin_manager
from plugins._ua import parse_ua

REPO = Path(__file__).resolve().parent.parent
DESKTOP, PHONE = "desktop", "smartphone"
# OS names of the fixtures -> the OS class a consistent session is built for
_OS = {
    "Windows": "windows",
    "Mac": "mac",
    "GNU/Linux": "linux",
    "Ubuntu": "linux",
    "Debian": "linux",
    "Fedora": "linux",
    "Android": "android",
    "iOS": "ios",
}
_DEVICE: dict[str, dict[str, Any]] = {
    "windows": {
        "platform": "Win32",
        "screen": (1920, 1080, 1.0),
        "gpu": "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)",
        "fonts": ["windows"],
    },
    "mac": {
        "platform": "MacIntel",
        "screen": (1440, 900, 2.0),
        "gpu": "ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)",
        "fonts": ["mac"],
    },
    "linux": {
        "platform": "Linux x86_64",
        "screen": (1920, 1080, 1.0),
        "gpu": "Mesa Intel(R) UHD Graphics 620 (KBL GT2)",
        "fonts": ["linux"],
    },
    "android": {
        "platform": "Linux armv81",
        "screen": (412, 915, 2.625),
        "gpu": "Adreno (TM) 730",
        "fonts": [],
    },
    "ios": {"platform": "iPhone", "screen": (390, 844, 3.0), "gpu": "Apple GPU", "fonts": []},
}


# Every browser that runs JavaScript has sent `Mozilla/` (or, Opera Presto, `Opera/`)
# first since 1996. The rest of the fixtures' "browsers" cannot have run collector.js:
# text browsers (Links, ELinks), NCSA Mosaic, platform HTTP stacks (Dalvik, CFNetwork),
# app clients (GOG Galaxy, QwantMobile/, UCWEB/ feature phones).
_SCRIPTED = re.compile(r"^(?:Mozilla|Opera)/\d")


@dataclass(frozen=True)
class Entry:
    user_agent: str
    kind: str  # desktop or smartphone
    os_class: str
    client: str  # the fixture's client name (browser)


def fixtures() -> Iterator[Any]:
    root = files("device_detector") / "tests" / "fixtures" / "upstream"
    names = ["desktop.yml", "desktop-1.yml"] + [f"smartphone-{n}.yml" for n in range(1, 60)]
    names.insert(2, "smartphone.yml")
    for name in names:
        path = root / name
        if path.is_file():
            yield from yaml_rs.loads(path.read_text(encoding="utf-8")) or ()


def corpus(phone_step: int = 1) -> list[Entry]:
    """The browsers on desktops and smartphones with a known OS, deduplicated; every
    `phone_step`-th smartphone only (there are some 21,000 of them)."""
    seen: dict[str, Entry] = {}
    for item in fixtures():
        client, device, os = item.get("client") or {}, item.get("device") or {}, item.get("os")
        ua = str(item.get("user_agent") or "").strip()
        if not ua or not isinstance(os, dict) or client.get("type") != "browser":
            continue
        kind, os_class = device.get("type"), _OS.get(str(os.get("name")))
        if kind not in (DESKTOP, PHONE) or os_class is None:
            continue
        if (kind == DESKTOP) != (os_class in ("windows", "mac", "linux")):
            continue
        if not _SCRIPTED.match(ua):
            continue  # no JavaScript browser sends it: it cannot have run the collector
        if parse_ua(ua).os_class not in (os_class, "other"):
            continue  # the service reads another OS in it: no session can agree with both
        if ua.isascii() and ua.isprintable() and len(ua) <= 1024:
            seen.setdefault(ua, Entry(ua, kind, os_class, str(client.get("name"))))
    phones = [e for e in seen.values() if e.kind == PHONE][::phone_step]
    return [e for e in seen.values() if e.kind == DESKTOP] + phones


def session(entry: Entry, n: int) -> CollectedSession:
    """A web session in which everything agrees with the entry's label."""
    dev = _DEVICE[entry.os_class]
    width, height, ratio = dev["screen"]
    phone = entry.kind == PHONE
    attributes = {
        "device": {
            "screen_width": width,
            "screen_height": height,
            "pixel_ratio": ratio,
            "color_depth": 24,
            "hardware_concurrency": 8,
            "touch_points": 5 if phone else 0,
            "webgl_renderer": dev["gpu"],
            "plugins_count": 0 if phone else 5,
            "canvas_hash": f"{n:064x}",
        },
        "software": {
            "user_agent": entry.user_agent,
            "platform": dev["platform"],
            "languages": ["en-US", "en"],
            "timezone": "America/New_York",
            "timezone_offset_min": -300,
            "webdriver": False,
        },
        "behaviour": {"time_on_page_ms": 60_000, "fields": [{"name": "amount", "chars_typed": 4}]},
        "coherence": {
            "worker_differs": [],
            "native_claims": [],
            "geometry_conflicts": [],
            "pointer": "coarse" if phone else "fine",
            "hover": not phone,
            "touch_events": phone,
            "max_texture_size": 16384,
            "font_families": dev["fonts"],
            "devtools_protocol": False,
        },
    }
    return CollectedSession(
        session_id=f"s{n}",
        tenant="demo",
        channel="web",
        attributes=msgspec.convert(attributes, Attributes),
        created_at=1_800_000_000.0,
        collected_at=1_800_000_100.0,
        header_languages=("en",),
        http_user_agent=entry.user_agent,
    )


def judge(entries: list[Entry]) -> list[tuple[Entry, set[str], set[str]]]:
    """(entry, flags set, reason codes) per entry, from every registered plugin."""
    host = PluginHost(build_plugin_manager())
    tenant = load_config(REPO / "config").tenants["demo"]  # every plugin on, as shipped
    out = []
    for n, entry in enumerate(entries):
        context = Context(now=1_800_000_100.0, device_key=f"d{n}")
        hits = [hit for hit, _ in host.run(session(entry, n), context, tenant)[1]]
        flags = {h.flag for h in hits if h.flag}
        out.append((entry, flags, {h.code for h in hits}))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.ua_corpus", description=__doc__)
    p.add_argument("--show", type=int, default=10, help="print N flagged sessions")
    p.add_argument("--phone-step", type=int, default=1, help="every Nth smartphone only")
    args = p.parse_args(argv)
    results = judge(corpus(max(args.phone_step, 1)))
    for kind in (DESKTOP, PHONE):
        rows = [r for r in results if r[0].kind == kind]
        bad = [r for r in rows if {"automation", "tampering"} & r[1]]
        share = 1 - len(bad) / max(len(rows), 1)
        print(
            f"{kind}: {len(rows)} browsers, {len(bad)} automation or tampering ({share:.2%} clean)"
        )
        codes = Counter(c for r in rows for c in r[2])
        print("  codes: " + ", ".join(f"{c} {k}" for c, k in codes.most_common(12)))
        for entry, flags, found in bad[: args.show]:
            print(f"  {sorted(flags)} {sorted(found)}: {entry.user_agent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
