from __future__ import annotations

import pytest

from plugins import consistency
from tests.plugins.support import UA, build_session, codes_of

extract = consistency.anonscore_extract_features
evaluate = consistency.anonscore_evaluate_rule


def screen_session(screen: tuple[int, int]):
    return build_session({"device": {"screen_width": screen[0], "screen_height": screen[1]}})


def test_no_hit_on_real_devices(real_profile) -> None:
    assert evaluate(real_profile) is None


@pytest.mark.parametrize(
    ("page", "header", "expected"),
    [
        (None, None, None),
        (True, None, True),
        (None, True, True),
        (False, True, True),
        (False, None, False),
        (None, False, False),
    ],
)
def test_do_not_track_is_recorded(page: bool | None, header: bool | None, expected: bool | None):
    session = build_session({"software": {"do_not_track": page}}, do_not_track_header=header)
    assert extract(session) == {"do_not_track": expected}
    assert evaluate(session) is None  # recorded, never held against anyone


@pytest.mark.parametrize(
    ("screen", "strength"),
    [
        ((0, 1080), 1.0),
        ((1920, 0), 1.0),
        ((5000, 500), 0.8),
        ((300, 2000), 0.8),
        ((20000, 9000), 1.0),
    ],
)
def test_implausible_screens(screen: tuple[int, int], strength: float) -> None:
    hits = evaluate(screen_session(screen))
    assert [(h.code, h.flag, h.strength) for h in hits] == [("SCREEN_IMPLAUSIBLE", None, strength)]


@pytest.mark.parametrize("screen", [(5120, 1440), (3440, 1440), (360, 800), (7680, 4320), (1, 1)])
def test_plausible_screens(screen: tuple[int, int]) -> None:
    assert evaluate(screen_session(screen)) is None


def test_implausible_hardware() -> None:
    def hit(device: dict[str, object], ua: str = "chrome_win", channel: str = "web") -> set[str]:
        attrs = {"software": {"user_agent": UA[ua]}, "device": device}
        return codes_of(evaluate(build_session(attrs, channel=channel)))

    assert hit({"hardware_concurrency": 0}) == {"HARDWARE_IMPLAUSIBLE"}
    assert hit({"device_memory": 3}) == {"HARDWARE_IMPLAUSIBLE"}
    assert hit({"device_memory": 0}) == {"HARDWARE_IMPLAUSIBLE"}
    assert hit({"hardware_concurrency": 64}, ua="safari_iphone") == {"HARDWARE_IMPLAUSIBLE"}
    assert hit({"device_memory": 0.25}) == set()
    assert hit({"device_memory": 16, "hardware_concurrency": 32}) == set()
    assert hit({"hardware_concurrency": 64}) == set()  # a workstation
    assert hit({"device_memory": 5.5}, ua="android_webview", channel="android") == set()
