"""Machines drawn from real traffic: fingerprint-suite's Bayesian networks (`browserforge`, with
its data package `apify-fingerprint-datapoints`), instead of the hand-written catalogue.

A machine's screen, pixel ratio, logical cores, memory, touch points, colour depth, GPU and the
fonts its owner installed are drawn together, as they co-occur on real browsers of that OS, so
look-alikes arise as they do in the wild (one phone model and OS in many countries, office
desktops of one hardware class). What the network does not give follows from what determines
it (`device.canvas_hash`, `device.audio_hash`): the canvas from the GPU, OS, engine and the
engine's rendering epoch; the audio from OS and engine; the fonts hash from the font list, as
the collector computes it (`collector_fonts`).

Draws are seeded (`random.seed` around each draw, the global state restored), so a world is a
function of its seed. `table` samples the same network for the service's population prior
(`engine/devices/_prior.py`): `python -m tools.drift.priors --samples 20000`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import pprint
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from engine.devices.prior import class_key, machine_key

from .catalogue import MODELS, Model

# the collector's probe list (engine/static/collector.js FONTS), in its order
COLLECTOR_FONTS = (
    "Arial", "Arial Black", "Arial Narrow", "Bahnschrift", "Book Antiqua", "Bookman Old Style",
    "Calibri", "Cambria", "Candara", "Century Gothic", "Comic Sans MS", "Consolas", "Constantia",
    "Corbel", "Courier New", "DejaVu Sans", "DejaVu Serif", "Droid Sans",
    "Franklin Gothic Medium", "Garamond", "Geneva", "Georgia", "Helvetica", "Helvetica Neue",
    "Impact", "Liberation Mono", "Liberation Sans", "Lucida Console", "Lucida Grande", "Menlo",
    "Monaco", "Noto Sans", "Palatino Linotype", "Roboto", "Segoe UI", "Tahoma",
    "Times New Roman", "Trebuchet MS", "Ubuntu", "Verdana",
)  # fmt: skip
_COLLECTED = frozenset(COLLECTOR_FONTS)
# what every installation of the OS has, of the probe list
OS_FONTS = {
    "windows": ("Arial", "Arial Black", "Bahnschrift", "Calibri", "Cambria", "Candara",
                "Comic Sans MS", "Consolas", "Constantia", "Corbel", "Courier New", "Georgia",
                "Impact", "Lucida Console", "Palatino Linotype", "Segoe UI", "Tahoma",
                "Times New Roman", "Trebuchet MS", "Verdana"),
    "macos": ("Arial", "Arial Black", "Arial Narrow", "Comic Sans MS", "Courier New", "Geneva",
              "Georgia", "Helvetica", "Helvetica Neue", "Impact", "Lucida Grande", "Menlo",
              "Monaco", "Tahoma", "Times New Roman", "Trebuchet MS", "Verdana"),
    "linux": ("DejaVu Sans", "DejaVu Serif", "Liberation Mono", "Liberation Sans"),
    "android": ("Roboto", "Noto Sans", "Droid Sans"),
    "ios": ("Arial", "Courier New", "Georgia", "Helvetica", "Helvetica Neue", "Menlo",
            "Times New Roman", "Trebuchet MS", "Verdana"),
}  # fmt: skip
# our kinds -> browserforge's (os, device)
_BF = {
    "win_desktop": ("windows", "desktop"),
    "win_laptop": ("windows", "desktop"),
    "mac": ("macos", "desktop"),
    "linux": ("linux", "desktop"),
    "android": ("android", "mobile"),
    "iphone": ("ios", "mobile"),
}
_OS = {"win_desktop": "windows", "win_laptop": "windows", "mac": "macos", "linux": "linux"}
_OS |= {"android": "android", "iphone": "ios", "ipad": "ios"}
_ANGLE = re.compile(r"^ANGLE \(([^,]+), (.+?)(?: \((0x[0-9A-Fa-f]+)\))?(?: Direct3D.*|, .*)?\)$")
_VENDORS = {"nvidia": "NVIDIA", "amd": "AMD", "ati": "AMD", "intel": "Intel", "apple": "Apple"}


def collector_fonts(installed: frozenset[str] | set[str]) -> tuple[str, ...]:
    """The fonts the collector finds, in its order."""
    return tuple(f for f in COLLECTOR_FONTS if f in installed)


def fonts_hash(installed: frozenset[str] | set[str]) -> str:
    """`fonts_hash` as the collector sends it: SHA-256 of the found fonts, comma-joined."""
    return hashlib.sha256(",".join(collector_fonts(installed)).encode()).hexdigest()


def is_real(fonts: frozenset[str]) -> bool:
    """A real-prior machine's fonts are real names (the catalogue's are `base:windows:3`)."""
    return bool(fonts) and fonts <= _COLLECTED


@functools.cache
def _generator() -> Any:
    from browserforge.fingerprints import FingerprintGenerator

    return FingerprintGenerator()


def draw(seed: str, kind: str | None = None) -> Any:
    """One fingerprint of real traffic (of a kind's OS and device type), seeded."""
    state = random.getstate()
    random.seed(seed)
    try:
        if kind is None:
            return _generator().generate()
        os, device = _BF[kind]
        return _generator().generate(os=os, device=device)
    finally:
        random.setstate(state)


def _gpu(kind: str, vendor: str, renderer: str, screen: tuple[int, int]) -> tuple[str, str, str]:
    """(vendor family, GPU model string, PCI id or family) from a WebGL renderer."""
    if kind == "iphone":
        return "Apple", "Apple GPU", f"ios-{max(screen)}x{min(screen)}"
    m = _ANGLE.match(renderer)
    if m:
        maker, model, pci = m.groups()
        model = model.replace("ANGLE Metal Renderer: ", "")
        family = _VENDORS.get(maker.lower(), maker)
        if kind == "linux":
            return family, model, "mesa"
        if family == "Apple":
            return family, model, model.split()[1].lower() if " " in model else "apple"
        if pci and family in ("NVIDIA", "AMD", "Intel"):  # the catalogue's driver series
            return family, model, pci
        return family, model, "x" + hashlib.sha256(model.encode()).hexdigest()[:6]
    low = renderer.lower()
    family = "Qualcomm" if "adreno" in low else "ARM" if "mali" in low else vendor or "other"
    return family, renderer, re.sub(r"[^a-z0-9]+", "", low)[:12] or "gpu"


def machine_model(seed: str, kind: str) -> tuple[Model, frozenset[str]]:
    """A machine of `kind` from real traffic: its model and installed fonts (of the probe
    list). iPads keep the catalogue (the network's iOS tablets are too few)."""
    if kind not in _BF:
        rng = random.Random(seed)
        return rng.choice([m for m in MODELS if m.kind == kind]), frozenset(OS_FONTS["ios"])
    fp = draw(seed, kind)
    s, nav, card = fp.screen, fp.navigator, fp.videoCard
    width, height = int(s.width), int(s.height)
    vendor, gpu, gpu_id = _gpu(kind, card.vendor if card else "", card.renderer if card else "",
                               (width, height))  # fmt: skip
    name = f"{kind} {gpu} {width}x{height}"
    model = Model(
        kind, name, (width, height, float(s.devicePixelRatio or 1.0)), vendor, gpu, gpu_id,
        cpu=f"{vendor}-{nav.hardwareConcurrency}", cores=int(nav.hardwareConcurrency or 4),
        memory_gb=int(nav.deviceMemory or 8), touch=int(nav.maxTouchPoints or 0),
        color_depth=int(s.colorDepth or 24),
    )  # fmt: skip
    fonts = set(OS_FONTS[_OS[kind]]) | (set(fp.fonts or ()) & _COLLECTED)
    return model, frozenset(fonts)


def sample_machine(fp: Any) -> str | None:
    """The machine class of a drawn fingerprint, as the service computes it."""
    from engine.devices.agent import parse_ua

    ua = parse_ua(fp.navigator.userAgent)
    os = {"windows": "windows", "mac": "macos", "linux": "linux", "android": "android"}
    os |= {"ios": "ios"}
    fonts = set(OS_FONTS.get(os.get(ua.os_class, ""), ())) | (set(fp.fonts or ()) & _COLLECTED)
    card = fp.videoCard
    return machine_key(ua.os_class, card.renderer if card else None, card.vendor if card else None,
                       fp.navigator.hardwareConcurrency, fonts_hash(fonts))  # fmt: skip


def sample_class(fp: Any, fonts: bool = True) -> str | None:
    """The population class of a drawn fingerprint, as the service computes it (`fonts`:
    False for its hardware class, the fonts hash left out)."""
    from engine.devices.agent import parse_ua

    ua = parse_ua(fp.navigator.userAgent)
    os = {"windows": "windows", "mac": "macos", "linux": "linux", "android": "android"}
    os |= {"ios": "ios"}
    found = set(OS_FONTS.get(os.get(ua.os_class, ""), ())) | (set(fp.fonts or ()) & _COLLECTED)
    card = fp.videoCard
    return class_key(
        ua.os_class, ua.browser, card.renderer if card else None, int(fp.screen.width),
        int(fp.screen.height), fp.navigator.hardwareConcurrency, fp.navigator.deviceMemory,
        fp.navigator.maxTouchPoints, fonts_hash(found) if fonts else None,
    )  # fmt: skip


def table(samples: int, seed: int = 1) -> dict[str, Any]:
    """The population prior: the mass of every class seen at least twice in `samples` draws
    of real traffic; the rest (singletons, Good-Turing) is the unseen mass."""
    counts: Counter[str] = Counter()
    machines: Counter[str] = Counter()
    fonts_of: dict[str, Counter[str]] = {}  # hardware class -> its classes (fonts sets)
    for i in range(samples):
        fp = draw(f"prior/{seed}/{i}")
        if (key := sample_class(fp)) is not None:
            counts[key] += 1
            fonts_of.setdefault(str(sample_class(fp, fonts=False)), Counter())[key] += 1
        if (machine := sample_machine(fp)) is not None:
            machines[machine] += 1
    singles = sum(1 for n in counts.values() if n == 1)
    kept = {k: round(n / samples, 6) for k, n in counts.most_common() if n > 1}
    lone = sum(1 for n in machines.values() if n == 1)
    return {
        "machines": {k: round(n / samples, 6) for k, n in machines.most_common() if n > 1},
        "machines_unseen": round(lone / samples, 6),
        "machines_unseen_classes": lone,
        "samples": samples,
        "source": "browserforge 1.2.4 + apify-fingerprint-datapoints 0.15.0 (Apache-2.0), "
        f"seed {seed}",
        "unseen": round(singles / samples, 6),
        "unseen_classes": singles,
        "mass": kept,
        "hardware": hardware(fonts_of, samples),
    }


def hardware(fonts_of: dict[str, Counter[str]], samples: int) -> dict[str, list[float]]:
    """Per hardware class seen twice or more (the class without its fonts hash): its mass,
    and the chance that two of its machines show one fonts hash (sum of the squared shares
    of its font sets). A fonts hash the table does not know says nothing about how common
    the machine is; its hardware class and that collision chance still do."""
    out = {}
    for key, sets in sorted(fonts_of.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(sets.values())
        if n > 1:
            collision = sum((k / n) ** 2 for k in sets.values())
            out[key] = [round(n / samples, 6), round(collision, 4)]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.drift.priors", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--samples", type=int, default=20000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[2] / "engine/devices/_prior.py"
    )
    args = p.parse_args(argv)
    doc = table(args.samples, args.seed)
    head = ('"""The population prior: the mass of fingerprint classes in real traffic. Written '
            'by\n`python -m tools.drift.priors`; do not edit by hand. Sampled on '
            f'{dt.date.today()} from\nbrowserforge 1.2.4 and apify-fingerprint-datapoints '
            '0.15.0 (Apache-2.0)."""\n\n')  # fmt: skip
    args.out.write_text(head + "PRIOR = " + pprint.pformat(doc, width=96, sort_dicts=False) + "\n")
    ruff = Path(sys.prefix) / "bin" / "ruff"
    if ruff.exists():
        subprocess.run([str(ruff), "format", "-q", str(args.out)], check=False)
    print(f"[priors] {len(doc['mass'])} classes, unseen mass {doc['unseen']} -> {args.out}",
          file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
