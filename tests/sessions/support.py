"""The session operations without the HTTP server: a `Service` built as
engine/runtime/server.py builds it, on RocksDB in a temporary directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from engine.config import Tenant
from engine.ipdata import load_ip_data
from engine.privacy import IpReducer
from engine.privacy.secrets import derive_keys
from engine.runtime.reloading import load_runtime
from engine.schema import CollectResponse, ScoreResponse
from engine.scoring.pipeline import ENGINE_ATTRIBUTES
from engine.scoring.plugin_host import PluginHost, build_plugin_manager
from engine.sessions.facts import ClientFacts
from engine.sessions.service import Service
from engine.store.keys import session_key
from engine.store.regions import open_regions
from tests.support import ORIGIN, web_attributes

SECRET = b"\x07" * 32
NOW = 1_780_000_000.0  # a fixed instant: every test passes its own `now`


class Domain:
    """A Service and the calls a page and a lender's back-end make, minus HTTP."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.now = NOW
        service.clock = lambda: self.now

    def tenant(self, tenant_id: str = "demo") -> Tenant:
        return self.service.runtime.config.tenants[tenant_id]

    def session(self, tenant_id: str = "demo") -> str:
        return self.service.create_session(self.tenant(tenant_id), self.now).session_id

    def body(
        self, sid: str, attributes: dict[str, Any] | None = None, tenant_id: str = "demo"
    ) -> dict[str, Any]:
        return {
            "session_id": sid,
            "site_key": self.tenant(tenant_id).site_key,
            "channel": "web",
            "attributes": web_attributes() if attributes is None else attributes,
        }

    async def collect(
        self, sid: str, attributes: dict[str, Any] | None = None, tenant_id: str = "demo"
    ) -> CollectResponse:
        body = self.body(sid, attributes, tenant_id)
        ua = body["attributes"].get("software", {}).get("user_agent")
        client = ClientFacts(origin=ORIGIN, ip="81.2.69.160", user_agent=ua)
        return await self.service.collect(body, client, self.now)

    async def score(self, sid: str, tenant_id: str = "demo") -> ScoreResponse:
        return await self.service.score(self.tenant(tenant_id), sid, self.now)

    def sh(self, sid: str) -> str:
        from engine.sessions.tokens import session_hash

        return session_hash(self.service.keys.hashing, sid)

    async def stored(self, sid: str) -> dict[str, bytes | None]:
        """The session's record in each region (None where it is not)."""
        key = session_key(self.sh(sid))
        return {r: await s.get(key) for r, s in self.service.stores.items()}

    async def snapshot(self) -> dict[bytes, bytes]:
        out: dict[bytes, bytes] = {}
        for store in self.service.stores.values():
            out.update(dict(await store.scan(b"", limit=10_000_000)))
        return out


@asynccontextmanager
async def open_domain(data_dir: Path, config_dir: Path) -> AsyncIterator[Domain]:
    host = PluginHost(build_plugin_manager(), reserved=frozenset(ENGINE_ATTRIBUTES))
    runtime = load_runtime(config_dir, host.names)
    host.codes = frozenset(runtime.model.codes)
    regions = await open_regions(runtime.config.service, data_dir, "")
    keys = derive_keys(SECRET)
    reducer = IpReducer(keys.hashing, load_ip_data(runtime.config.service.ip_data_dir))
    try:
        yield Domain(Service(regions, keys, host, runtime, reducer))
    finally:
        await regions.aclose()
