"""Optional request quotas on the public endpoints: per site key and per client network.

Off unless a tenant configures them (`[tenants.<id>.quotas]` in tenants.toml). They are
off by default on purpose: one mobile carrier's NAT, one university or one office can put
thousands of honest applicants behind a single address, so a per-address limit set
without knowing the tenant's traffic refuses real customers. A tenant that knows its
traffic sets a budget per minute for its site key (`sessions_per_minute`,
`collects_per_minute`) and per client /24 or /48 (`per_network_per_minute`).

Where they are counted: on a cluster store, in the cluster, so that every worker of the
deployment (`--workers N`, other machines) draws on one budget: a sliding window of one
minute per key (`c:{<tenant>}s:<kind>`, `c:{<tenant>}n:<keyed hash of the network>`, one
hash slot per tenant so both are checked and counted in one round trip; each key expires a
minute after its last request). On RocksDB one process owns the store, and token buckets
in memory count (with `--workers N` on RocksDB each worker has its own budget). The
connection caps (`max_connections`, `max_connections_per_client`) stay per process
(engine/http/listener.py): a process can only count the sockets it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
from collections import OrderedDict

from engine.config import QuotaSetting, Tenant
from engine.errors import TooManyRequests
from engine.store.shared import SharedStore

WINDOW_S = 60.0

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

    async def admit(
        self,
        tenant: Tenant,
        kind: str,
        network: str | None,
        now: float,
        shared: SharedStore | None,
        hashing: bytes,
    ) -> None:
        """`check`, counted in `shared` (the cluster) when there is one: one budget for
        every worker. `hashing` keys the network's name in the store."""
        if shared is None:
            self.check(tenant, kind, network, now)
            return
        q: QuotaSetting | None = tenant.quotas
        if q is None:
            return
        per_site = q.sessions_per_minute if kind == "sessions" else q.collects_per_minute
        keys: list[bytes] = []
        limits: list[int] = []
        tag = b"c:{" + tenant.id.encode() + b"}"
        if per_site:
            keys.append(tag + b"s:" + kind.encode())
            limits.append(per_site)
        if q.per_network_per_minute and network is not None:
            name = hmac.new(hashing, b"quota\0" + network.encode(), hashlib.sha256)
            keys.append(tag + b"n:" + name.hexdigest()[:32].encode())
            limits.append(q.per_network_per_minute)
        if not keys:
            return
        which, wait = await shared.admit_window(keys, limits, WINDOW_S, os.urandom(12))
        if which:
            refused = keys[which - 1]
            raise TooManyRequests(
                f"the site key's {kind} quota is used up; retry later"
                if refused[len(tag) : len(tag) + 2] == b"s:"
                else "this network's quota is used up; retry later",
                retry_after=max(1, math.ceil(wait)),
            )

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
