"""The client IP reduced to what rules need; the address itself is never stored.

`IpReducer.reduce(ip)` keeps the network prefix (IPv4 /24, IPv6 /48), a keyed hash of the
address for velocity counters, whether the address is private, and the facts the compiled
IP data (`engine.ipdata`) holds for it: country, AS number and name, the hosting or VPN
provider whose network it is (by AS number or by the provider's published ranges), and
whether it is a Tor exit. Those lists are checked here, on the exact address at collect
time, because afterwards only the prefix is left.

Build one `IpReducer` at start-up with the data the service loaded (`load_ip_data(dir)`
from a thread: it reads ~20 MB); a lookup is then a few microseconds of pure CPU. To take a
newer build on reload, assign `reducer.data`: each `reduce` reads it once, so a call never
mixes two builds.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import msgspec

from engine.ipdata import DEFAULT_DIR, TOR_EXIT, IpData, load_ip_data

IPV4_PREFIX = 24
IPV6_PREFIX = 48


class IpFacts(msgspec.Struct, frozen=True):
    """What the service keeps of a client IP address."""

    prefix: str | None = None
    ip_hash: str | None = None
    country: str | None = None
    asn: int | None = None
    asn_name: str | None = None
    is_private: bool = False
    hosting: str | None = None  # hosting/cloud provider whose network this is
    vpn: str | None = None  # VPN provider whose network or server this is
    tor_exit: bool = False  # the exact address is a Tor exit relay


class IpReducer:
    """Holds the IP data (and, usually, the hashing secret); `reduce` is cheap.

    The secret for `ip_hash` is given here, or per call to `reduce`; one of the two is
    required. Without `data`, the current build under the default directory (var/ipdata) is
    loaded, which blocks: construct off the event loop.
    """

    def __init__(self, secret: bytes | None = None, data: IpData | None = None) -> None:
        if secret is not None and not secret:
            raise ValueError("secret must not be empty")
        self._secret = secret
        self.data: IpData = data if data is not None else load_ip_data(DEFAULT_DIR)

    def reduce(self, ip: str, secret: bytes | None = None) -> IpFacts:
        """The facts of `ip`; an unparsable address gives an empty IpFacts(), never an error.

        Raises ValueError only for a programming error: no secret here nor at construction.
        """
        key = secret or self._secret
        if not key:
            raise ValueError("no secret for ip_hash: pass IpReducer(secret) or reduce(ip, secret)")
        try:
            address = ipaddress.ip_address(ip.strip())
        except ValueError:
            return IpFacts()
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        length = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
        host_bits = address.max_prefixlen - length  # zeroed by hand: ip_network costs 5-20 us
        prefix = f"{type(address)(int(address) >> host_bits << host_bits)}/{length}"
        digest = hmac.new(key, address.packed, hashlib.sha256).hexdigest()[:32]
        if address.is_private or address.is_loopback or address.is_link_local:
            return IpFacts(prefix=prefix, ip_hash=digest, is_private=True)
        if not address.is_global:  # shared (CGNAT), reserved, multicast: no country, no AS
            return IpFacts(prefix=prefix, ip_hash=digest)
        data = self.data
        asn, hosting, vpn, country, flags = data.row(address.packed)
        table = data.table
        return IpFacts(
            prefix=prefix,
            ip_hash=digest,
            country=table.countries[country] or None,
            asn=asn or None,
            asn_name=table.asn_name(asn),
            hosting=table.providers[hosting] or None,
            vpn=table.providers[vpn] or None,
            tor_exit=bool(flags & TOR_EXIT),
        )


def reduce_ip(ip: str, secret: bytes) -> IpFacts:
    """`IpReducer(secret).reduce(ip)` with the current build of the default directory."""
    return IpReducer(secret).reduce(ip)
