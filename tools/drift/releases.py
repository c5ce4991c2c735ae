"""The release calendar of the simulated half-year (June to November 2024): browser majors,
Safari and iOS, Android builds and the lender's app, and which releases changed rendering.

Software changes on a calendar, for everyone at once: Chrome 129 shipped on one day, and if it
changed how a canvas renders, every Chrome 129 on the same GPU and OS renders the new way. A
device's own update lag (a restart, a staged rollout, an IT policy) decides when it gets
there; `Calendar.index` is that. Which browser majors changed rendering is drawn from the seed
(a third of them change the canvas, an eighth the audio, at least one each; the same draw for
Chrome and Edge, which share Chromium), so two seeds differ in their calendars as in their
populations. The yearly Safari and iOS release (mid-September) always changes both; Android
15 changes the canvas.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from .catalogue import DAY, chance, date, h

START = dt.datetime(2024, 6, 3, tzinfo=dt.UTC).timestamp()  # a Monday: the simulated day 0
CANVAS_P, AUDIO_P = 1 / 3, 1 / 8

# dates are the 2024 stable releases (Chrome every four weeks, six over the summer; Edge two
# days after Chrome; Firefox every four weeks); Samsung Internet approximately
_MAJORS = {
    "chrome": "124 04-16 125 05-14 126 06-11 127 07-23 128 08-20 129 09-17 130 10-15 131 11-12",
    "edge": "124 04-18 125 05-16 126 06-13 127 07-25 128 08-22 129 09-19 130 10-17 131 11-14",
    "firefox": "125 04-16 126 05-14 127 06-11 128 07-09 129 08-06 130 09-03 131 10-01 "
    "132 10-29 133 11-26",
    "samsung": "24 01-30 25 04-23 26 08-13 27 11-12",
}
ENGINE = {"chrome": "chromium", "edge": "chromium", "firefox": "gecko", "samsung": "samsung"}
ENGINE |= {"safari": "webkit", "app": "app"}
# (version, date, changes canvas and audio): macOS Safari; iOS and iPadOS (every browser on
# them is WebKit, so the OS release is the rendering release)
_SAFARI = "17.4 03-05 17.5 05-13 17.6 07-29 18.0 09-16 18.1 10-28"
_IOS = "17.4.1 03-21 17.5 05-13 17.5.1 05-20 17.6 07-29 17.6.1 08-07 18.0 09-16 18.0.1 10-03 "
_IOS += "18.1 10-28 18.1.1 11-19"
# Pixels get Android 15 on 15 October; other makers stay on 14 with monthly security patches
_PIXEL = (
    "14/AP1A.240505.004 05-07 14/AP2A.240605.024 06-11 14/AP2A.240705.005 07-09 "
    "14/AP2A.240805.005 08-06 14/AP2A.240905.003 09-03 15/AP3A.241005.015 10-15 "
    "15/AP3A.241105.007 11-05"
)
_VENDOR = " ".join(  # release/build@security patch
    f"14/UP1A.231005.007@2024-{m}-01 {m}-{d:02}"
    for m, d in (("05", 6), ("06", 3), ("07", 1), ("08", 5), ("09", 2), ("10", 7), ("11", 4))
)
APP_EVERY = 14.0  # days between two releases of the lender's app


class Release(NamedTuple):
    name: str  # what the software reports: "129", "18.0.1", "14/AP2A.240905.003", "5.3.1"
    at: float
    canvas: bool = False  # changed canvas rendering for everyone on it
    audio: bool = False  # changed the audio rendering


def _pairs(text: str) -> list[tuple[str, float]]:
    words = text.split()
    return [(words[i], date(f"2024-{words[i + 1]}")) for i in range(0, len(words), 2)]


def _draw(seed: int, engine: str, probe: str, versions: list[str], p: float) -> set[str]:
    """The releases that changed `probe`: a share `p` of them (at least one), which ones drawn
    from the seed; one draw per engine, so Chrome and Edge of one major change together."""
    ranked = sorted(versions, key=lambda v: h(seed, engine, probe, v))
    return set(ranked[: max(1, round(len(ranked) * p))])


def app_version(k: int) -> str:
    return f"5.{k // 4}.{k % 4}"


def os_major(name: str) -> str:
    """'18' of '18.0.1', '15' of '15/AP3A.241005.015', '14' of a vendor build."""
    return name.replace("/", ".").split(".")[0]


class Calendar:
    """Every track of releases, with the rendering changes drawn from `seed`."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.tracks: dict[str, tuple[Release, ...]] = {}
        for browser, text in _MAJORS.items():
            majors = _pairs(text)
            canvas = _draw(seed, ENGINE[browser], "canvas", [v for v, _ in majors[1:]], CANVAS_P)
            audio = _draw(seed, ENGINE[browser], "audio", [v for v, _ in majors[1:]], AUDIO_P)
            self.tracks[browser] = tuple(
                Release(v, at, v in canvas, v in audio) for v, at in majors
            )
        for track, text in (("safari", _SAFARI), ("ios", _IOS)):
            rels = _pairs(text)
            yearly = [i > 0 and os_major(v) != os_major(rels[i - 1][0]) for i, (v, _) in
                      enumerate(rels)]  # fmt: skip
            self.tracks[track] = tuple(
                Release(v, at, y, y) for (v, at), y in zip(rels, yearly, strict=True)
            )
        pixel = _pairs(_PIXEL)
        self.tracks["android_pixel"] = tuple(
            Release(v, at, i > 0 and os_major(v) != os_major(pixel[i - 1][0]))
            for i, (v, at) in enumerate(pixel)
        )
        self.tracks["android"] = tuple(Release(v, at) for v, at in _pairs(_VENDOR))
        first = date("2024-05-06")
        self.tracks["app"] = tuple(
            Release(app_version(k), first + k * APP_EVERY * DAY) for k in range(16)
        )

    def index(self, track: str, t: float, lag_days: float) -> int:
        """The release a device that installs each one `lag_days` after it runs at `t`."""
        rels = self.tracks[track]
        cut = t - lag_days * DAY
        k = 0
        while k + 1 < len(rels) and rels[k + 1].at <= cut:
            k += 1
        return k

    def release(self, track: str, index: int) -> Release:
        return self.tracks[track][index]

    def generation(self, track: str, index: int, probe: str) -> int:
        """How many releases up to `index` changed `probe` ('canvas' or 'audio')."""
        return sum(getattr(r, probe) for r in self.tracks[track][: index + 1])

    def driver_changes_canvas(self, vendor: str, index: int) -> bool:
        """Whether driver number `index` of `vendor` renders a canvas differently (half do)."""
        return index > 0 and chance(0.5, self.seed, "driver", vendor, index)

    def driver_generation(self, vendor: str, index: int) -> int:
        return sum(self.driver_changes_canvas(vendor, i) for i in range(index + 1))
