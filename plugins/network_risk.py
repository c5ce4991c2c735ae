"""The network: proxies, VPNs, hosting providers and Tor Browser.

The SDK reports an active VPN or a configured proxy itself; on any channel, proxy headers on
the collect request (Via, Forwarded, X-Forwarded-For hops beyond our trusted proxy) are
evidence of a proxy between the device and us. For web sessions the IP's ASN
is checked against small curated lists of hosting/cloud networks and of networks that
mostly carry commercial VPN exits (a tenant may extend them, or exempt its own egress, with
the settings `extra_datacenter_asns`, `extra_vpn_asns` and `ignore_asns`). Tor exits are not
listed offline; Tor Browser is recognised by the uniform profile it gives every user:
Firefox ESR, UTC, en-US, two cores and a letterboxed window.

iCloud Private Relay, Chrome's IP Protection and corporate egress also leave from Cloudflare,
Akamai, Fastly or Google networks: those shared edge ASNs are deliberately not listed.
"""

from __future__ import annotations

import re

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
    "TOR_BROWSER_PROFILE",
    "PROXY_HEADERS",
)
FEATURES: dict[str, str] = {
    "ip_asn_kind": "the IP's network is a known 'datacenter' or 'vpn' provider (None otherwise)",
    "tor_profile_signals": "Tor Browser profile traces (0 unless Firefox ESR set to UTC)",
    "proxy_headers": "number of proxy evidence headers on the collect request (Via, "
    "Forwarded, extra X-Forwarded-For hops...)",
}

DATACENTER_ASNS: dict[int, str] = {
    16509: "Amazon AWS",
    14618: "Amazon AWS",
    8987: "Amazon AWS",
    15169: "Google",
    396982: "Google Cloud",
    8075: "Microsoft Azure",
    14061: "DigitalOcean",
    200130: "DigitalOcean",
    393406: "DigitalOcean",
    16276: "OVH",
    24940: "Hetzner",
    213230: "Hetzner",
    63949: "Linode / Akamai Cloud",
    20473: "Vultr (Choopa)",
    51167: "Contabo",
    31898: "Oracle Cloud",
    45102: "Alibaba Cloud",
    37963: "Alibaba Cloud",
    132203: "Tencent Cloud",
    45090: "Tencent Cloud",
    12876: "Scaleway",
    60781: "Leaseweb",
    16265: "Leaseweb",
    28753: "Leaseweb",
    36352: "ColoCrossing",
    53667: "FranTech (BuyVM)",
    46606: "Unified Layer",
    197540: "netcup",
}
VPN_ASNS: dict[int, str] = {
    9009: "M247",
    60068: "Datacamp (CDN77)",
    212238: "Datacamp (CDN77)",
    136787: "TEFINCOM",
    147049: "PacketHub",
    209854: "Cyberzone",
    39351: "31173 Services",
}
# The same providers by AS name, for an engine that knows the name and not the number.
_DATACENTER_NAMES = re.compile(
    r"amazon-0|amazon-aes|amazon data services|google-cloud|google cloud|^google$|"
    r"microsoft-corp-msn|digitalocean|\bovh\b|hetzner|linode|akamai connected cloud|choopa|"
    r"vultr|contabo|oracle-bmc|alibaba|tencent|scaleway|leaseweb|colocrossing|ponynet|"
    r"unified layer|netcup"
)
_VPN_NAMES = re.compile(r"\bm247\b|datacamp|tefincom|packethub|cyberzone|31173 services")

_ESR_MAJORS = frozenset({78, 91, 102, 115, 128, 140, 153})
_UTC_ZONES = frozenset(
    {"utc", "etc/utc", "gmt", "etc/gmt", "universal", "etc/universal", "zulu", "etc/zulu"}
    | {"atlantic/reykjavik"}  # what resistFingerprinting reports in recent Firefox releases
)


def asn_kind(session: CollectedSession, context: Context) -> str | None:
    """'vpn', 'datacenter' or None for the session's IP network."""
    asn = session.ip_asn
    if asn is not None and asn in int_set(context, "ignore_asns"):
        return None
    if asn is not None:
        if asn in VPN_ASNS or asn in int_set(context, "extra_vpn_asns"):
            return "vpn"
        if asn in DATACENTER_ASNS or asn in int_set(context, "extra_datacenter_asns"):
            return "datacenter"
    name = session.ip_asn_name
    if name and name.strip():
        lowered = name.strip().lower()
        if _VPN_NAMES.search(lowered):
            return "vpn"
        if _DATACENTER_NAMES.search(lowered):
            return "datacenter"
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
    return {
        "ip_asn_kind": asn_kind(session, context),
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
    kind = asn_kind(session, context)
    if kind == "vpn":
        hits.append(RuleHit(code="VPN_ASN", flag="vpn", strength=0.8, detail="vpn provider asn"))
    elif kind == "datacenter":
        hits.append(
            RuleHit(code="DATACENTER_ASN", flag="datacenter_ip", detail="hosting provider asn")
        )
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
