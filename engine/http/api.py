"""The API endpoints (`/v1/*`), answered without a web framework.

Each handler reads the (already size-checked) body, validates it against the schema and
hands the state operation to the engine's actors; the front (`front.py`) has already
checked the method, Content-Type, API key and admission, and applies the deadline.
"""

from __future__ import annotations

from typing import Any

from engine import errors as E
from engine.config import Tenant
from engine.http.appstate import AppState
from engine.http.client import client_facts, client_ip, network_of
from engine.http.messages import Request, Response, json_response
from engine.http.quotas import Quotas
from engine.schema import (
    ErasureRequest,
    FeedbackRequest,
    ScoreRequest,
    SessionRequest,
)
from engine.sessions.actors import Engine
from engine.sessions.catalogue import attribute_catalogue, score_attributes
from engine.sessions.service import Service, check_erasure_request
from engine.store.shared import SharedStore, shared_store
from engine.validation import convert, decode_json, require_object


def _quota_store(svc: Service) -> tuple[SharedStore | None, bytes]:
    """Where quotas count (the cluster, shared by all workers; None: this process) and the
    key that names networks there."""
    return shared_store(svc.regions.stores), svc.keys.hashing


def body_json(request: Request) -> dict[str, Any]:
    return require_object(decode_json(request.body))


class Api:
    def __init__(self, state: AppState) -> None:
        self.state = state
        self.metrics = state.metrics
        self.quotas = Quotas()

    def service(self) -> Service:
        svc = self.state.service
        if svc is None or not self.state.ready:
            raise E.Overloaded("the service is starting; retry shortly", retry_after=2)
        return svc

    def engine(self) -> Engine:
        self.service()
        assert self.state.engine is not None
        return self.state.engine

    @staticmethod
    def tenant(request: Request) -> Tenant:
        tenant = request.head.tenant
        assert isinstance(tenant, Tenant), "back-end routes check the API key at the head"
        return tenant

    # -- collector side --------------------------------------------------------------------

    @staticmethod
    def site_tenant(svc: Service, raw: dict[str, Any]) -> Tenant | None:
        """The tenant a collector body names by its site key, if any (checked later)."""
        site = raw.get("site_key")
        return svc.runtime.config.by_site_key.get(site) if isinstance(site, str) else None

    @staticmethod
    def secrets(tenant: Tenant | None) -> tuple[bytes, ...]:
        """The proxy secrets that vouch for X-Forwarded-For on this tenant's requests."""
        return () if tenant is None else tenant.proxy_secret_digests

    async def sessions(self, request: Request) -> Response:
        req = convert(body_json(request), SessionRequest)
        svc = self.service()
        head = request.head
        tenant = svc.tenant_for_site(req.site_key, head.headers.get("origin"))
        now = svc.clock()
        if tenant.quotas is not None:
            ip, _ = client_ip(head, svc.runtime.config.trusted_proxies, tenant.proxy_secret_digests)
            await self.quotas.admit(tenant, "sessions", network_of(ip), now, *_quota_store(svc))
        # a session costs no storage: the signed token carries tenant and issue time
        return json_response(svc.create_session(tenant, now), 201)

    async def collect(self, request: Request) -> Response:
        raw = body_json(request)
        svc = self.service()
        tenant = self.site_tenant(svc, raw)
        client = client_facts(
            request.head, svc.runtime.config.trusted_proxies, self.secrets(tenant)
        )
        now = svc.clock()
        if tenant is not None and tenant.quotas is not None:
            await self.quotas.admit(
                tenant, "collects", network_of(client.ip), now, *_quota_store(svc)
            )
        result = await self.engine().run_async(lambda: svc.collect(raw, client, now))
        return json_response(result, 202)

    async def optout(self, request: Request) -> Response:
        raw = body_json(request)
        svc = self.service()
        secrets = self.secrets(self.site_tenant(svc, raw))
        client = client_facts(request.head, svc.runtime.config.trusted_proxies, secrets)
        result = await self.engine().run_async(lambda: svc.optout(raw, client))
        return json_response(result)

    # -- back-end side ---------------------------------------------------------------------

    async def score(self, request: Request) -> Response:
        tenant = self.tenant(request)
        req = convert(body_json(request), ScoreRequest)
        svc = self.service()
        result = await self.engine().run_async(
            lambda: svc.score(tenant, req.session_id, svc.clock())
        )
        self.metrics.observe_score(result.score, result.flags)
        return json_response(result)

    async def feedback(self, request: Request) -> Response:
        tenant = self.tenant(request)
        req = convert(body_json(request), FeedbackRequest)
        svc = self.service()
        result = await self.engine().run_async(
            lambda: svc.feedback(tenant, req.session_id, req.label)
        )
        return json_response(result, 202)

    async def erasure(self, request: Request) -> Response:
        tenant = self.tenant(request)
        req = convert(body_json(request), ErasureRequest)
        sid = req.session_id or None
        did = req.device_id or None
        check_erasure_request(sid, did)
        svc = self.service()
        if sid is not None:
            result = await self.engine().run_async(lambda: svc.erase_session(tenant, sid))
        else:
            assert did is not None
            result = await self.engine().run_async(lambda: svc.erase_device(tenant, did))
        return json_response(result)

    async def attributes(self, request: Request) -> Response:
        tenant = self.tenant(request)
        described = self.service().host.describe_features()
        return json_response(attribute_catalogue(tenant) + score_attributes(described, tenant))
