"""Regions that place data: each region has a store of its own, and a tenant's sessions,
devices and everything derived from them live only in the region they belong to.

With the embedded store each region is its own RocksDB directory (`<data-dir>/regions/<name>`);
with a Redis Cluster, each region names its cluster in `region_stores` (or, without one,
shares the `store` cluster under a key prefix of its own, for trying it out). A tenant with
`region_mode = "forced"` keeps everything in its `region`; with `"collected"`, a session is
kept in the region its client's country belongs to (`region_countries`), the tenant's
region when the country is unmapped or unknown; a session once stored stays where it is.

Nothing crosses regions: device linking, velocity, reputation and cross-client history are
each region's own. (Cross-client statistics therefore stop at a region's border: they
cross it only as nothing at all, which keeps the rule "only as aggregates, never as
records" by construction.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import cast

from engine.config import ServiceFile, Tenant
from engine.store import (
    AsyncKeyValueStore,
    AsyncRocksStore,
    RedisClusterStore,
    RocksStore,
    WriteSet,
    direct_view,
)


async def _read(store: AsyncKeyValueStore, keys: list[bytes]) -> list[bytes | None]:
    direct = direct_view(store)  # RocksDB: point reads without an await
    return direct.get_many(keys) if direct is not None else await store.get_many(keys)


def region_dir(data_dir: Path, region: str) -> Path:
    return data_dir / "regions" / region


def region_dirs(data_dir: Path) -> list[tuple[str, Path]]:
    """The regions with an embedded store under `data_dir` (for tools)."""
    root = data_dir / "regions"
    if not root.is_dir():
        return []
    return [(d.name, d) for d in sorted(root.iterdir()) if (d / "rocksdb").is_dir()]


class PrefixedStore:
    """One region's share of a shared cluster: every key under `<region>/` (hash tags still
    decide slots: a tag is the first `{...}`, after the prefix)."""

    def __init__(self, inner: AsyncKeyValueStore, region: str) -> None:
        self.inner = inner
        self.prefix = f"{region}/".encode()

    async def get(self, key: bytes) -> bytes | None:
        return await self.inner.get(self.prefix + key)

    async def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        return await self.inner.get_many([self.prefix + k for k in keys])

    async def apply(self, writes: WriteSet) -> None:
        out = WriteSet()
        for key, value in writes.puts.items():
            out.put(self.prefix + key, value, expire_at=writes.expiries.get(key))
        for key in writes.deletes:
            out.delete(self.prefix + key)
        await self.inner.apply(out)

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        rows = await self.inner.scan(
            self.prefix + prefix,
            start=None if start is None else self.prefix + start,
            limit=limit,
        )
        n = len(self.prefix)
        return [(k[n:], v) for k, v in rows]

    async def key_pages(
        self, prefix: bytes, *, below: bytes | None = None, batch: int = 1000
    ) -> AsyncIterator[list[bytes]]:
        n = len(self.prefix)
        inner_below = None if below is None else self.prefix + below
        async for keys in self.inner.key_pages(
            self.prefix + prefix, below=inner_below, batch=batch
        ):
            yield [k[n:] for k in keys]

    async def flush(self) -> None:
        await self.inner.flush()

    async def aclose(self) -> None:
        return None  # the shared client is closed once, by its owner


class Regions:
    def __init__(
        self,
        stores: dict[str, AsyncKeyValueStore],
        countries: dict[str, str],
        owned: Iterable[AsyncKeyValueStore] = (),
    ) -> None:
        self.stores = stores
        self.countries = countries  # ISO country -> region
        self._owned = list(owned) or list(stores.values())

    def store(self, region: str) -> AsyncKeyValueStore:
        return self.stores[region]

    def for_collect(self, tenant: Tenant, country: str | None) -> str:
        """Where a new session of this tenant is kept."""
        if tenant.region_mode == "forced" or country is None:
            return tenant.region
        region = self.countries.get(country.upper(), tenant.region)
        return region if region in self.stores else tenant.region

    def search_order(self, tenant: Tenant) -> list[str]:
        """The tenant's region first (where its data mostly is), then the others."""
        if tenant.region_mode == "forced":
            return [tenant.region]
        return [tenant.region, *(r for r in self.stores if r != tenant.region)]

    async def first_holding(
        self, order: list[str], keys: list[bytes]
    ) -> tuple[str | None, list[bytes | None]]:
        """The first region of `order` that holds any of `keys`, with their values there
        (None and Nones when none does). Regions that share one cluster under prefixes are
        read together, in one call; a direct store (RocksDB) region by region."""
        at = 0
        while at < len(order):
            store = self.stores[order[at]]
            inner = store.inner if isinstance(store, PrefixedStore) else None
            group = [order[at]]
            while inner is not None and at + len(group) < len(order):
                other = self.stores[order[at + len(group)]]
                if not (isinstance(other, PrefixedStore) and other.inner is inner):
                    break
                group.append(order[at + len(group)])
            if inner is None:
                values = await _read(store, keys)
            else:
                prefixed = [
                    cast(PrefixedStore, self.stores[r]).prefix + k for r in group for k in keys
                ]
                values = await inner.get_many(prefixed)
            for i, region in enumerate(group):
                part = values[i * len(keys) : (i + 1) * len(keys)]
                if any(v is not None for v in part):
                    return region, part
            at += len(group)
        return None, [None] * len(keys)

    async def aclose(self) -> None:
        for store in self._owned:
            await store.aclose()


async def open_regions(cfg: ServiceFile, data_dir: Path, url: str) -> Regions:
    """A store per region: RocksDB directories, or Redis clusters (see the module doc)."""
    countries = {c.upper(): r for r, cs in cfg.region_countries.items() for c in cs}
    stores: dict[str, AsyncKeyValueStore] = {}
    owned: list[AsyncKeyValueStore] = []
    try:
        if not url and not cfg.region_stores:
            for region in cfg.regions:
                path = region_dir(data_dir, region)
                rocks = AsyncRocksStore(RocksStore(path, sync=cfg.sync_writes))
                stores[region] = rocks
                owned.append(rocks)
            return Regions(stores, countries, owned)
        shared: AsyncKeyValueStore | None = None
        for region in cfg.regions:
            own = cfg.region_stores.get(region)
            if own:
                cluster = await RedisClusterStore.connect(own)
                owned.append(cluster)
                stores[region] = cluster
            else:
                if shared is None:
                    shared = await RedisClusterStore.connect(url)
                    owned.append(shared)
                stores[region] = PrefixedStore(shared, region)
        return Regions(stores, countries, owned)
    except BaseException:
        for store in owned:
            await store.aclose()
        raise


class AllRegions:
    """Every region's embedded store under a data directory, read-only, as one store: for
    offline tools (training, backtests, evaluation). Scans merge the regions in key order;
    a point read takes the first region that has the key."""

    def __init__(self, stores: list[RocksStore]) -> None:
        self.stores = stores

    @classmethod
    def open(cls, data_dir: Path) -> AllRegions:
        paths = [path for _, path in region_dirs(data_dir)]
        if (data_dir / "rocksdb").is_dir():
            paths.insert(0, data_dir)
        if not paths:
            raise FileNotFoundError(f"{data_dir}: no anonscore store here (no rocksdb directory)")
        return cls([RocksStore(p, read_only=True) for p in paths])

    def get(self, key: bytes) -> bytes | None:
        for store in self.stores:
            value = store.get(key)
            if value is not None:
                return value
        return None

    def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        return [self.get(k) for k in keys]

    def prefetch(self, keys: list[bytes]) -> None:
        return None

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        rows: list[tuple[bytes, bytes]] = []
        for store in self.stores:
            rows += await store.scan(prefix, start=start, limit=limit)
        rows.sort(key=lambda kv: kv[0])
        return rows[:limit]

    def apply(self, writes: WriteSet) -> None:
        raise RuntimeError("the offline view of a data directory is read-only")

    async def flush(self) -> None:
        return None

    def close(self) -> None:
        for store in self.stores:
            store.close()
