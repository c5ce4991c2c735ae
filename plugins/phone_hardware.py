"""Sensor and Bluetooth profiles that no real phone has (SDK payloads).

Every handheld Android device must have a 3-axis accelerometer (Android CDD 7.3.1,
handheld), and every iPhone has one; emulators often report none, or their virtual HAL's
own sensors (Goldfish, Genymotion, BlueStacks). Android lists no bonded Bluetooth devices
while the adapter is off (BluetoothAdapter.getBondedDevices()), so paired devices with
Bluetooth off are a hand-made payload. The paired count is optional (`bluetooth_details`).

- `PHONE_NO_ACCELEROMETER` (emulator): a sensor list without an accelerometer (none at all
  is stronger).
- `EMULATOR_SENSORS` (emulator): sensor names of an emulator's virtual hardware.
- `BLUETOOTH_IMPOSSIBLE`: paired devices reported with Bluetooth off.
"""

from __future__ import annotations

import re

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl

FLAGS: tuple[str, ...] = ("emulator",)
CODES: tuple[str, ...] = ("PHONE_NO_ACCELEROMETER", "EMULATOR_SENSORS", "BLUETOOTH_IMPOSSIBLE")
FEATURES: dict[str, str] = {
    "sensors_accelerometer": "the SDK's sensor list has an accelerometer (None when not sent)",
}

_SDK = frozenset({"android", "ios"})
_VIRTUAL = re.compile(r"goldfish|ranchu|genymotion|bluestacks|\bnox\b|android emulator|qemu", re.I)


def has_accelerometer(session: CollectedSession) -> bool | None:
    sensors = session.attributes.device.sensors
    if sensors is None or session.channel not in _SDK:
        return None
    return any("accel" in name.lower() for name in sensors)


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    return {"sensors_accelerometer": has_accelerometer(session)}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    if session.channel not in _SDK:
        return None
    device, network = session.attributes.device, session.attributes.network
    hits: list[RuleHit] = []
    sensors = device.sensors
    if sensors is not None:
        virtual = [name for name in sensors if _VIRTUAL.search(name)]
        if virtual:
            hits.append(
                RuleHit(code="EMULATOR_SENSORS", flag="emulator", detail="virtual sensor hal")
            )
        if has_accelerometer(session) is False:
            hits.append(
                RuleHit(
                    code="PHONE_NO_ACCELEROMETER",
                    flag="emulator",
                    strength=1.0 if not sensors else 0.8,
                    detail="no sensors" if not sensors else "no accelerometer",
                )
            )
    paired = network.bluetooth_devices
    if session.channel == "android" and network.bluetooth_on is False and paired:
        hits.append(
            RuleHit(
                code="BLUETOOTH_IMPOSSIBLE",
                strength=0.7,
                detail="paired devices listed with bluetooth off",
            )
        )
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
