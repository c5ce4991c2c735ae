"""Optional request quotas on the public endpoints: per site key and per client network.

Off unless a tenant configures them (`[tenants.<id>.quotas]` in tenants.toml). They are
off by default on purpose: one mobile carrier's NAT, one university or one office can put
thousands of honest applicants behind a single address, so a per-address limit set
without knowing the tenant's traffic refuses real customers. A tenant that knows its
traffic sets a budget per minute for its site key (`sessions_per_minute`,
`collects_per_minute`) and per client /24 or /48 (`per_network_per_minute`).

Token buckets in memory, per process (with `--workers N`, each worker has its own budget).
Nothing is stored; the per-network table is bounded (the oldest networks are forgotten).
"""

from __future__ import annotations

import math
from collections import OrderedDict

from engine.config import QuotaSetting, Tenant
from engine.errors import TooManyRequests

MAX_NETWORKS = 65_536  # per-network buckets kept, over all tenants


class _Bucket:
    __slots__ = ("at", "tokens")

    def __init__(self, tokens: float, at: float) -> None:
        self.tokens = tokens
        self.at = at


def _wait(bucket: _Bucket, per_minute: int, now: float) -> float:
    """Refill `bucket`; 0 when a token is there, else the seconds until one is."""
    rate = per_minute / 60.0
    bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.at) * rate)
    bucket.at = now
    return 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / rate


class Quotas:
    def __init__(self) -> None:
        self._site: dict[tuple[str, str], _Bucket] = {}
        self._networks: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()

    def check(self, tenant: Tenant, kind: str, network: str | None, now: float) -> None:
        """Count one `kind` ("sessions" or "collects") request; raise TooManyRequests when a
        configured budget is spent (then nothing is counted). No quota, no counting."""
        q: QuotaSetting | None = tenant.quotas
        if q is None:
            return
        per_site = q.sessions_per_minute if kind == "sessions" else q.collects_per_minute
        site: _Bucket | None = None
        if per_site:
            site = self._site.setdefault((tenant.id, kind), _Bucket(float(per_site), now))
            wait = _wait(site, per_site, now)
            if wait:
                raise TooManyRequests(
                    f"the site key's {kind} quota is used up; retry later",
                    retry_after=max(1, math.ceil(wait)),
                )
        net: _Bucket | None = None
        if q.per_network_per_minute and network is not None:
            nkey = (tenant.id, network)
            net = self._networks.get(nkey)
            if net is None:
                net = self._networks[nkey] = _Bucket(float(q.per_network_per_minute), now)
                if len(self._networks) > MAX_NETWORKS:
                    self._networks.popitem(last=False)
            else:
                self._networks.move_to_end(nkey)
            wait = _wait(net, q.per_network_per_minute, now)
            if wait:
                raise TooManyRequests(
                    "this network's quota is used up; retry later",
                    retry_after=max(1, math.ceil(wait)),
                )
        for bucket in (site, net):
            if bucket is not None:
                bucket.tokens -= 1.0
