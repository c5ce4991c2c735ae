"""Device farms: many phones behind one Wi-Fi router.

Only where the tenant enabled `wifi_router_mac`: the SDK's router BSSID arrives, is kept
only as a truncated keyed hash, and at collection the service counts the distinct devices
(install ID or MAC hash) seen on that router in the last 24 hours, across every client
(`engine/sessions/service.py`, `Service._count_wifi`). A household has a few phones; a farm of
phones or emulators applying for credit shares one router. Setting `wifi_devices_max` (5).
"""

from __future__ import annotations

from engine.features import CollectedSession, Context, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._settings import clamp, number

FLAGS: tuple[str, ...] = ("device_farm",)
CODES: tuple[str, ...] = ("WIFI_DEVICE_FARM",)
FEATURES: dict[str, str] = {
    "wifi_devices_24h": "distinct devices seen on this device's Wi-Fi router (BSSID hash) in "
    "24 hours, all clients, this one included (None unless wifi_router_mac is enabled)",
}
_MAX_DEVICES = 5


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    return {"wifi_devices_24h": session.wifi_devices_h24}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, context: Context) -> RuleHit | None:
    seen = session.wifi_devices_h24
    limit = max(number(context, "wifi_devices_max", _MAX_DEVICES), 1)
    if seen is None or seen <= limit:
        return None
    return RuleHit(
        code="WIFI_DEVICE_FARM",
        flag="device_farm",
        strength=clamp(0.7 + 0.3 * (seen - limit) / limit),
        detail=f"{seen} devices on one wi-fi router in 24 h",
    )


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
