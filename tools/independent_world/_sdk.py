"""One app visit as the lender's SDK would post it, and the headers of its HTTP stack.

Why: an app sees the phone through the platform's APIs, not a browser's: the model, the
OS build fingerprint (which moves with every monthly patch), sensors, battery, storage, the
SIM's carrier, and a device ID scoped to the app (Android's ANDROID_ID per signing key,
iOS's identifierForVendor). Those are what make the app channel link so differently from
the web channel of the same phone.
"""

from __future__ import annotations

import random
from typing import Any

from tools.independent_world._catalog import APP_IDS, Phone
from tools.independent_world._population import Device, Install, Person
from tools.independent_world._render import (
    State,
    accept_language,
    behaviour,
    digest,
    offset_minutes,
)

APP_VERSION = "5.12.0"
SDK_VERSION = "2.4.0"


def app_payload(
    person: Person,
    device: Device,
    install: Install,
    state: State,
    t: float,
    rng: random.Random,
    fraud: bool,
    cellular: bool,
) -> tuple[dict[str, Any], dict[str, str]]:
    phone = device.hw.phone
    assert phone is not None
    assert install.tenant is not None
    app_id = APP_IDS[install.tenant]
    dev = _device(phone, device, install, t, rng, fraud)
    soft: dict[str, Any] = {
        "os": device.hw.os,
        "app_id": app_id,
        "app_version": APP_VERSION,
        "sdk_version": SDK_VERSION,
        "languages": list(person.languages),
        "timezone": state.zone,
        "timezone_offset_min": offset_minutes(state.zone, t),
    }
    net: dict[str, Any] = {
        "connection_type": "cellular" if cellular else "wifi",
        "wifi_on": not cellular or rng.random() < 0.4,
        "bluetooth_on": rng.random() < 0.6,
        "vpn_active": False,
        "proxy_configured": False,
    }
    if device.hw.os == "Android":
        _android(phone, device, state, dev, soft)
        net.update(
            carrier=person.carrier.name.split(" ")[0], sim_country=person.country.code.lower()
        )
    else:  # iOS 16+ answers "--" for the carrier: the SDK leaves it out
        _ios(app_id, state, dev, soft)
    attrs = {
        "device": dev,
        "software": soft,
        "network": net,
        "behaviour": behaviour(rng, fraud, web=False),
        "apps": {"category_counts": _apps(device, install, rng, fraud)},
    }
    engine = "webkit" if device.hw.os == "iOS" else "blink"
    headers = {
        "User-Agent": soft["user_agent"],
        "Accept-Language": accept_language(person.languages, engine),
    }
    return attrs, headers


def _device(
    phone: Phone, device: Device, install: Install, t: float, rng: random.Random, fraud: bool
) -> dict[str, Any]:
    total = phone.storage_gb * 1024
    # storage fills slowly (about 1 % a month) from a level of the device's own
    used = 0.35 + 0.5 * random.Random(device.id).random() + (t - 1.7e9) / 2.6e9
    charged = fraud and rng.random() < 0.7  # racked phones sit on chargers
    return {
        "manufacturer": phone.manufacturer,
        "brand": phone.brand,
        "model": phone.model,
        "screen_width": phone.pixels[0],
        "screen_height": phone.pixels[1],
        "pixel_ratio": phone.dpr,
        "sensors": list(phone.sensors),
        "battery_level": round(rng.uniform(0.9, 1.0) if charged else rng.uniform(0.08, 1.0), 2),
        "battery_charging": rng.random() < (0.9 if fraud else 0.3),
        "storage_total_mb": total,
        "storage_free_mb": max(0, int(total * (1 - min(used, 0.97)))),
        "device_id_hash": digest("device-id", install.id, size=16),
    }


def _android(
    phone: Phone, device: Device, state: State, dev: dict[str, Any], soft: dict[str, Any]
) -> None:
    """Build.* as the phone reports it; each monthly patch is a new build id."""
    build = f"{device.hw.build.rsplit('.', 1)[0]}.{state.os_updates:03d}"
    release = str(state.os_version[0])
    incremental = digest(build, phone.model, size=7)
    dev.update(
        hardware=phone.hardware,
        product=phone.product,
        rooted=False,
        simulator=False,
        build_fingerprint=f"{phone.brand}/{phone.product}/{phone.codename}:{release}/"
        f"{build}/{incremental}:user/release-keys",
    )
    soft["os_version"] = release
    soft["user_agent"] = f"Dalvik/2.1.0 (Linux; U; Android {release}; {phone.model} Build/{build})"


def _ios(app_id: str, state: State, dev: dict[str, Any], soft: dict[str, Any]) -> None:
    """UIDevice's version, and the CFNetwork agent whose Darwin minor follows iOS's."""
    major, minor, patch = state.os_version
    darwin = 25 if major >= 26 else 24
    soft["os_version"] = f"{major}.{minor}" + (f".{patch}" if patch else "")
    soft["user_agent"] = (
        f"{app_id.split('.')[1].title()}/{APP_VERSION} CFNetwork/3826.500.131 "
        f"Darwin/{darwin}.{minor}.0"
    )
    dev.update(jailbroken=False, simulator=False)


def _apps(device: Device, install: Install, rng: random.Random, fraud: bool) -> dict[str, int]:
    """Installed apps per category: the phone's own mix; fraud carries many credit apps."""
    own = random.Random(device.id)
    return {
        "credit": rng.randint(3, 9) if fraud else random.Random(install.id).randint(0, 2),
        "shopping": own.randint(1, 8),
        "social": own.randint(2, 9),
        "games": own.randint(0, 12),
        "proxy": 0,
    }
