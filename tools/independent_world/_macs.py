"""Macs made coherent: the chip fixes the core count and which built-in screen it can have.

Why: the fingerprint data draws a desktop's GPU, screen and cores independently given the
user agent, which for a Mac (one agent for every Mac since 2020) yields machines Apple
never built: an M1 MacBook Air with a MacBook Pro's 1512x982 screen and two cores. Real
Macs are few models sold by the million, so they are among the largest desktop crowds; a
world without that structure flatters a device linker. Sizes and core counts are Apple's
published specifications (built-in displays at their default "looks like" size).
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.independent_world._population import Hardware

# Built-in displays at the default scaled size, CSS pixels at pixel ratio 2.
AIR = ((1440, 900), (1470, 956), (1710, 1107))  # Air 13 (M1), Air 13 (M2+), Air 15
PRO = ((1512, 982), (1728, 1117))  # MacBook Pro 14 and 16 (M1 Pro and later)
INTEL_LAPTOP = ((1440, 900), (1536, 960), (1680, 1050))  # 13", 15" and 16" Intel Pros
BUILT_IN = set(AIR) | set(PRO) | set(INTEL_LAPTOP) | {(1800, 1169), (2056, 1329)}

# Logical cores by chip (performance + efficiency cores; no hyper-threading on Apple chips).
CORES = {
    "M1": (8,), "M2": (8,), "M3": (8,), "M4": (10,), "M5": (10,),
    "M1 Pro": (8, 10), "M2 Pro": (10, 12), "M3 Pro": (11, 12), "M4 Pro": (12, 14),
    "M5 Pro": (14,), "M1 Max": (10,), "M2 Max": (12,), "M3 Max": (14, 16),
    "M4 Max": (14, 16), "M5 Max": (16,), "M1 Ultra": (20,), "M2 Ultra": (24,),
    "M3 Ultra": (28, 32),
}  # fmt: skip


def chip(renderer: str) -> str | None:
    """'M2 Pro' from 'ANGLE (Apple, ANGLE Metal Renderer: Apple M2 Pro, ...)'; None when the
    browser hides it (Safari's 'Apple GPU', Firefox's 'Apple M1, or similar' for any chip)
    or the Mac is an Intel one."""
    if renderer.endswith(", or similar"):
        return None
    found = re.search(r"Apple (M\d(?: Pro| Max| Ultra)?)\b", renderer)
    return found.group(1) if found else None


def apple_silicon(renderer: str) -> bool:
    return "Apple" in renderer and not any(x in renderer for x in ("Intel", "AMD", "Radeon"))


def coherent(hw: Hardware, engine: str, rng: random.Random) -> Hardware:
    """The Mac with a built-in screen its chip comes with, and its chip's core count
    (Safari's reported cores are left as the data has them)."""
    if hw.os != "macOS":
        return hw
    name = chip(hw.renderer)
    width, height, dpr, depth = hw.screen
    built_in = (width, height) in BUILT_IN and dpr == 2
    cores = hw.cores
    choices: tuple[tuple[int, int], ...]
    if not apple_silicon(hw.renderer):
        choices = INTEL_LAPTOP
    elif name is None:  # an Apple chip the browser does not name
        choices = AIR + PRO
    elif " " in name:
        choices = PRO
    else:
        choices = AIR[:1] if name == "M1" else AIR[1:]
    if built_in and (width, height) not in choices:
        width, height = rng.choice(choices)
    if name is not None and engine != "webkit" and name in CORES:
        cores = rng.choice(CORES[name])
    return replace(
        hw,
        screen=(width, height, dpr, depth),
        cores=cores,
        form="laptop" if built_in else "desktop",
    )
