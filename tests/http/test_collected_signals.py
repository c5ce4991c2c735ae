"""What the SDK collects, used (plugins/location.py, device_farm.py, phone_hardware.py,
integrity.py), over real HTTP with real addresses from the shipped IP data.

`demo2` enables every optional attribute (geolocation, wifi_router_mac,
bluetooth_details); `demo` enables none, so the same payload there must not fire.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Running, android_attributes

US_COMCAST = "24.1.1.1"  # AS7922, residential, US
DE_TELEKOM = "91.0.0.1"  # AS3320, residential, DE
BERLIN = {"lat": 52.52, "lon": 13.405, "accuracy_m": 25}


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer["reasons"]}


async def sdk(svc: Running, attrs: dict[str, Any], ip: str, tenant: str = "demo2") -> Any:
    site, key = f"{tenant}_site", f"{tenant}_key"
    headers = {"X-Forwarded-For": ip, "User-Agent": "okhttp/4.12.0"}
    return await svc.flow(attrs, site_key=site, key=key, channel="android", headers=headers)


def at(location: dict[str, float], **overrides: Any) -> dict[str, Any]:
    attrs = android_attributes(**overrides)
    attrs["location"] = location
    return attrs


async def test_location_far_from_the_ip_country(svc: Running) -> None:
    home = await sdk(svc, at(BERLIN), DE_TELEKOM)
    assert home["flags"]["location_mismatch"] is False
    assert home["attributes"]["geo_country"] == "DE"
    assert home["attributes"]["geo_ip_country_km"] < 20
    away = await sdk(svc, at(BERLIN, network__sim_country="us"), US_COMCAST)
    assert away["flags"]["location_mismatch"] is True
    assert "GEO_IP_COUNTRY" in codes(away)
    assert away["attributes"]["geo_ip_country_km"] > 3000
    # a commuter across a border: Strasbourg, FR, on a German network
    border = await sdk(svc, at({"lat": 48.58, "lon": 7.75}), DE_TELEKOM)
    assert "GEO_IP_COUNTRY" not in codes(border)


async def test_location_rules_need_geolocation_enabled(svc: Running) -> None:
    off = await sdk(svc, at(BERLIN, network__sim_country="us"), US_COMCAST, tenant="demo")
    assert off["flags"]["location_mismatch"] is False
    assert off["attributes"]["geo_ip_country_km"] is None


async def test_sim_country_against_ip_country(svc: Running) -> None:
    roaming = await sdk(svc, android_attributes(), US_COMCAST)  # a German SIM, cellular
    assert roaming["flags"]["location_mismatch"] is True
    assert roaming["attributes"]["sim_ip_country_match"] is False
    assert "SIM_IP_COUNTRY" in codes(roaming)
    home = await sdk(svc, android_attributes(), DE_TELEKOM)
    assert home["attributes"]["sim_ip_country_match"] is True
    assert "SIM_IP_COUNTRY" not in codes(home)


async def test_time_zone_against_geolocation(svc: Running) -> None:
    # the device says New York time, the location is Berlin
    attrs = at(BERLIN, software__timezone="America/New_York", software__timezone_offset_min=-300)
    answer = await sdk(svc, attrs, DE_TELEKOM)
    assert answer["attributes"]["timezone_geo_consistent"] is False
    assert answer["flags"]["timezone_mismatch"] is True
    assert "TIMEZONE_GEO_MISMATCH" in codes(answer)
    honest = await sdk(svc, at(BERLIN), DE_TELEKOM)
    assert honest["attributes"]["timezone_geo_consistent"] is True


async def test_many_devices_on_one_wifi_router_are_a_farm(svc: Running) -> None:
    answers = []
    for n in range(7):
        attrs = android_attributes(
            network__wifi_bssid_hash="a4:91:b1:00:00:01",
            device__device_id_hash=f"{n:02x}1c9a2be44d0c7a",  # its last third is dropped
            device__model=f"SM-A{n}5F",
        )
        answers.append(await sdk(svc, attrs, DE_TELEKOM))
    assert [a["attributes"]["wifi_devices_24h"] for a in answers] == [1, 2, 3, 4, 5, 6, 7]
    assert [a["flags"]["device_farm"] for a in answers] == [False] * 5 + [True] * 2
    # the same device again is not a new one
    again = android_attributes(
        network__wifi_bssid_hash="a4:91:b1:00:00:01", device__device_id_hash="001c9a2be44d0c7a"
    )
    assert (await sdk(svc, again, DE_TELEKOM))["attributes"]["wifi_devices_24h"] == 7
    # the router MAC is an optional attribute: dropped, never counted, where it is off
    off = await sdk(svc, again, DE_TELEKOM, tenant="demo")
    assert off["attributes"]["wifi_devices_24h"] is None


@pytest.mark.parametrize(
    ("sensors", "code"),
    [
        ([], "PHONE_NO_ACCELEROMETER"),
        (["AK09918 Magnetometer", "TMD4910 Light"], "PHONE_NO_ACCELEROMETER"),
        (["Goldfish 3-axis Accelerometer", "Goldfish Light"], "EMULATOR_SENSORS"),
    ],
)
async def test_sensor_profiles_no_phone_has(svc: Running, sensors: list[str], code: str) -> None:
    answer = await sdk(svc, android_attributes(device__sensors=sensors), DE_TELEKOM)
    assert answer["flags"]["emulator"] is True
    assert code in codes(answer)


async def test_paired_bluetooth_devices_with_bluetooth_off(svc: Running) -> None:
    attrs = android_attributes(network__bluetooth_on=False, network__bluetooth_devices=4)
    answer = await sdk(svc, attrs, DE_TELEKOM)
    assert "BLUETOOTH_IMPOSSIBLE" in codes(answer)
    off = await sdk(svc, attrs, DE_TELEKOM, tenant="demo")  # bluetooth_details is off there
    assert "BLUETOOTH_IMPOSSIBLE" not in codes(off)


@pytest.mark.parametrize(
    ("field", "code", "flag"),
    [
        ("device__rooted", "ROOTED", "rooted_device"),
        ("device__jailbroken", "JAILBROKEN", "rooted_device"),
        ("software__hooking_framework", "HOOKING_FRAMEWORK", "app_tampering"),
        ("software__debugger_attached", "DEBUGGER_ATTACHED", "app_tampering"),
        ("software__app_signature_mismatch", "APP_SIGNATURE_MISMATCH", "app_tampering"),
        ("device__simulator", "SDK_SIMULATOR", "emulator"),
    ],
)
async def test_mobile_integrity(svc: Running, field: str, code: str, flag: str) -> None:
    clean = await sdk(svc, android_attributes(**{field: False}), DE_TELEKOM, tenant="demo")
    assert clean["flags"][flag] is False
    assert clean["attributes"]["integrity_failures"] == 0
    failed = await sdk(svc, android_attributes(**{field: True}), DE_TELEKOM, tenant="demo")
    assert failed["flags"][flag] is True
    assert code in codes(failed)
    assert failed["attributes"]["integrity_failures"] == 1
