from __future__ import annotations

import pytest

from plugins import emulator
from tests.plugins.support import ANGLE_NVIDIA, UA, build_session, codes_of

extract = emulator.anonscore_extract_features
evaluate = emulator.anonscore_evaluate_rule

SWIFTSHADER = (
    "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)"
)


def test_no_hit_on_real_devices(real_profile) -> None:
    assert evaluate(real_profile) is None
    assert extract(real_profile)["gpu_class"] in ("hardware", None)


@pytest.mark.parametrize(
    "device",
    [
        {  # current Android Studio AVD
            "manufacturer": "Google",
            "model": "sdk_gphone64_x86_64",
            "hardware": "ranchu",
            "product": "sdk_gphone64_x86_64",
            "build_fingerprint": "google/sdk_gphone64_x86_64/emu64xa:14/UE1A.230829.036/"
            "10729249:userdebug/dev-keys",
        },
        {  # older AVD
            "manufacturer": "unknown",
            "model": "Android SDK built for x86",
            "hardware": "goldfish",
            "build_fingerprint": "generic_x86/sdk_google_phone_x86/generic_x86:7.0/NYC/"
            "4409132:userdebug/test-keys",
        },
        {"manufacturer": "Genymotion", "model": "Samsung Galaxy S10", "hardware": "vbox86"},
        {"manufacturer": "samsung", "model": "SM-G988N", "product": "vbox86p"},
        {"brand": "generic", "model": "x86"},
        {"manufacturer": "BlueStacks", "model": "SM-S908E"},
        {"hardware": "RANCHU"},
    ],
)
def test_emulator_builds(device: dict[str, str]) -> None:
    hits = evaluate(build_session({"device": device}, channel="android"))
    assert [(h.code, h.flag) for h in hits] == [("EMULATOR_BUILD", "emulator")]


def test_real_android_builds_are_not_emulators() -> None:
    for device in (
        {
            "manufacturer": "samsung",
            "brand": "samsung",
            "model": "SM-S918B",
            "hardware": "qcom",
            "product": "dm3qxeea",
            "build_fingerprint": "samsung/dm3qxeea/dm3q:14/UP1A.231005.007/S918BXXS3BWK5:user/"
            "release-keys",
        },
        {
            "manufacturer": "Xiaomi",
            "brand": "Redmi",
            "model": "23021RAAEG",
            "hardware": "mt6768",
            "product": "sea_global",
        },
        {"manufacturer": "OnePlus", "model": "CPH2449", "hardware": "qcom", "product": "CPH2449"},
    ):
        assert evaluate(build_session({"device": device}, channel="android")) is None


def test_ios_simulator_machine() -> None:
    assert codes_of(evaluate(build_session({"device": {"model": "arm64"}}, channel="ios"))) == {
        "EMULATOR_BUILD"
    }
    assert evaluate(build_session({"device": {"model": "iPhone15,2"}}, channel="ios")) is None
    # the same word on the web means nothing
    assert evaluate(build_session({"device": {"model": "arm64"}})) is None


def test_stock_emulator_profile_needs_two_traces() -> None:
    full_charging = {"battery_level": 1.0, "battery_charging": True}
    one = {"device": {"sensors": ["accelerometer", "light", "proximity"], **full_charging}}
    assert evaluate(build_session(one, channel="android")) is None
    two = {"device": {"sensors": [], **full_charging}}
    hits = evaluate(build_session(two, channel="android"))
    assert [(h.code, h.strength) for h in hits] == [("EMULATOR_PROFILE", 0.6)]
    three = {**two, "network": {"carrier": "Android"}}
    hits = evaluate(build_session(three, channel="android"))
    assert [(h.code, h.strength) for h in hits] == [("EMULATOR_PROFILE", pytest.approx(0.8))]
    assert evaluate(build_session(three)) is None  # SDK traces only count from the SDK


@pytest.mark.parametrize(
    ("renderer", "strength"),
    [
        ("ANGLE (VMware, Inc., VMware SVGA 3D (0x00000405) Direct3D11 vs_5_0 ps_5_0, D3D11)", 1.0),
        ("VMware SVGA 3D", 1.0),
        ("ANGLE (Oracle Corporation, VirtualBox Graphics Adapter (WDDM) Direct3D11 vs_5_0)", 1.0),
        ("ANGLE (Parallels, Parallels Display Adapter (WDDM) Direct3D11 vs_5_0 ps_5_0)", 1.0),
        ("virgl (Mesa Intel(R) UHD Graphics 620 (KBL GT2))", 1.0),
        ("ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)", 0.6),
    ],
)
def test_virtual_gpus(renderer: str, strength: float) -> None:
    attrs = {"software": {"user_agent": UA["chrome_win"]}, "device": {"webgl_renderer": renderer}}
    hits = evaluate(build_session(attrs))
    assert [(h.code, h.flag, h.strength) for h in hits] == [
        ("VM_RENDERER", "virtual_machine", strength)
    ]
    assert extract(build_session(attrs))["gpu_class"] == "virtual"


@pytest.mark.parametrize("renderer", [SWIFTSHADER, "Google SwiftShader", "llvmpipe (LLVM 15.0.7)"])
def test_software_rendering_is_a_weak_vm_sign(renderer: str) -> None:
    attrs = {"software": {"user_agent": UA["chrome_linux"]}, "device": {"webgl_renderer": renderer}}
    hits = evaluate(build_session(attrs))
    assert [(h.code, h.flag, h.strength) for h in hits] == [
        ("SOFTWARE_RENDERER", "virtual_machine", 0.5)
    ]
    assert extract(build_session(attrs))["gpu_class"] == "software"


def test_software_rendering_on_android_is_an_emulator() -> None:
    for renderer in ("Google SwiftShader", "Android Emulator OpenGL ES Translator (Apple M1)"):
        attrs = {
            "software": {"user_agent": UA["chrome_android"]},
            "device": {"webgl_renderer": renderer},
        }
        hits = evaluate(build_session(attrs))
        assert [(h.code, h.flag) for h in hits] == [("EMULATOR_RENDERER", "emulator")]


def test_one_core_one_gib_desktop() -> None:
    def attrs(ua: str, cores: int, memory: float) -> dict[str, object]:
        return {
            "software": {"user_agent": UA[ua]},
            "device": {"hardware_concurrency": cores, "device_memory": memory},
        }

    assert codes_of(evaluate(build_session(attrs("chrome_win", 1, 1)))) == {"VM_LOW_RESOURCES"}
    assert codes_of(evaluate(build_session(attrs("chrome_linux", 1, 0.5)))) == {"VM_LOW_RESOURCES"}
    assert evaluate(build_session(attrs("chrome_win", 2, 1))) is None
    assert evaluate(build_session(attrs("chrome_win", 1, 2))) is None
    assert evaluate(build_session(attrs("chrome_android", 1, 1))) is None


def test_features() -> None:
    session = build_session(
        {"device": {"sensors": ["accelerometer", "gyroscope"], "webgl_renderer": ANGLE_NVIDIA}},
        channel="android",
    )
    assert extract(session) == {"gpu_class": "hardware", "sensors_count": 2}
    assert extract(build_session({})) == {"gpu_class": None, "sensors_count": None}


def test_software_rendering_on_a_desktop_is_a_virtual_machine_not_an_emulator() -> None:
    renderer = (
        "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), "
        "SwiftShader driver)"
    )
    windows = build_session(
        {"software": {"user_agent": UA["chrome_win"]}, "device": {"webgl_renderer": renderer}}
    )
    flags = {h.flag for h in emulator.anonscore_evaluate_rule(windows)}
    assert flags == {"virtual_machine"}
    android = build_session(
        {"software": {"user_agent": UA["chrome_android"]}, "device": {"webgl_renderer": renderer}}
    )
    assert {h.flag for h in emulator.anonscore_evaluate_rule(android)} == {"emulator"}
