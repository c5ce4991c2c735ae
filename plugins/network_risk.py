"""The network: proxies, VPNs, hosting providers and Tor.

The SDK reports an active VPN or a configured proxy itself; on any channel, proxy headers on
the collect request (Via, Forwarded, X-Forwarded-For hops beyond our trusted proxy) are
evidence of a proxy between the device and us. What the client IP is comes from the compiled
IP data (engine/ipdata), decided at collect on the exact address: the hosting or cloud
provider whose network it is (X4BNet's datacenter ASNs, the ranges AWS, Google Cloud, Azure,
Oracle, DigitalOcean, Linode and Vultr publish), the VPN provider (X4BNet's VPN ASNs; the
server addresses Mullvad, PIA and Proton VPN publish), and whether the address is a Tor exit
relay (the Tor Project's relay list). Each list names its source, date and licence in its
header under engine/data/; `anonscore update-data` refreshes them.

Tenant settings act on the AS number: `extra_datacenter_asns` and `extra_vpn_asns` add
networks; `ignore_asns` exempts one (the tenant's own egress, a partner's cloud) from the
datacenter and VPN flags, whether the fact came from the ASN list or a published range.
Tor is flagged by exit address and, independently, by the uniform Tor Browser profile:
Firefox ESR, UTC, en-US, two cores and a letterboxed window.

iCloud Private Relay, whose egress Apple publishes, is never hosting or VPN (the IP data
clears both there): it carries ordinary Safari users, as Cloudflare's and Fastly's edge
networks, which the lists do not hold, carry Chrome's IP Protection and corporate egress.
"""

from __future__ import annotations

from engine.features import CollectedSession, Context, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._settings import clamp, int_set
from plugins._ua import session_ua

FLAGS: tuple[str, ...] = ("proxy", "vpn", "tor", "datacenter_ip")
CODES: tuple[str, ...] = (
    "VPN_ACTIVE",
    "PROXY_CONFIGURED",
    "VPN_ASN",
    "DATACENTER_ASN",
    "TOR_EXIT",
    "TOR_BROWSER_PROFILE",
    "PROXY_HEADERS",
)
FEATURES: dict[str, str] = {
    "ip_asn_kind": "the IP's network is a 'datacenter' (hosting/cloud) or 'vpn' provider's, "
    "from the AS number or the provider's published ranges (None otherwise)",
    "ip_provider": "name of that hosting, cloud or VPN provider (None otherwise)",
    "ip_tor_exit": "the client address was a Tor exit relay when collected (None when unknown)",
    "tor_profile_signals": "Tor Browser profile traces (0 unless Firefox ESR set to UTC)",
    "proxy_headers": "number of proxy evidence headers on the collect request (Via, "
    "Forwarded, extra X-Forwarded-For hops...)",
}

_ESR_MAJORS = frozenset({78, 91, 102, 115, 128, 140, 153})
_UTC_ZONES = frozenset(
    {"utc", "etc/utc", "gmt", "etc/gmt", "universal", "etc/universal", "zulu", "etc/zulu"}
    | {"atlantic/reykjavik"}  # what resistFingerprinting reports in recent Firefox releases
)


def network_kind(session: CollectedSession, context: Context) -> tuple[str, str] | None:
    """('vpn' | 'datacenter', provider) for the session's IP network, after tenant settings."""
    asn = session.ip_asn if session.ip_asn is not None and session.ip_asn > 0 else None

    def listed(setting: str) -> bool:
        return asn is not None and asn in int_set(context, setting)

    if listed("ignore_asns"):
        return None
    own_name = session.ip_asn_name or f"AS{asn}"
    if session.ip_vpn:
        return "vpn", session.ip_vpn
    if listed("extra_vpn_asns"):
        return "vpn", own_name
    if session.ip_hosting:
        return "datacenter", session.ip_hosting
    if listed("extra_datacenter_asns"):
        return "datacenter", own_name
    return None


def tor_signals(session: CollectedSession) -> list[str]:
    """Tor Browser traces; empty unless the base profile (Firefox ESR in UTC) is there."""
    ua = session_ua(session)
    if ua is None or ua.browser not in ("Firefox", "Firefox Mobile"):
        return []
    if ua.browser_major not in _ESR_MAJORS:
        return []
    software, device = session.attributes.software, session.attributes.device
    zone = (software.timezone or "").strip().lower()
    offset = software.timezone_offset_min
    if not ((zone in _UTC_ZONES and offset in (0, None)) or (not zone and offset == 0)):
        return []
    found: list[str] = []
    w, h = device.screen_width, device.screen_height
    if not ua.is_mobile and w and h and w % 200 == 0 and h % 100 == 0:
        found.append("letterboxed_screen")
    languages = [x.strip().lower() for x in software.languages or () if x.strip()]
    if languages in (["en-us"], ["en-us", "en"]):
        found.append("languages_en_us")
    if device.hardware_concurrency == 2:
        found.append("two_cores")
    return found


@hookimpl
def anonscore_extract_features(session: CollectedSession, context: Context) -> Features:
    kind = network_kind(session, context)
    return {
        "ip_asn_kind": kind[0] if kind else None,
        "ip_provider": kind[1] if kind else None,
        "ip_tor_exit": session.ip_tor_exit,
        "tor_profile_signals": len(tor_signals(session)),
        "proxy_headers": len(session.proxy_headers),
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, context: Context) -> list[RuleHit] | None:
    network = session.attributes.network
    hits: list[RuleHit] = []
    if network.vpn_active is True:
        hits.append(RuleHit(code="VPN_ACTIVE", flag="vpn", detail="sdk: vpn active"))
    if network.proxy_configured is True:
        hits.append(RuleHit(code="PROXY_CONFIGURED", flag="proxy", detail="sdk: proxy set"))
    if session.proxy_headers:
        hits.append(
            RuleHit(
                code="PROXY_HEADERS",
                flag="proxy",
                strength=clamp(0.6 + 0.2 * (len(session.proxy_headers) - 1)),
                detail=",".join(session.proxy_headers),
            )
        )
    kind = network_kind(session, context)
    if kind is not None and kind[0] == "vpn":
        hits.append(RuleHit(code="VPN_ASN", flag="vpn", strength=0.8, detail=kind[1]))
    elif kind is not None:
        hits.append(RuleHit(code="DATACENTER_ASN", flag="datacenter_ip", detail=kind[1]))
    if session.ip_tor_exit is True:
        hits.append(RuleHit(code="TOR_EXIT", flag="tor", detail="tor exit relay address"))
    tor = tor_signals(session)
    if len(tor) >= 2:
        hits.append(
            RuleHit(
                code="TOR_BROWSER_PROFILE",
                flag="tor",
                strength=clamp(0.7 + 0.3 * (len(tor) - 2)),
                detail=",".join(tor),
            )
        )
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
