"""A desktop browser in a datacenter claiming to be a phone.

Each half has innocent readings: cloud desktops and corporate egress sit in datacenters,
and phone user agents on desktops are developers' device emulation. Together they are the
set-up of an emulated-phone bot farm on rented servers, and the score treats the pair as
one strong signal (`DATACENTER_PHONE`, ua_mismatch).

The datacenter half is `network_risk`'s `ip_asn_kind` feature (so the tenant's
`ignore_asns` applies); the phone half is `user_agent`'s checks of a phone user agent
against the device's platform, touch screen, screen size and GPU.
"""

from __future__ import annotations

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._ua import session_ua
from plugins.user_agent import phone_contradictions

FLAGS: tuple[str, ...] = ("ua_mismatch",)
CODES: tuple[str, ...] = ("DATACENTER_PHONE",)
FEATURES: dict[str, str] = {}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, features: Features) -> RuleHit | None:
    if features.get("ip_asn_kind") != "datacenter":
        return None
    ua = session_ua(session)
    if ua is None or session.channel != "web":
        return None
    found = phone_contradictions(ua, session)
    if not found:
        return None
    return RuleHit(
        code="DATACENTER_PHONE",
        flag="ua_mismatch",
        detail=f"datacenter address, phone user agent on a desktop ({found[0]})",
    )


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
