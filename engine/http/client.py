"""What the request itself says about the client: its address, languages, DNT, and the
names (never the values) of headers that betray a proxy on the way."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Sequence

from engine.http.messages import RequestHead
from engine.sessions.facts import ClientFacts

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Headers whose presence (never their value) is evidence of a proxy between client and us.
PROXY_EVIDENCE = (
    "via",
    "forwarded",
    "x-proxy-id",
    "proxy-connection",
    "x-bluecoat-via",
    "client-ip",
    "x-client-ip",
)

# Headers a browser sends in an order of its own (names only are kept, in arrival order):
# a script that adds them (a kit's extra headers) puts them elsewhere.
ORDERED_HEADERS = frozenset(
    {
        "user-agent",
        "sec-ch-ua",
        "sec-ch-ua-mobile",
        "sec-ch-ua-platform",
        "content-type",
        "accept",
        "origin",
        "referer",
        "accept-encoding",
        "accept-language",
        "sec-fetch-site",
        "sec-fetch-mode",
        "sec-fetch-dest",
    }
)


# A tenant's first-party proxy (docs/first-party.md) sends its secret in this header to vouch
# for X-Forwarded-For when its addresses are not fixed (a CDN): trusted like a listed peer.
PROXY_SECRET_HEADER = "anonscore-proxy-secret"


def vouched(head: RequestHead, digests: Sequence[bytes]) -> bool:
    """Whether the request carries one of the tenant's proxy secrets (compared as sha256
    digests, in constant time, every digest tried)."""
    secret = head.headers.get(PROXY_SECRET_HEADER)
    if not secret or not digests:
        return False
    digest = hashlib.sha256(secret.strip().encode("utf-8", "surrogatepass")).digest()
    matches = [hmac.compare_digest(digest, d) for d in digests]
    return any(matches)


def client_ip(
    head: RequestHead, trusted: Sequence[Network], secrets: Sequence[bytes] = ()
) -> tuple[str | None, list[str]]:
    """The client IP (the peer, or the last X-Forwarded-For hop when the peer is a trusted
    proxy or the request carries one of the tenant's proxy `secrets`), and the
    X-Forwarded-For hops as sent."""
    ip: str | None = None
    is_trusted = vouched(head, secrets)
    if head.client is not None:
        try:
            peer = ipaddress.ip_address(head.client[0])
        except ValueError:
            peer = None
        if peer is not None:
            ip = str(peer)
            is_trusted = is_trusted or any(peer in net for net in trusted)
    forwarded = [h.strip() for h in head.header("x-forwarded-for").split(",") if h.strip()]
    if forwarded and is_trusted:
        try:
            ip = str(ipaddress.ip_address(forwarded[-1]))
        except ValueError:
            pass
    evidence = [name for name in PROXY_EVIDENCE if name in head.headers]
    # hops beyond the one our trusted proxy appended mean another proxy on the way
    if forwarded and (not is_trusted or len(forwarded) > 1):
        evidence.append("x-forwarded-for")
    return ip, evidence


def client_facts(
    head: RequestHead, trusted: Sequence[Network], secrets: Sequence[bytes] = ()
) -> ClientFacts:
    ip, evidence = client_ip(head, trusted, secrets)
    dnt = head.headers.get("dnt")
    return ClientFacts(
        origin=head.headers.get("origin"),
        ip=ip,
        languages=accept_languages(head.header("accept-language")),
        dnt=None if dnt is None else dnt.strip() == "1",
        proxy_headers=tuple(evidence),
        user_agent=_bounded(head.headers.get("user-agent"), 1024),
        ch_ua=_bounded(head.headers.get("sec-ch-ua"), 256),
        ch_ua_mobile=_hint_bool(head.headers.get("sec-ch-ua-mobile")),
        ch_ua_platform=_bounded(_unquoted(head.headers.get("sec-ch-ua-platform")), 64),
        header_order=tuple(name for name in head.headers if name in ORDERED_HEADERS),
    )


def _bounded(value: str | None, limit: int) -> str | None:
    """A header value as evidence: cut to `limit` characters like the payload's strings."""
    return None if value is None else value.strip()[:limit]


def _unquoted(value: str | None) -> str | None:
    """A structured-header string (`"Windows"`) without its quotes."""
    return None if value is None else value.strip().strip('"')


def _hint_bool(value: str | None) -> bool | None:
    """A structured-header boolean (`?1` / `?0`); None when absent or malformed."""
    v = (value or "").strip()
    return True if v == "?1" else False if v == "?0" else None


def accept_languages(header: str) -> tuple[str, ...]:
    """Primary language tags of Accept-Language, in order, at most 8 (no q-values)."""
    out: list[str] = []
    for part in header[:1024].split(","):
        tag = part.split(";", 1)[0].strip().lower()
        primary = tag.split("-", 1)[0]
        if primary.isascii() and primary.isalpha() and 1 < len(primary) < 9 and primary not in out:
            out.append(primary)
        if len(out) == 8:
            break
    return tuple(out)


def network_of(ip: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) of an address: the unit quotas count per client."""
    if ip is None:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    length = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network((address, length), strict=False))
