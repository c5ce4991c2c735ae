"""Issue 17: what a weak link taught a profile does not vouch for the device, and the
population prior's class of a payload is the class its table was sampled with."""

from __future__ import annotations

import msgspec

from engine.devices.matching import remember
from engine.devices.prior import class_key
from engine.devices.registry import known_network, same_locale
from engine.schema import DeviceProfile, Observation

HOME = Observation(at=1.0, components={"timezone": "a", "language": "x"}, ip_prefix="81.2.69.0/24")
OTHER = Observation(at=2.0, components={"timezone": "b", "language": "y"}, ip_prefix="90.1.2.0/24")


def test_a_network_learnt_through_a_weak_link_is_not_known() -> None:
    """A look-alike merged at low confidence brings its home network and locale into the
    profile; its next visit from there must not count as the device's known network."""
    weak = msgspec.structs.replace(OTHER, weak=True)
    profile = DeviceProfile(first_seen=1.0, last_seen=2.0, recent=[HOME, weak])
    later = msgspec.structs.replace(OTHER, at=3.0)
    assert not known_network(later, profile)
    assert not same_locale(later, profile)
    assert known_network(msgspec.structs.replace(HOME, at=3.0), profile)
    sure = DeviceProfile(first_seen=1.0, last_seen=2.0, recent=[HOME, OTHER])
    assert known_network(later, sure)
    assert same_locale(later, sure)


def test_weak_observations_never_push_out_the_last_vouched_one() -> None:
    recent = [HOME]
    for i in range(6):
        seen = Observation(at=10.0 + i, components={"timezone": str(i)}, weak=True)
        recent = remember(recent, seen, 4)
    assert len(recent) == 4
    assert recent[0] == HOME
    assert sum(not o.weak for o in recent) == 1


def test_device_memory_as_the_payload_sends_it_finds_the_sampled_class() -> None:
    """The payload's memory is a float (8.0) and Chromium reports at most 8: the table was
    sampled with ints (8, 16), so before, no Chromium class was ever found in it."""
    args = ("windows", "chrome", "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060)", 1920, 1080, 8)
    assert class_key(*args, 8.0, 0, "f") == class_key(*args, 8, 0, "f")
    assert class_key(*args, 16, 0, "f") == class_key(*args, 8.0, 0, "f")
    assert class_key(*args, None, 0, "f") != class_key(*args, 8.0, 0, "f")
