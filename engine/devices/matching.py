"""Pure matching: is a known device's observation the same device as this session's?

Rules first, evidence second.

- **Ruled out** (never explained by drift): another platform, OS class (iOS to Windows),
  browser family (Chrome to Edge: another browser instance), GPU maker or model, touch
  points or colour depth; a browser or OS going back a version; another persistent session
  or app install ID; time zone and first language both changed (a traveller keeps their
  language); another font set of the same size (fonts are installed one by one).
- **Decisive**: the same persistent session or app install ID.
- **Evidence**, Fellegi-Sunter style: each scored component (what a model fixes counts
  once, as `hardware`) present on both sides adds its fitted
  agreement weight (log2 m/u) when equal and its disagreement weight (log2 (1-m)/(1-u)) when
  not; a change that a drift both observations show explains (a newer browser or OS for the
  canvas and audio, a visible driver update for the canvas, fonts added, the pixel ratio of
  another screen) counts its own fitted weight, small and negative (another machine shows
  such a change about as readily as the device itself); canvas, audio and fonts when a
  browser adds noise count nothing, and so does a component missing on
  either side (a blocked probe): a device never
  becomes another by absence alone. The weights and the link threshold are fitted on the
  drift simulation by `tools/drift/fit.py` (`_fitted.py`).

Candidates come from *bands*: index keys over small groups of components, so a device whose
canvas and audio changed with an iOS update is still found through its GPU, screen, fonts
and locale.
"""

from __future__ import annotations

import functools
import hashlib
import math
from typing import NamedTuple

import msgspec

from engine.devices import _fitted
from engine.devices.components import WEB
from engine.schema import DeviceProfile, Observation

HARD = {
    "web": ("platform", "os", "browser", "gpu_vendor", "gpu", "touch", "color_depth"),
    "sdk": ("model", "board", "storage", "sensors", "os"),
}
SCORED = {  # the components whose agreement is evidence (fitted weights)
    "web": ("hardware", "canvas", "audio", "fonts", "fonts_count", "screen", "pixel_ratio",
            "timezone", "language"),
    "sdk": ("hardware", "build", "screen", "timezone", "language", "carrier"),
}  # fmt: skip
DECISIVE = ("persistent", "install")  # equal: the device; different: another device
DECISIVE_SCORE = 64.0  # bits: beyond anything the components add up to
BANDS = {  # each survives a change of the components it leaves out
    "web": (
        ("canvas", "audio", "fonts", "timezone"),
        ("audio", "fonts", "gpu", "language"),  # the canvas changed
        ("canvas", "fonts", "gpu", "language"),  # the audio changed
        ("fonts", "gpu", "screen", "cores", "timezone", "language"),  # both (an OS update)
        ("canvas", "audio", "gpu", "cores", "timezone"),  # fonts installed, another screen
        ("gpu", "cores", "screen", "platform", "timezone", "language"),  # rendering, fonts
        ("gpu", "cores", "platform", "browser", "timezone", "language"),  # and the screen
        ("persistent",),
        ("gpu", "cores", "screen", "browser", "language", "memory"),  # abroad, and rendering
    ),
    "sdk": (
        ("install",),
        ("model", "storage", "sensors"),
        ("build", "storage"),
        ("model", "board", "screen", "storage", "timezone"),
    ),
}
# what a device shows more than one of (a laptop's own screen and a monitor, zoom levels,
# home and abroad): a value seen in any of its recent sessions agrees
MULTI = ("screen", "pixel_ratio", "timezone")
RIVAL_BITS = 1.0  # candidates this close to the best fit equally well


class Params(msgspec.Struct, frozen=True):
    """The fitted model: per group (web, sdk), agreement and disagreement weights (bits)
    per component and the score needed to link; the calibration of the link probability
    (p = sigmoid(a + b * score)); and how many distinct network prefixes and sessions one
    device shows in a sketch window (the crowd estimate's units)."""

    agree: dict[str, dict[str, float]]
    disagree: dict[str, dict[str, float]]
    threshold: dict[str, float]
    calibration: tuple[float, float]
    crowd_prefixes: float
    crowd_visits: float
    fitted_on: str = ""
    max_new_fonts: int = 5  # fonts added between two sessions that still explain new fonts
    # bits of a change a drift explains (an update explains a new canvas, but different
    # machines show one too): log2 P(explained | same) / P(explained | different)
    explained: dict[str, dict[str, float]] = msgspec.field(default_factory=dict)
    locale_share: float = 0.2  # of a fingerprint class's devices, those in one locale
    # P(network | another device) / P(network | the device): a session from a network prefix
    # the device was seen on, and from a new one (the prior's look-alikes scale by it)
    network_seen: float = 0.3
    network_new: float = 1.5
    # bits for each drift beyond the first that one pair needs (an update, fonts installed,
    # another screen): one device rarely shows two at once; two machines of one hardware
    # class show them all the time (log2 P(two | same) / P(two | different))
    joint_drift: float = 0.0


@functools.cache
def fitted() -> Params:
    """The committed fit (`engine/devices/_fitted.py`, written by tools/drift/fit.py)."""
    return msgspec.convert(_fitted.PARAMS, Params)


class Fit(NamedTuple):
    """The best candidate: its key and profile, its score in bits, how many other
    candidates fit about as well."""

    dkey: str
    profile: DeviceProfile
    score: float
    rivals: int
    decisive: bool


def _newer(a: list[int] | None, b: list[int] | None) -> int:
    """1 when version a is newer than b, -1 when older, 0 when equal or unknown."""
    if not a or not b:
        return 0
    n = min(len(a), len(b))
    return (a[:n] > b[:n]) - (a[:n] < b[:n])


def _differs(a: dict[str, str], b: dict[str, str], name: str) -> bool:
    return name in a and name in b and a[name] != b[name]


def ruled_out(new: Observation, old: Observation, grp: str) -> bool:
    """A difference no drift explains (see the module docstring)."""
    a, b = new.components, old.components
    if any(_differs(a, b, name) for name in (*HARD[grp], *DECISIVE)):
        return True
    if new.browser is not None and new.browser == old.browser:
        if _newer(new.browser_version, old.browser_version) < 0:
            return True  # browsers do not go back a version
    if _newer(new.os_release, old.os_release) < 0:
        return True  # nor do operating systems
    if (new.handheld or old.handheld) and (
        _differs(a, b, "physical") or (_differs(a, b, "screen") and not _zoomed(a, b))
    ):
        return True  # a phone or tablet has one screen (rotation and display zoom aside)
    if (
        _differs(a, b, "fonts")
        and new.fonts_count is not None
        and (new.fonts_count == old.fonts_count)
    ):
        if not _noise(new, old) and _newer(new.os_release, old.os_release) == 0:
            return True  # another set of as many fonts: fonts come and go one by one
    return _differs(a, b, "timezone") and _differs(a, b, "language")


_NOISY = ("canvas", "audio", "fonts", "fonts_count")


def _zoomed(a: dict[str, str], b: dict[str, str]) -> bool:
    """Another CSS screen size on the same device pixels: browser or display zoom."""
    return "physical" in a and a.get("physical") == b.get("physical")


def _noise(new: Observation, old: Observation) -> bool:
    """Canvas and audio both changed with the very same software and GPU driver: one
    machine renders the same way, so this is a browser adding noise (private windows in
    Safari and Firefox, anti-fingerprinting), which may also hide fonts (fewer, never more)."""
    a, b = new.components, old.components
    if not (_differs(a, b, "canvas") and _differs(a, b, "audio")) or new.browser is None:
        return False
    fewer = _differs(a, b, "fonts") and (new.fonts_count or 0) < (old.fonts_count or 0)
    if _same_software(new, old):
        return fewer or not _differs(a, b, "fonts")
    return fewer and new.browser == old.browser  # an update, and a private window


def behind(new: Observation, profile: DeviceProfile) -> bool:
    """Is this session's browser or OS older than what the device already showed? One
    device does not go back a version: the profile is then two (identical) devices."""
    for old in profile.recent:
        if new.browser is not None and new.browser == old.browser:
            if _newer(new.browser_version, old.browser_version) < 0:
                return True
        if _newer(new.os_release, old.os_release) < 0:
            return True
    return False


def explained(new: Observation, old: Observation, name: str, max_new_fonts: int = 5) -> bool:
    """Is a changed component explained by a drift the two observations show?"""
    browser_up = (
        new.browser is not None
        and new.browser == old.browser
        and _newer(new.browser_version, old.browser_version) > 0
    )
    os_up = _newer(new.os_release, old.os_release) > 0
    if name in _NOISY and _noise(new, old):
        return True
    if name == "canvas":
        driver = None not in (new.gpu_raw, old.gpu_raw) and new.gpu_raw != old.gpu_raw
        return browser_up or os_up or driver
    if name == "audio":
        return browser_up or os_up
    if name in ("fonts", "fonts_count"):
        added = (new.fonts_count or 0) - (old.fonts_count or 0)
        grew = None not in (new.fonts_count, old.fonts_count) and 0 < added <= max_new_fonts
        return grew or os_up
    if name == "pixel_ratio":  # another monitor brings its own ratio, zoom its own
        return _differs(new.components, old.components, "screen")
    if name == "screen":  # zoom: the same device pixels in larger CSS pixels
        return _zoomed(new.components, old.components)
    if name == "build":
        return os_up
    return False


def compare(
    new: Observation,
    old: Observation,
    grp: str,
    params: Params,
    known: dict[str, set[str]] | None = None,
) -> float | None:
    """The evidence (bits) that `new` comes from the device last seen as `old`; None when
    ruled out. `known`: values of MULTI components the device showed in other sessions."""
    a, b = new.components, old.components
    if any(name in a and a[name] == b.get(name) for name in DECISIVE):
        return DECISIVE_SCORE
    if ruled_out(new, old, grp):
        return None
    agree, disagree = params.agree[grp], params.disagree[grp]
    drifted = params.explained.get(grp, {})
    noise = _noise(new, old)
    kinds: set[str] = set()
    score = 0.0
    for name in SCORED[grp]:
        value, other = a.get(name), b.get(name)
        if value is None or other is None or name not in agree:
            continue
        if noise and name in _NOISY:
            continue  # a private window shows only the system's fonts: no evidence
        if value == other or (known is not None and value in known.get(name, ())):
            score += agree[name]
        elif explained(new, old, name, params.max_new_fonts):
            score += drifted.get(name, 0.0)
            kinds.add(drift_kind(new, old, name))
        else:
            score += disagree[name]
    return score + params.joint_drift * max(0, len(kinds) - 1)


def drift_kind(new: Observation, old: Observation, name: str) -> str:
    """Which drift explains a changed component: an update (browser, OS or driver: the
    canvas, audio, build, or fonts with an OS update), fonts installed, or another screen
    (a monitor, zoom)."""
    if name in ("fonts", "fonts_count") and _newer(new.os_release, old.os_release) <= 0:
        return "fonts"
    if name in ("screen", "pixel_ratio"):
        return "screen"
    return "update"


def pattern(
    new: Observation, old: Observation, grp: str, *, decisive: bool = True, max_new_fonts: int = 5
) -> dict[str, str] | None:
    """Per component present on both sides: agree, disagree or explained; None when ruled
    out; {"decisive": "agree"} on a decisive match. What `compare` weighs (for fitting:
    `decisive=False` judges a pair as if neither side had a persistent or install ID)."""
    a, b = new.components, old.components
    if not decisive:
        new = msgspec.structs.replace(new, components=_without_ids(a))
        old = msgspec.structs.replace(old, components=_without_ids(b))
        a, b = new.components, old.components
    if any(name in a and a[name] == b.get(name) for name in DECISIVE):
        return {"decisive": "agree"}
    if ruled_out(new, old, grp):
        return None
    out = {}
    for name in SCORED[grp]:
        value, other = a.get(name), b.get(name)
        if value is None or other is None:
            continue
        if value == other:
            out[name] = "agree"
        elif explained(new, old, name, max_new_fonts):
            out[name] = "explained"
            if not _noise(new, old):
                out[f"drift:{drift_kind(new, old, name)}"] = "explained"
        else:
            out[name] = "disagree"
    return out


def _without_ids(components: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in components.items() if k not in DECISIVE}


def _same_software(a: Observation, b: Observation) -> bool:
    return (a.browser, a.browser_version, a.os_release, a.gpu_raw) == (
        b.browser,
        b.browser_version,
        b.os_release,
        b.gpu_raw,
    )


def best_score(new: Observation, profile: DeviceProfile, grp: str, params: Params) -> float | None:
    """The best evidence over the device's recent observations (None: all ruled out). When
    the device was seen with the very software of this session, only those observations
    judge it: an update cannot explain a difference from what that version showed."""
    recent = [o for o in profile.recent if _same_software(o, new)] or profile.recent
    sure = [o for o in profile.recent if not o.weak] or profile.recent
    known = {n: {v for o in sure if (v := o.components.get(n))} for n in MULTI}
    scores = [s for old in recent if (s := compare(new, old, grp, params, known)) is not None]
    return max(scores) if scores else None


def choose(
    new: Observation, grp: str, candidates: list[tuple[str, DeviceProfile]], params: Params
) -> Fit | None:
    """The candidate with the most evidence above the threshold, or None. Candidates within
    RIVAL_BITS of the best fit as well (identical machines); among them the one seen in most
    sessions wins, so a crowd of identical machines keeps one ID rather than trading IDs at
    each tie (telling them apart by network was tried: carrier and office NATs make it
    trade IDs more, not less)."""
    fits: list[tuple[float, str, DeviceProfile]] = []
    for dkey, profile in candidates:
        score = best_score(new, profile, grp, params)
        if score is not None and score >= params.threshold[grp]:
            fits.append((score, dkey, profile))
    if not fits:
        return None
    top = max(f[0] for f in fits)
    if top >= DECISIVE_SCORE:
        fits = [f for f in fits if f[0] >= DECISIVE_SCORE]
    tied = [f for f in fits if f[0] >= top - RIVAL_BITS]

    def rank(f: tuple[float, str, DeviceProfile]) -> tuple[int, float]:
        return f[2].sessions, -f[2].first_seen

    score, dkey, profile = max(tied, key=rank)
    decisive = score >= DECISIVE_SCORE
    return Fit(dkey, profile, top if decisive else score, 0 if decisive else len(tied) - 1,
               decisive)  # fmt: skip


def probability(score: float, params: Params) -> float:
    """P(same device | score), as calibrated on the simulation."""
    a, b = params.calibration
    z = max(-30.0, min(30.0, a + b * score))
    return 1.0 / (1.0 + math.exp(-z))


def band_keys(obs: Observation, grp: str) -> list[bytes]:
    """Index keys of the bands whose components are all present (short: a hash of them)."""
    out = []
    fp = obs.components
    for i, band in enumerate(BANDS[grp]):
        if all(name in fp for name in band):
            joined = ",".join(fp[name] for name in band)
            digest = hashlib.sha256(joined.encode()).hexdigest()[:16]
            out.append(f"b:{grp[0]}{i}:{digest}".encode())
    return out


def remember(recent: list[Observation], new: Observation, keep: int) -> list[Observation]:
    """The device's recent observations with `new` added (oldest dropped; an observation
    showing the same components and software as `new` is replaced by it)."""
    kept = [
        o
        for o in recent
        if o.components != new.components or not _same_software(o, new) or (new.weak > o.weak)
    ]
    out = [*kept, new][-keep:]
    if all(o.weak for o in out):  # keep the newest observation that vouches for the device
        strong = [o for o in kept if not o.weak]
        if strong:
            out = [strong[-1], *out[-(keep - 1) :]]
    return out


__all__ = ["BANDS", "DECISIVE_SCORE", "HARD", "WEB", "Fit", "Params"]
