"""How common a fingerprint is before any session is seen: the population prior.

A link's honest confidence is about 1 / (the devices that show its fingerprint). The crowd
sketch (`crowd`) counts what a tenant's window has seen; it cannot know on a fingerprint's
first sessions that an iPhone of a current model and iOS is shared by thousands. The prior
can: the probability mass of the fingerprint's *class* (OS class, browser family, GPU model,
screen, logical cores, memory, touch points and the collector's fonts hash: what a machine
shows apart from versions, locale and rendering) in real traffic, sampled from
fingerprint-suite's Bayesian networks by `python -m tools.drift.priors` into `_prior.py`.

Expected look-alikes among the tenant's N devices of the window: (N - 1) x mass, in the same
locale a share of that (`Params.locale_share`); a device whose class is rare keeps its
confidence when it comes back often or from abroad. The class key is a plain hash of raw
values, computed in memory and never stored.
"""

from __future__ import annotations

import functools
import hashlib

from engine.devices import _prior
from engine.devices.agent import parse_ua
from engine.devices.components import gpu_model, gpu_vendor
from engine.schema import Attributes


def class_key(
    os_class: str | None,
    browser: str | None,
    renderer: str | None,
    width: int | None,
    height: int | None,
    cores: int | None,
    memory: float | None,
    touch: int | None,
    fonts: str | None,
) -> str | None:
    """The class of a fingerprint (None when its hardware is not shown)."""
    gpu = gpu_model(renderer)
    if not (os_class and gpu and width and height):
        return None
    screen = f"{max(width, height)}x{min(width, height)}"
    browser = (browser or "").lower()
    # memory as browsers report it (a float in the payload, at most 8 GB in Chromium)
    memory = None if memory is None else float(min(memory, 8))
    parts = (os_class, browser, gpu, screen, cores, memory, touch, fonts or "")
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def machine_key(
    os_class: str | None,
    renderer: str | None,
    vendor: str | None,
    cores: int | None,
    fonts: str | None,
) -> str | None:
    """The class of a machine as a second browser on it shows it too (the user band's parts
    apart from locale: OS class, GPU model or only its maker for Apple, cores up to 8, the
    fonts hash)."""
    maker = gpu_vendor(vendor, renderer)
    gpu = maker if maker == "apple" else gpu_model(renderer)
    if not (os_class and gpu and cores and fonts):
        return None
    parts = ("machine", os_class, gpu, min(cores, 8), fonts)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def machine_mass(attrs: Attributes, channel: str) -> float:
    """The share of real machines of this one's class (0: unknown)."""
    if channel != "web":
        return 0.0
    d, s = attrs.device, attrs.software
    ua = parse_ua(s.user_agent.strip()) if s.user_agent and s.user_agent.strip() else None
    fonts = None if d.fonts_hash is None else str(d.fonts_hash)
    key = machine_key(ua.os_class if ua else None, d.webgl_renderer, d.webgl_vendor,
                      d.hardware_concurrency, fonts)  # fmt: skip
    if key is None:
        return 0.0
    table, unseen = _machines()
    return table.get(key, unseen)


@functools.cache
def _machines() -> tuple[dict[str, float], float]:
    prior = _prior.PRIOR
    mass: dict[str, float] = prior.get("machines", {})  # type: ignore[assignment]
    unseen = float(prior.get("machines_unseen", 0.0))  # type: ignore[arg-type]
    classes = max(1.0, float(prior.get("machines_unseen_classes", 1)))  # type: ignore[arg-type]
    return mass, unseen / (2.0 * classes)


def attributes_class(attrs: Attributes, channel: str, fonts: bool = True) -> str | None:
    """The session's class (`fonts`: False for its hardware class, without the fonts hash)."""
    if channel != "web":
        return None
    d, s = attrs.device, attrs.software
    ua = parse_ua(s.user_agent.strip()) if s.user_agent and s.user_agent.strip() else None
    if ua is None:
        return None
    shown = None if d.fonts_hash is None or not fonts else str(d.fonts_hash)
    return class_key(
        ua.os_class, ua.browser, d.webgl_renderer, d.screen_width, d.screen_height,
        d.hardware_concurrency, d.device_memory, d.touch_points, shown,
    )  # fmt: skip


@functools.cache
def _table() -> tuple[dict[str, float], float]:
    prior = _prior.PRIOR
    mass: dict[str, float] = prior["mass"]  # type: ignore[assignment]
    unseen = float(prior["unseen"])  # type: ignore[arg-type]
    classes = max(1.0, float(prior.get("unseen_classes", 1)))  # type: ignore[arg-type]
    # an unseen class: the unseen mass shared among at least as many classes again
    return mass, unseen / (2.0 * classes)


def mass(attrs: Attributes, channel: str) -> float:
    """The share of real devices showing this fingerprint's class (0: app installs and
    fingerprints without hardware, whose prior is unknown)."""
    key = attributes_class(attrs, channel)
    if key is None:
        return 0.0
    table, unseen = _table()
    if key in table:
        return table[key]
    # a fonts hash the table does not know: as common as its hardware class's machines
    # share a fonts hash (the table's own fonts may not be how this traffic hashes them)
    hardware: dict[str, list[float]] = _prior.PRIOR.get("hardware", {})  # type: ignore[assignment]
    shares = hardware.get(attributes_class(attrs, channel, fonts=False) or "")
    return max(unseen, shares[0] * shares[1]) if shares else unseen


def crowd(
    mass: float, devices: float, locale_share: float, same_locale: bool, network: float = 1.0
) -> float:
    """Devices expected to show this fingerprint among the tenant's `devices` (at least 1).
    `network`: the likelihood ratio of where the session comes from, P(network | another
    device) / P(network | this device): below 1 from a network the device was seen on
    (its home, its office), above 1 from a new one."""
    share = locale_share if same_locale else 1.0
    return 1.0 + max(0.0, devices - 1.0) * mass * share * network
