"""plugins/integrity.py, plugins/phone_hardware.py, plugins/device_farm.py,
plugins/hosted_phone.py: what the SDK reports, and the pairs that only together are strong."""

from __future__ import annotations

import pytest

from plugins import device_farm, hosted_phone, integrity, phone_hardware
from tests.plugins.support import UA, build_context, build_session, codes_of, profile_session

CTX = build_context()


@pytest.mark.parametrize(
    ("group", "field", "code", "flag"),
    [
        ("device", "rooted", "ROOTED", "rooted_device"),
        ("device", "jailbroken", "JAILBROKEN", "rooted_device"),
        ("software", "hooking_framework", "HOOKING_FRAMEWORK", "app_tampering"),
        ("software", "debugger_attached", "DEBUGGER_ATTACHED", "app_tampering"),
        ("software", "app_signature_mismatch", "APP_SIGNATURE_MISMATCH", "app_tampering"),
        ("device", "simulator", "SDK_SIMULATOR", "emulator"),
    ],
)
def test_integrity_checks(group: str, field: str, code: str, flag: str) -> None:
    passed = build_session({group: {field: False}}, channel="android")
    assert integrity.anonscore_evaluate_rule(passed) is None
    assert integrity.anonscore_extract_features(passed) == {"integrity_failures": 0}
    failed = build_session({group: {field: True}}, channel="android")
    (hit,) = integrity.anonscore_evaluate_rule(failed)
    assert (hit.code, hit.flag) == (code, flag)
    assert integrity.anonscore_extract_features(failed) == {"integrity_failures": 1}


def test_integrity_unreported_is_none() -> None:
    assert integrity.anonscore_extract_features(build_session({})) == {"integrity_failures": None}


def test_real_phones_have_an_accelerometer() -> None:
    for name in ("android_sdk_pixel_us", "ios_sdk_iphone_de"):
        session = profile_session(name)
        assert phone_hardware.anonscore_evaluate_rule(session) is None


@pytest.mark.parametrize(
    ("sensors", "codes"),
    [
        ([], {"PHONE_NO_ACCELEROMETER"}),
        (["AK09918 Magnetometer"], {"PHONE_NO_ACCELEROMETER"}),
        (["Goldfish 3-axis Accelerometer"], {"EMULATOR_SENSORS"}),
        (["Genymotion Light"], {"EMULATOR_SENSORS", "PHONE_NO_ACCELEROMETER"}),
        (["LSM6DSO Accelerometer"], set()),
    ],
)
def test_sensor_profiles(sensors: list[str], codes: set[str]) -> None:
    session = build_session({"device": {"sensors": sensors}}, channel="android")
    assert codes_of(phone_hardware.anonscore_evaluate_rule(session)) == codes
    web = build_session({"device": {"sensors": sensors}})
    assert phone_hardware.anonscore_evaluate_rule(web) is None


def test_bluetooth_paired_while_off() -> None:
    off = {"network": {"bluetooth_on": False, "bluetooth_devices": 2}}
    session = build_session(off, channel="android")
    assert codes_of(phone_hardware.anonscore_evaluate_rule(session)) == {"BLUETOOTH_IMPOSSIBLE"}
    on = {"network": {"bluetooth_on": True, "bluetooth_devices": 2}}
    assert phone_hardware.anonscore_evaluate_rule(build_session(on, channel="android")) is None


def test_device_farm_threshold() -> None:
    evaluate = device_farm.anonscore_evaluate_rule
    assert evaluate(build_session({}, wifi_devices_h24=None), CTX) is None
    assert evaluate(build_session({}, wifi_devices_h24=5), CTX) is None
    (hit,) = [evaluate(build_session({}, wifi_devices_h24=6), CTX)]
    assert (hit.code, hit.flag, hit.strength) == ("WIFI_DEVICE_FARM", "device_farm", 0.76)
    assert evaluate(build_session({}, wifi_devices_h24=30), CTX).strength == 1.0
    assert (
        evaluate(build_session({}, wifi_devices_h24=6), build_context({"wifi_devices_max": 10}))
        is None
    )


def test_datacenter_and_a_desktop_claiming_a_phone_together() -> None:
    phone_on_desktop = {
        "software": {"user_agent": UA["chrome_android"], "platform": "Win32"},
        "device": {"touch_points": 0, "screen_width": 1920, "screen_height": 1080},
    }
    evaluate = hosted_phone.anonscore_evaluate_rule
    session = build_session(phone_on_desktop)
    hit = evaluate(session, {"ip_asn_kind": "datacenter"})
    assert (hit.code, hit.flag) == ("DATACENTER_PHONE", "ua_mismatch")
    assert evaluate(session, {"ip_asn_kind": None}) is None  # not in a datacenter
    assert evaluate(session, {"ip_asn_kind": "vpn"}) is None
    real_phone = profile_session("chrome_android_pixel_us")
    assert evaluate(real_phone, {"ip_asn_kind": "datacenter"}) is None  # a phone on cloud wifi
