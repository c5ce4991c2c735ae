"""The cluster store: the storage interface on a Redis or Valkey Cluster (valkey-glide).

Why a cluster and not our own replication: past one machine, API workers become stateless and
the state lives in a store that already shards, replicates and fails over (the scaling
plan: docs/results/bench/scaling.md). Why valkey-glide: its Rust core follows the cluster
(slot map, MOVED/ASK, reconnection) and its Python layer runs natively under Trio (it
detects Trio with sniffio and waits on its response pipe with a Trio system task); no
asyncio bridge, no thread per call.

What `apply` guarantees (stated in docs/operating.md, "Storage", too):

- Within one hash slot, a write set's puts and deletes run as one MULTI/EXEC on the slot's
  master: no other client sees half of it, and an AOF replay keeps it whole or drops it whole
  (Redis reverts a transaction cut off at the end of the AOF). Our commands (SET, DEL) cannot
  fail at run time on any value, so EXEC applies all of a group or, refused before it runs
  (EXECABORT), none of it. A slot with a single write (most of a scored session's index
  entries: band lists, the sketch, reputation) needs no transaction: those go together in
  one pipelined batch that glide splits by master and sends at once.
- Across slots, the transactions run one after another in slot order, then the batch.
  Acknowledged (`apply` returned) means every write was acknowledged by its master. If
  `apply` raises `StoreUnavailable` (or the process dies), any of the groups may have been
  applied: every group is whole values and deletes with absolute expiries, so applying the
  same write set again is safe and completes it. Keys that must change together therefore
  share a hash tag.
- Replication is asynchronous: a write acknowledged by a master that dies before its replica
  has it is lost when the replica is promoted (the window is typically below a second), and the
  loss is per slot, so a cross-slot set can come back partly applied. With AOF
  (`appendfsync everysec`) a master that crashes and restarts without a failover keeps every
  acknowledged write unless the machine itself crashed (then up to about a second is lost).

Reads go to masters only (read-your-writes). Every call is bounded by the client's request
timeout (500 ms by default; a cancel scope of ours backs it up), and every failure of the
store (a node down, CLUSTERDOWN during a failover, a timeout, a closed connection) becomes
`StoreUnavailable`.
"""

from __future__ import annotations

import bisect
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, TypeVar, cast

import trio
from glide import (
    AdvancedGlideClusterClientConfiguration,
    ClusterBatch,
    ClusterBatchOptions,
    ConditionalChange,
    ExpirySet,
    ExpiryType,
    GlideClusterClient,
    GlideClusterClientConfiguration,
    NodeAddress,
    RandomNode,
    Script,
    ServerCredentials,
    SlotIdRoute,
    SlotType,
    TlsAdvancedConfiguration,
)
from glide import ClosingError as _GlideClosed
from glide import ConnectionError as _GlideConnection
from glide import GlideError as _GlideError
from glide import Logger as GlideLogger
from glide import LogLevel as GlideLogLevel
from glide import TimeoutError as _GlideTimeout

from engine.store._address import PASSWORD_ENV, parse_store_url
from engine.store._errors import StoreUnavailable
from engine.store._interface import WriteSet
from engine.store._slots import glob_escape, key_slot, prefix_slot

T = TypeVar("T")
_SCAN_COUNT = 1000  # keys a node examines per SCAN step (a hint to the server)


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn any failure of the store or of the client library into `StoreUnavailable`."""
    try:
        yield
    except _GlideTimeout as exc:
        raise StoreUnavailable(_LATE) from exc
    except (_GlideConnection, _GlideClosed) as exc:
        raise StoreUnavailable("a node of the store is unreachable; retry shortly") from exc
    except _GlideError as exc:  # CLUSTERDOWN, TRYAGAIN, LOADING, OOM...: the server refused
        raise StoreUnavailable("the store refused the request; retry shortly") from exc


_LATE = "the store did not answer in time; retry shortly"

# A sliding window per key (a sorted set of admission times, in the server's clock so that
# workers' clocks do not matter): every key is checked first, then, only when all have
# room, the request is counted in each and each key's expiry pushed to one window ahead.
# Returns {0, 0} when admitted, else {i, ms}: the i-th key is full for `ms` more.
_WINDOW = Script(  # type: ignore[no-untyped-call]
    """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[i + 2]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local wait = window
    if oldest[2] then wait = tonumber(oldest[2]) + window - now end
    return {i, wait}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, window)
end
return {0, 0}
"""
)


class RedisClusterStore:
    """`AsyncKeyValueStore` on a Redis/Valkey Cluster: `await RedisClusterStore.connect(url)`."""

    def __init__(self, client: GlideClusterClient, *, request_timeout: float) -> None:
        self._client = client
        self._timeout_ms = max(1, round(request_timeout * 1000))
        # our own bound, past glide's, on every call
        self._deadline = request_timeout * 1.5 + 0.05

    @classmethod
    async def connect(
        cls, url: str, *, request_timeout: float = 0.5, connect_timeout: float = 0.5
    ) -> RedisClusterStore:
        """Connect through any seed node of `url` and discover the cluster.

        `request_timeout` bounds each call (each SCAN step for `scan`), reconnections and
        redirections included; `connect_timeout` bounds each TCP connection (at start and on
        reconnection). The first connection blocks the event loop for up to
        `connect_timeout` per seed: call this at start-up, not per request."""
        address = parse_store_url(url)
        tls_config = None
        if address.ca_file is not None:
            tls_config = TlsAdvancedConfiguration(root_pem_cacerts=address.ca_file.read_bytes())
        config = GlideClusterClientConfiguration(
            [NodeAddress(host, port) for host, port in address.seeds],
            use_tls=address.tls,
            credentials=(
                ServerCredentials(password=address.password, username=address.username)
                if address.password
                else None
            ),
            request_timeout=max(1, round(request_timeout * 1000)),
            client_name="anonscore",
            advanced_config=AdvancedGlideClusterClientConfiguration(
                connection_timeout=max(1, round(connect_timeout * 1000)), tls_config=tls_config
            ),
        )
        # glide's core writes its own lines to stdout, a WARN per failed request during an
        # outage; ours is StoreUnavailable. Errors only, unless the process set glide's
        # Logger up first (init keeps an existing configuration).
        GlideLogger.init(GlideLogLevel.ERROR)
        try:
            client = await GlideClusterClient.create(config)
        except _GlideError as exc:
            said = str(exc).upper()  # the servers' own error codes, inside glide's message
            refused = any(code in said for code in ("WRONGPASS", "NOAUTH", "NOPERM"))
            raise StoreUnavailable(
                f"the store at {address.redacted()} refused the login; check the user name "
                f"and password (url or {PASSWORD_ENV})"
                if refused
                else f"cannot reach the store at {address.redacted()} through its seed "
                "nodes; check the store url, TLS, and that the cluster is up (a Redis or "
                "Valkey Cluster: cluster-enabled yes; a standalone server is not one)"
            ) from exc
        return cls(client, request_timeout=request_timeout)

    async def _ask(self, call: Awaitable[T]) -> T:
        """Await one call to the cluster: bounded, and any failure is `StoreUnavailable`."""
        with _translated(), trio.move_on_after(self._deadline):
            return await call
        raise StoreUnavailable(_LATE)

    async def get(self, key: bytes) -> bytes | None:
        return await self._ask(self._client.get(key))

    async def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        """One MGET that glide splits by slot, each part sent to its master concurrently."""
        if not keys:
            return []
        return await self._ask(self._client.mget(list(keys)))

    async def apply(self, writes: WriteSet) -> None:
        """Group the writes by hash slot; run each group as one MULTI/EXEC on its master,
        in slot order (see the module docstring for what that guarantees)."""
        atomic, single = _groups(writes)
        for slot, batch in atomic:
            options = ClusterBatchOptions(
                timeout=self._timeout_ms, route=SlotIdRoute(SlotType.PRIMARY, slot)
            )
            await self._ask(self._client.exec(batch, raise_on_error=True, options=options))
        if single is not None:
            options = ClusterBatchOptions(timeout=self._timeout_ms)
            await self._ask(self._client.exec(single, raise_on_error=True, options=options))

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        """Up to `limit` pairs in key order from `start`, like RocksDB.

        Cost: when the prefix holds a whole hash tag (`x:{tag}`), the keys of that one slot
        (CLUSTER GETKEYSINSLOT on its master). Otherwise SCAN MATCH on every master, which
        walks every key of the cluster, for each call: paging through P keys costs P/limit
        walks (a sweep lists with `key_pages` instead: one walk). Keys are sorted here,
        keeping only the `limit` smallest (memory O(limit)). For erasure and audits, never
        on a request's path."""
        if limit <= 0:
            return []
        floor = prefix if start is None or start < prefix else start
        kept: list[bytes] = []  # sorted, at most `limit` keys
        slot = prefix_slot(prefix)
        if slot is not None:
            _keep(kept, await self._keys_in_slot(slot), prefix, floor, limit)
        else:
            async for step in self._scan_masters(prefix):
                _keep(kept, step, prefix, floor, limit)
        values = await self.get_many(kept)
        return [(k, v) for k, v in zip(kept, values, strict=True) if v is not None]

    async def key_pages(
        self, prefix: bytes, *, below: bytes | None = None, batch: int = 1000
    ) -> AsyncIterator[list[bytes]]:
        """One pass: the slot's keys when the prefix holds a whole hash tag, else one
        cluster SCAN MATCH (each master walked once), its keys given a page at a time."""

        def wanted(key: bytes) -> bool:
            return key.startswith(prefix) and (below is None or key < below)

        batch = max(batch, 1)
        slot = prefix_slot(prefix)
        if slot is not None:
            keys = sorted(k for k in await self._keys_in_slot(slot) if wanted(k))
            for at in range(0, len(keys), batch):
                yield keys[at : at + batch]
            return
        page: list[bytes] = []
        async for step in self._scan_masters(prefix):
            page += [k for k in step if wanted(k)]
            while len(page) >= batch:
                yield page[:batch]
                page = page[batch:]
        if page:
            yield page

    async def _scan_masters(self, prefix: bytes) -> AsyncIterator[list[bytes]]:
        """The keys of `prefix` on every master, one SCAN MATCH step at a time: each master
        in turn, its cursor's calls sent to one of its slots. Not glide's cluster scan
        (`ClusterScanCursor`): with a master down, its retries of that master held every
        other request of the client (GETs to healthy masters timed out for over 40 s); a
        plain SCAN to a dead master fails like any other call. Slots that move during a
        pass (resharding) can be missed or given twice."""
        pattern = glob_escape(prefix) + b"*"
        ranges = await self._ask(self._client.custom_command(["CLUSTER", "SLOTS"], RandomNode()))
        first: dict[bytes, int] = {}  # master's node id -> one slot it serves
        for entry in cast(list[list[Any]], ranges):
            first.setdefault(bytes(entry[2][2]), int(entry[0]))
        for slot in sorted(first.values()):
            route = SlotIdRoute(SlotType.PRIMARY, slot)
            cursor = b"0"
            while True:
                command = ["SCAN", cursor, "MATCH", pattern, "COUNT", str(_SCAN_COUNT)]
                reply = await self._ask(self._client.custom_command(command, route))
                cursor, keys = cast(list[Any], reply)
                yield cast(list[bytes], keys)
                if cursor in (b"0", "0", 0):
                    break

    async def _keys_in_slot(self, slot: int) -> list[bytes]:
        route = SlotIdRoute(SlotType.PRIMARY, slot)
        count = await self._ask(
            self._client.custom_command(["CLUSTER", "COUNTKEYSINSLOT", str(slot)], route)
        )
        if not count:
            return []
        keys = await self._ask(
            self._client.custom_command(["CLUSTER", "GETKEYSINSLOT", str(slot), str(count)], route)
        )
        return cast(list[bytes], keys)

    async def put_if_absent(self, key: bytes, value: bytes) -> bytes:
        """Store `value` under `key` unless the key holds one (SET NX: of workers racing,
        exactly one wins); the value the key holds afterwards, the winner's."""
        written = await self._ask(
            self._client.set(key, value, conditional_set=ConditionalChange.ONLY_IF_DOES_NOT_EXIST)
        )
        if written is not None:
            return value
        held = await self.get(key)
        if held is None:  # deleted between the two calls: nothing to agree with, try again
            return await self.put_if_absent(key, value)
        return held

    async def admit_window(
        self, keys: list[bytes], limits: list[int], window_s: float, token: bytes
    ) -> tuple[int, float]:
        """One round trip: a request counted in the sliding window of every key (all on one
        hash slot) when each holds fewer than its limit, else nothing counted. (0, 0.0) when
        admitted, else (i, seconds until the i-th key, 1-based, has room)."""
        args: list[str | bytes] = [str(max(1, round(window_s * 1000))), token]
        args += [str(n) for n in limits]
        reply = await self._ask(self._client.invoke_script(_WINDOW, keys=list(keys), args=args))
        which, wait_ms = cast(list[int], reply)
        return int(which), max(0.0, int(wait_ms) / 1000)

    async def flush(self) -> None:
        """Nothing to do from the client: durability is the servers' (AOF, replicas)."""

    async def aclose(self) -> None:
        with _translated():
            await self._client.close()


def _keep(kept: list[bytes], keys: list[bytes], prefix: bytes, floor: bytes, limit: int) -> None:
    """Merge `keys` into `kept` (sorted, distinct): only keys of `prefix` from `floor`, and
    only the `limit` smallest."""
    for key in keys:
        if not key.startswith(prefix) or key < floor:
            continue
        at = bisect.bisect_left(kept, key)
        if at < len(kept) and kept[at] == key:
            continue  # SCAN may return a key twice
        if at >= limit:
            continue
        kept.insert(at, key)
        if len(kept) > limit:
            kept.pop()


def _groups(writes: WriteSet) -> tuple[list[tuple[int, ClusterBatch]], ClusterBatch | None]:
    """One atomic batch per hash slot that has several writes, in slot order (DEL of the
    slot's deletes, then one SET per put, with PXAT when the put has an expiry: in the same
    transaction); and one pipelined, non-atomic batch of every slot's single write."""
    deletes: dict[int, list[bytes]] = {}
    puts: dict[int, list[bytes]] = {}
    for key in writes.deletes:
        deletes.setdefault(key_slot(key), []).append(key)
    for key in writes.puts:
        puts.setdefault(key_slot(key), []).append(key)
    atomic: list[tuple[int, ClusterBatch]] = []
    single: ClusterBatch | None = None
    for slot in sorted(deletes.keys() | puts.keys()):
        n = len(deletes.get(slot, ())) + len(puts.get(slot, ()))
        if n == 1:
            single = single or ClusterBatch(is_atomic=False)
            batch = single
        else:
            batch = ClusterBatch(is_atomic=True)
            atomic.append((slot, batch))
        if slot in deletes:
            batch.delete(sorted(deletes[slot]))
        for key in sorted(puts.get(slot, ())):
            expire_at = writes.expiries.get(key)
            expiry = (
                None
                if expire_at is None
                else ExpirySet(ExpiryType.UNIX_MILLSEC, math.ceil(expire_at * 1000))
            )
            batch.set(key, writes.puts[key], expiry=expiry)
    return atomic, single
