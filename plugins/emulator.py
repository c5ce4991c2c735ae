"""Emulators and virtual machines: the build, the GPU and the hardware give them away.

Android emulators (AVD, Genymotion, BlueStacks, Nox...) keep tell-tale build strings; the
stock AVD also has no real sensors, a battery forever full and charging, and the carrier
"Android". On the web, the unmasked WebGL renderer names the virtual GPU of VMware,
VirtualBox, Parallels or QEMU. Software rendering (SwiftShader, llvmpipe) is weaker: real
machines with a blocklisted GPU driver use it too.
"""

from __future__ import annotations

import re

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._settings import clamp
from plugins._ua import ANDROID, session_ua

FLAGS: tuple[str, ...] = ("emulator", "virtual_machine")
CODES: tuple[str, ...] = (
    "EMULATOR_BUILD",
    "EMULATOR_PROFILE",
    "EMULATOR_RENDERER",
    "VM_RENDERER",
    "SOFTWARE_RENDERER",
    "VM_LOW_RESOURCES",
)
FEATURES: dict[str, str] = {
    "gpu_class": "WebGL renderer kind: hardware, software, virtual or emulator (None if unknown)",
    "sensors_count": "number of sensors the SDK reported (None on the web)",
}

_FINGERPRINT_PREFIXES = ("generic", "unknown", "google/sdk_", "google/sdk/", "android/sdk")
_FINGERPRINT_MARKERS = ("emulator", "sdk_gphone", "vbox86p", "genymotion", "/sdk_x86", "/sdk:")
_HARDWARE = frozenset({"goldfish", "ranchu", "vbox86", "nox", "ttvm_x86", "android_x86"})
_MODEL_MARKERS = ("android sdk built for", "sdk_gphone", "google_sdk", "emulator", "simulator")
_PRODUCT_PREFIXES = ("sdk", "google_sdk", "vbox86p", "emulator", "simulator", "nox", "genymotion")
_EMULATOR_NAMES = re.compile(r"\b(bluestacks|genymotion|nox(player)?|memu|ldplayer|droid4x|mumu)\b")
_IOS_SIMULATOR_MACHINES = frozenset({"x86_64", "i386", "arm64"})
_VM_RENDERERS = (
    ("vmware", 1.0),
    ("virtualbox", 1.0),
    ("parallels", 1.0),
    ("virgl", 1.0),
    ("qxl", 1.0),
    ("red hat", 0.9),
    ("hyper-v", 0.9),
    ("microsoft basic render driver", 0.6),
)
_SOFTWARE_RENDERERS = ("swiftshader", "llvmpipe", "softpipe", "mesa offscreen")


def build_marker(session: CollectedSession) -> str | None:
    """The first emulator marker in the SDK's build strings, or None."""
    device = session.attributes.device
    fingerprint = (device.build_fingerprint or "").strip().lower()
    if fingerprint.startswith(_FINGERPRINT_PREFIXES) or any(
        m in fingerprint for m in _FINGERPRINT_MARKERS
    ):
        return "build_fingerprint"
    if (device.hardware or "").strip().lower() in _HARDWARE:
        return "hardware"
    model = (device.model or "").strip().lower()
    if any(m in model for m in _MODEL_MARKERS):
        return "model"
    if session.channel == "ios" and (
        model in _IOS_SIMULATOR_MACHINES
        or (device.hardware or "").strip().lower() in _IOS_SIMULATOR_MACHINES
    ):
        return "model"
    product = (device.product or "").strip().lower()
    if product.startswith(_PRODUCT_PREFIXES):
        return "product"
    if (device.brand or "").strip().lower() == "generic":
        return "brand"
    names = " ".join(
        (device.manufacturer or "", device.brand or "", device.model or "", device.product or "")
    ).lower()
    if _EMULATOR_NAMES.search(names):
        return "manufacturer"
    return None


def profile_signals(session: CollectedSession) -> list[str]:
    """Soft traces of a stock Android emulator; only the SDK reports these."""
    attrs = session.attributes
    device, network = attrs.device, attrs.network
    if session.channel != "android":
        return []
    found: list[str] = []
    if device.sensors is not None and len(device.sensors) <= 1:
        found.append("few_sensors")
    if device.battery_level == 1.0 and device.battery_charging is True:
        found.append("battery_full_charging")
    if (network.carrier or "").strip().lower() == "android":
        found.append("carrier_android")
    return found


def gpu_class(session: CollectedSession) -> str | None:
    renderer = (session.attributes.device.webgl_renderer or "").strip().lower()
    if not renderer:
        return None
    if "android emulator" in renderer:
        return "emulator"
    if any(name in renderer for name, _ in _VM_RENDERERS):
        return "virtual"
    if any(name in renderer for name in _SOFTWARE_RENDERERS):
        return "software"
    return "hardware"


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    sensors = session.attributes.device.sensors
    return {
        "gpu_class": gpu_class(session),
        "sensors_count": len(sensors) if sensors is not None else None,
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    hits: list[RuleHit] = []
    marker = build_marker(session)
    if marker is not None:
        hits.append(RuleHit(code="EMULATOR_BUILD", flag="emulator", detail=marker))
    soft = profile_signals(session)
    if len(soft) >= 2:
        hits.append(
            RuleHit(
                code="EMULATOR_PROFILE",
                flag="emulator",
                strength=clamp(0.6 + 0.2 * (len(soft) - 2)),
                detail=",".join(soft),
            )
        )
    hit = _renderer(session)
    if hit is not None:
        hits.append(hit)
    hit = _low_resources(session)
    if hit is not None:
        hits.append(hit)
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)


def _renderer(session: CollectedSession) -> RuleHit | None:
    renderer = (session.attributes.device.webgl_renderer or "").strip().lower()
    if not renderer:
        return None
    ua = session_ua(session)
    android = session.channel == "android" or (ua is not None and ua.os_class == ANDROID)
    if "android emulator" in renderer or (android and "swiftshader" in renderer):
        return RuleHit(code="EMULATOR_RENDERER", flag="emulator", detail="emulator GPU")
    for name, strength in _VM_RENDERERS:
        if name in renderer:
            return RuleHit(
                code="VM_RENDERER", flag="virtual_machine", strength=strength, detail=name
            )
    for name in _SOFTWARE_RENDERERS:
        if name in renderer:
            return RuleHit(
                code="SOFTWARE_RENDERER", flag="virtual_machine", strength=0.5, detail=name
            )
    return None


def _low_resources(session: CollectedSession) -> RuleHit | None:
    """One logical core and at most 1 GiB on a desktop: the smallest cloud VM, not a PC."""
    device = session.attributes.device
    ua = session_ua(session)
    if ua is None or not ua.is_desktop:
        return None
    if device.hardware_concurrency == 1 and device.device_memory is not None:
        if device.device_memory <= 1:
            return RuleHit(
                code="VM_LOW_RESOURCES",
                flag="virtual_machine",
                strength=0.5,
                detail="1 core, <= 1 GiB",
            )
    return None
