"""Connections per client: no one network may hold more than its share of the server.

A cap on all connections alone let one address take every slot: 1,100 connections from
one address, each sending a body head and a byte every 2 s, kept 16 of 16 legitimate
requests out for 30 s (issue 15). So connections are also counted per client prefix (the
peer's IPv4 /32 and IPv6 /64 by default, configurable): past `max_connections_per_client`
from one prefix, a new connection from it gets a canned 503 with Retry-After and is closed,
and other clients are served as before.

The prefix is the TCP peer's, never a header's: at accept time nothing has been read, and a
header can be forged. Peers in `exempt` (the trusted proxies) are not capped, since behind a
proxy every client shares its address; the proxy must limit its clients itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Key = tuple[int, int]  # (IP version, the address shifted down to its prefix)


class ClientSlots:
    """Open connections per client prefix: take one at accept, give it back at close."""

    def __init__(
        self,
        per_client: int,
        *,
        v4_prefix: int = 32,
        v6_prefix: int = 64,
        exempt: Sequence[Network] = (),
    ) -> None:
        self.per_client = per_client
        self._v4_shift = 32 - v4_prefix
        self._v6_shift = 128 - v6_prefix
        self._exempt = tuple(exempt)
        self._open: dict[Key, int] = {}
        self.refused = 0

    def key(self, peer: object) -> Key | None:
        """The prefix a peer address (as `getpeername()` gives it) counts against; None
        when it is not capped (an exempt proxy, or no IP address)."""
        if not isinstance(peer, tuple) or not peer:
            return None
        try:
            address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
        except ValueError:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack socket: the client is IPv4
        if any(address in net for net in self._exempt):
            return None
        if isinstance(address, ipaddress.IPv4Address):
            return 4, int(address) >> self._v4_shift
        return 6, int(address) >> self._v6_shift

    def take(self, key: Key | None) -> bool:
        """Count a new connection from `key`; False (counted as refused) when its prefix
        already holds `per_client`."""
        if key is None:
            return True
        held = self._open.get(key, 0)
        if held >= self.per_client:
            self.refused += 1
            return False
        self._open[key] = held + 1
        return True

    def give_back(self, key: Key | None) -> None:
        if key is None:
            return
        held = self._open[key] - 1
        if held:
            self._open[key] = held
        else:
            del self._open[key]

    def held(self, key: Key) -> int:
        return self._open.get(key, 0)
