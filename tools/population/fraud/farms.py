"""Fraud run from fleets of fake or tampered devices: emulator farms, cloud VMs, rooted and
hooked phones, and phones whose app identity is reset between applications."""

from __future__ import annotations

from ..applicant import Application, pasted_identity, scripted_form
from ..devices import h
from ..network import address
from ..world import World
from ._kit import apps, send, start, target

_AVD = {  # the stock Android emulator image
    "manufacturer": "Google",
    "brand": "google",
    "model": "sdk_gphone64_x86_64",
    "hardware": "ranchu",
    "product": "sdk_gphone64_x86_64",
    "build_fingerprint": "google/sdk_gphone64_x86_64/emu64xa:14/UE1A.230829.036/10762838:"
    "userdebug/dev-keys",
    "sensors": ["Goldfish 3-axis Accelerometer"],
}
_GENYMOTION = {
    "manufacturer": "Genymobile",
    "brand": "samsung",
    "model": "SM-G988N",
    "hardware": "vbox86",
    "product": "vbox86p",
    "sensors": ["Genymotion Accelerometer", "Genymotion Light"],
    "build_fingerprint": "samsung/vbox86p/vbox86p:11/RQ1A.210105.003/857:user/release-keys",
}


def emulator_farm(w: World, budget: int) -> list[Application]:
    """An emulator farm: 3-8 Android emulator instances in one hosting range (or behind one
    mobile proxy) each apply 2-6 times in a day or two through the lender's app, often
    reinstalling it in between. Stock images keep goldfish/ranchu hardware and
    `sdk_gphone` builds; Genymotion/LDPlayer keep vbox86; the best-cloaked copy a real
    phone's build strings and leave only the profile: one or no sensor, a battery at 100 %
    and charging, the carrier "Android", one /24 for the whole farm."""
    r, farm = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        farm += 1
        lender, country = target(w)
        variant = r.choice(("stock", "stock", "genymotion", "cloaked", "cloaked"))
        hosting = r.random() < 0.6
        prefix = ".".join(w.net.pick(r, "hosting").split(".")[:3]) if hosting else None
        mobile = w.net.home(r, w.code_of(country), mobile=True) if not hosting else None
        day0 = start(w, 2)
        for i in range(r.randint(3, 8)):
            d = w.device("android", "android", country)
            for k in range(r.randint(2, 6)):
                if k and r.random() < 0.5:  # app reinstalled: a new install ID
                    d.install = h("farm", w.seed, farm, i, k, n=16)
                at = w.when(day0, 2)
                ip = address(r, prefix) if prefix else mobile
                form = scripted_form(r, "keys") if r.random() < 0.4 else pasted_identity(r)
                app = send(
                    w,
                    d,
                    at,
                    lender,
                    form,
                    "emulator_farm",
                    f"farm{farm}",
                    (variant, "hosting" if hosting else "mobile_proxy"),
                    ip=ip,
                )
                dev, net = app.attributes["device"], app.attributes["network"]
                if variant == "stock":
                    dev.update(_AVD)
                elif variant == "genymotion":
                    dev.update(_GENYMOTION)
                else:
                    dev["sensors"] = dev["sensors"][:1] if r.random() < 0.5 else []
                dev["battery_level"], dev["battery_charging"] = 1.0, True
                if variant != "genymotion":
                    net["carrier"] = "Android"
                net["connection_type"], net["wifi_on"] = "wifi", True
                out.append(app)
    return out


_VM_GPUS = (
    (
        "swiftshader",
        "Google Inc. (Google)",
        "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) "
        "(0x0000C0DE)), SwiftShader driver)",
    ),
    (
        "vmware",
        "Google Inc. (VMware, Inc.)",
        "ANGLE (VMware, Inc., VMware SVGA 3D Direct3D11 vs_5_0 ps_5_0, D3D11)",
    ),
    (
        "basic_render",
        "Google Inc. (Microsoft)",
        "ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)",
    ),
)


def vm_farm(w: World, budget: int) -> list[Application]:
    """Cloud desktops: Windows VMs rented at a hosting provider run Chrome; the unmasked
    WebGL renderer names the virtual GPU (VMware SVGA, Microsoft Basic Render Driver,
    SwiftShader), 2 cores, little memory, a hosting-provider address, base fonts only; an
    operator pastes a list of identities, a few applications per VM."""
    r, ring = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        ring += 1
        lender, country = target(w)
        variant, vendor, renderer = r.choice(_VM_GPUS)
        day0 = start(w, 3)
        for _ in range(r.randint(2, 6)):
            d = w.device("web", "win_desktop", country)
            ip = w.net.pick(r, "hosting")
            for _ in range(r.randint(1, 4)):
                app = send(
                    w,
                    d,
                    w.when(day0, 3),
                    lender,
                    pasted_identity(r),
                    "vm_farm",
                    f"vm{ring}",
                    (variant,),
                    ip=ip,
                )
                dev = app.attributes["device"]
                dev.update(
                    webgl_vendor=vendor,
                    webgl_renderer=renderer,
                    hardware_concurrency=2,
                    device_memory=2,
                    fonts_count=46,
                    screen_width=1280,
                    screen_height=800,
                )
                dev["fonts_hash"] = h("fonts-base-windows", n=32)
                out.append(app)
    return out


def rooted_phone(w: World, budget: int) -> list[Application]:
    """A rooted Android phone (Magisk) with a hooking framework (Xposed/Frida) that rewrites
    what the SDK reads: the build is signed with test-keys, a proxy is configured to tamper
    with the app's traffic or a VPN app runs, proxy/VPN apps are installed; it applies a few
    times at one or two lenders."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        d = w.device("android", "android", country)
        day0 = start(w, 4)
        lenders = [lender, *w.others(w.code_of(country), [lender], 1)]
        for k in range(r.randint(1, 4)):
            app = send(
                w,
                d,
                w.when(day0, 4),
                lenders[k % len(lenders)],
                pasted_identity(r),
                "rooted_phone",
                f"root{n}",
            )
            dev, net = app.attributes["device"], app.attributes["network"]
            dev["build_fingerprint"] = dev["build_fingerprint"].replace("release-keys", "test-keys")
            net["proxy_configured"] = r.random() < 0.35
            net["vpn_active"] = r.random() < 0.4
            apps(app, proxy=r.randint(1, 3))
            out.append(app)
    return out


def device_reset(w: World, budget: int) -> list[Application]:
    """One real Android phone applies again and again, resetting its identity in between
    (app data cleared or reinstalled, Android ID reset): a new install ID every time, the
    same hardware (model, build, storage, sensors), a new mobile address (airplane mode),
    4-10 applications over one to four days at one to three lenders."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        d = w.device("android", "android", country, mobile_ip=True)
        lenders = [lender, *w.others(w.code_of(country), [lender], r.randint(0, 2))]
        day0, span = start(w, 4), r.uniform(1, 4)
        times = sorted(w.when(day0, span) for _ in range(r.randint(4, 10)))
        for k, at in enumerate(times):
            d.install = h("reset", w.seed, n, k, n=16)
            ip = w.net.home(r, w.code_of(country), mobile=True)
            out.append(
                send(
                    w,
                    d,
                    at,
                    lenders[k % len(lenders)],
                    pasted_identity(r),
                    "device_reset",
                    f"reset{n}",
                    ip=ip,
                )
            )
            d.storage_free_mb = max(500, d.storage_free_mb - r.randint(0, 300))
    return out
