"""The client IP reduced to what rules need; the address itself is never stored.

`IpReducer.reduce(ip)` keeps the network prefix (IPv4 /24, IPv6 /48), a keyed hash of the
address for velocity counters, the country and the AS name from the GeoLite2-derived data
file that geoip2fast ships, and whether the address is private. Build one `IpReducer` at
start-up: loading the data file blocks for about a quarter of a second (run it through
`trio.to_thread.run_sync`); after that a lookup is a few microseconds of pure CPU.

The data file of geoip2fast 1.2.2 names the AS that announces a network but not its
number, so `IpFacts.asn` stays None until a source with numbers is added.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
from importlib import resources
from typing import Any, Protocol

import msgspec

DATA_FILE = "geoip2fast-asn-ipv6.dat.gz"  # country + AS name, IPv4 and IPv6
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


class GeoLookup(Protocol):
    """The part of `geoip2fast.GeoIP2Fast` used here; tests may pass a stand-in."""

    def lookup(self, ipaddr: str) -> Any: ...


_load_lock = threading.Lock()
_loaded: list[GeoLookup] = []


def load_geo_database() -> GeoLookup:
    """Load the geoip2fast data file once per process and return the lookup object.

    geoip2fast keeps its tables in module globals, so one data file per process is all
    there can be; later calls return the first instance. Blocking: call it from a thread.
    """
    with _load_lock:
        if not _loaded:
            from geoip2fast import GeoIP2Fast  # imported late: the module is large

            path = resources.files("geoip2fast").joinpath(DATA_FILE)
            _loaded.append(GeoIP2Fast(geoip2fast_data_file=str(path)))
        return _loaded[0]


class IpReducer:
    """Holds the geo database (and, usually, the hashing secret); `reduce` is cheap.

    The secret for `ip_hash` is given here, or per call to `reduce`; one of the two is
    required. Construct at start-up, off the event loop: `await
    trio.to_thread.run_sync(IpReducer, keys.hashing)`.
    """

    def __init__(self, secret: bytes | None = None, geo: GeoLookup | None = None) -> None:
        if secret is not None and not secret:
            raise ValueError("secret must not be empty")
        self._secret = secret
        self._geo = geo if geo is not None else load_geo_database()

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
        prefix = str(ipaddress.ip_network((address, length), strict=False))
        digest = hmac.new(key, address.packed, hashlib.sha256).hexdigest()[:32]
        if address.is_private or address.is_loopback or address.is_link_local:
            return IpFacts(prefix=prefix, ip_hash=digest, is_private=True)
        if not address.is_global:  # shared (CGNAT), reserved, multicast: no country, no AS
            return IpFacts(prefix=prefix, ip_hash=digest)
        try:
            detail = self._geo.lookup(str(address))
            country = str(detail.country_code or "")
            asn_name = str(detail.asn_name or "")
        except Exception:  # a lookup failure costs the enrichment, not the request
            country, asn_name = "", ""
        return IpFacts(
            prefix=prefix,
            ip_hash=digest,
            country=country if len(country) == 2 and country.isalpha() else None,
            asn_name=asn_name if asn_name and not asn_name.startswith("<") else None,
        )


def reduce_ip(ip: str, secret: bytes) -> IpFacts:
    """`IpReducer(secret).reduce(ip)` with the process-wide database (loaded on first use)."""
    return IpReducer(secret).reduce(ip)
