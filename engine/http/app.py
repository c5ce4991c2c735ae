"""The Quart-Trio HTTP front: routing, body checks, deadlines, errors, CORS.

Handlers stay thin: read and check the body, then hand the work to the engine's actors
inside the request's deadline. Every error leaves as the JSON shape of API.md.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import trio
from quart import Response, request
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from engine import errors as E
from engine.actors import Engine
from engine.catalogue import attribute_catalogue, score_attributes
from engine.config import Tenant
from engine.http.console import render_console
from engine.http.openapi import openapi_document
from engine.metrics import Metrics
from engine.schema import (
    ErasureRequest,
    ErrorDetail,
    ErrorResponse,
    FeedbackRequest,
    ScoreRequest,
    SessionRequest,
)
from engine.service import ClientFacts, Service, check_erasure_request
from engine.validation import convert, decode_json, require_object

log = logging.getLogger("anonscore.http")
_enc = msgspec.json.Encoder()
STATIC = Path(__file__).resolve().parent.parent / "static"
JSON = "application/json"
T = TypeVar("T")
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


class AppState:
    """What the app needs; filled by the server as parts come up."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.service: Service | None = None
        self.engine: Engine | None = None
        self.ready = False
        self.started = time.time()


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_enc.encode(obj), status=status, headers=headers, content_type=JSON)


def error_response(exc: E.AnonscoreError) -> Response:
    body = ErrorResponse(error=ErrorDetail(code=exc.code, message=exc.message, field=exc.field))
    headers = None
    if isinstance(exc, E.Overloaded):
        headers = {"Retry-After": str(exc.retry_after)}
    return json_response(body, exc.status, headers)


def create_app(state: AppState) -> QuartTrio:
    app = QuartTrio("anonscore", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 10_000_000  # hard cap; the configured one is checked below
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    metrics = state.metrics

    def service() -> Service:
        if state.service is None or state.engine is None or not state.ready:
            raise E.Overloaded("the service is starting; retry shortly", retry_after=2)
        return state.service

    def client_facts() -> ClientFacts:
        """The client IP (the peer, or the last X-Forwarded-For hop when the peer is a
        trusted proxy) and header evidence, by name only."""
        headers = request.headers
        peer = (request.scope.get("client") or (None,))[0]
        ip: str | None = None
        trusted = False
        if peer is not None:
            try:
                peer_ip = ipaddress.ip_address(peer)
            except ValueError:
                peer_ip = None
            if peer_ip is not None:
                ip = str(peer_ip)
                trusted = any(peer_ip in net for net in service().runtime.config.trusted_proxies)
        forwarded = [h.strip() for h in headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        if forwarded and trusted:
            try:
                ip = str(ipaddress.ip_address(forwarded[-1]))
            except ValueError:
                pass
        evidence = [name for name in PROXY_EVIDENCE if name in headers]
        # hops beyond the one our trusted proxy appended mean another proxy on the way
        if forwarded and (not trusted or len(forwarded) > 1):
            evidence.append("x-forwarded-for")
        dnt = headers.get("DNT")
        return ClientFacts(
            origin=headers.get("Origin"),
            ip=ip,
            languages=_accept_languages(headers.get("Accept-Language", "")),
            dnt=None if dnt is None else dnt.strip() == "1",
            proxy_headers=tuple(evidence),
        )

    async def body_json() -> dict[str, Any]:
        ctype = request.headers.get("Content-Type", "")
        if ctype.split(";", 1)[0].strip().lower() != JSON:
            raise E.UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json"
            )
        limit = service().runtime.config.service.max_body_bytes
        length = request.content_length
        if length is not None and length > limit:
            raise E.PayloadTooLarge(f"request body must be at most {limit} bytes")
        body = await request.get_data(cache=False, as_text=False, parse_form_data=False)
        assert isinstance(body, bytes)
        if len(body) > limit:
            raise E.PayloadTooLarge(f"request body must be at most {limit} bytes")
        return require_object(decode_json(body))

    def backend_tenant() -> Tenant:
        auth = request.headers.get("Authorization", "")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise E.Unauthorized("missing API key; send Authorization: Bearer <tenant api key>")
        tenant = service().runtime.config.tenant_for_api_key(key.strip())
        if tenant is None:
            raise E.Unauthorized("invalid API key")
        return tenant

    def cors_headers() -> dict[str, str]:
        origin = request.headers.get("Origin")
        if origin is None or state.service is None:
            return {}
        if origin not in state.service.runtime.config.all_origins:
            return {}
        if request.method != "OPTIONS":
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {
            "Access-Control-Allow-Origin": origin,
            "Vary": "Origin",
            "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        }

    def engine() -> Engine:
        service()  # 503 while starting
        assert state.engine is not None
        return state.engine

    async def on_engine(job: Callable[[], T]) -> T:
        """Run a synchronous state operation on an actor, within the request's deadline."""
        return await within_deadline(engine().run(job))

    async def within_deadline(work: Awaitable[T]) -> T:
        """Await `work` (an engine job) within the request's deadline, else 503."""
        deadline = service().runtime.config.service.request_deadline_ms / 1000
        with trio.move_on_after(deadline):
            return await work
        raise E.Overloaded(
            "the request did not finish within its deadline; retry later", retry_after=1
        )

    def endpoint(name: str, cors: bool = False) -> Callable[..., Any]:
        def wrap(handler: Callable[[], Awaitable[Response]]) -> Callable[[], Awaitable[Response]]:
            async def view() -> Response:
                start = time.perf_counter()
                try:
                    if request.method == "OPTIONS":
                        response = Response(b"", status=204)
                    else:
                        response = await handler()
                except E.AnonscoreError as exc:
                    response = error_response(exc)
                    metrics.errors.labels(exc.code).inc()
                    log.info(
                        "request refused",
                        extra={
                            "endpoint": name,
                            "status": exc.status,
                            "code": exc.code,
                            "field": exc.field,
                        },
                    )
                if cors:
                    response.headers.update(cors_headers())
                metrics.observe_request(name, response.status_code, time.perf_counter() - start)
                return response

            view.__name__ = handler.__name__
            return view

        return wrap

    # -- collector side --------------------------------------------------------------------

    @app.route("/v1/sessions", methods=["POST", "OPTIONS"])
    @endpoint("sessions", cors=True)
    async def sessions() -> Response:
        req = convert(await body_json(), SessionRequest)
        svc = service()
        tenant = svc.tenant_for_site(req.site_key, request.headers.get("Origin"))
        result = await within_deadline(
            engine().run(lambda: svc.create_session(tenant, svc.clock()))
        )
        return json_response(result, 201)

    @app.route("/v1/collect", methods=["POST", "OPTIONS"])
    @endpoint("collect", cors=True)
    async def collect() -> Response:
        raw = await body_json()
        svc = service()
        client = client_facts()
        result = await on_engine(lambda: svc.collect(raw, client, svc.clock()))
        return json_response(result, 202)

    @app.get("/collector.js")
    @endpoint("collector_js", cors=True)
    async def collector_js() -> Response:
        return _static("collector.js", "application/javascript; charset=utf-8")

    @app.get("/")
    @app.get("/demo")
    @endpoint("demo")
    async def demo() -> Response:
        return _static("demo.html", "text/html; charset=utf-8")

    # -- back-end side ---------------------------------------------------------------------

    @app.post("/v1/score")
    @endpoint("score")
    async def score() -> Response:
        tenant = backend_tenant()
        req = convert(await body_json(), ScoreRequest)
        svc = service()
        result = await within_deadline(
            engine().run(lambda: svc.score(tenant, req.session_id, svc.clock()))
        )
        metrics.scores.observe(result.score)
        for flag, on in result.flags.items():
            if on:
                metrics.flags.labels(flag).inc()
        return json_response(result)

    @app.post("/v1/feedback")
    @endpoint("feedback")
    async def feedback() -> Response:
        tenant = backend_tenant()
        req = convert(await body_json(), FeedbackRequest)
        svc = service()
        result = await within_deadline(
            engine().run(lambda: svc.feedback(tenant, req.session_id, req.label))
        )
        return json_response(result, 202)

    @app.post("/v1/erasure")
    @endpoint("erasure")
    async def erasure() -> Response:
        tenant = backend_tenant()
        req = convert(await body_json(), ErasureRequest)
        check_erasure_request(req.session_id, req.device_id)
        svc = service()
        if req.session_id is not None:
            sid = req.session_id
            result = await on_engine(lambda: svc.erase_session(tenant, sid))
        else:
            did = req.device_id
            assert did is not None
            result = await within_deadline(
                engine().run_async(lambda: svc.erase_device(tenant, did))
            )
        return json_response(result)

    @app.get("/v1/attributes")
    @endpoint("attributes")
    async def attributes() -> Response:
        tenant = backend_tenant()
        described = service().host.describe_features()
        return json_response(attribute_catalogue(tenant) + score_attributes(described, tenant))

    # -- operations ------------------------------------------------------------------------

    @app.get("/healthz")
    @endpoint("healthz")
    async def healthz() -> Response:
        return json_response({"status": "alive"})

    @app.get("/readyz")
    @endpoint("readyz")
    async def readyz() -> Response:
        if not state.ready:
            return json_response({"status": "starting"}, 503, {"Retry-After": "1"})
        return json_response({"status": "ready"})

    @app.get("/metrics")
    @endpoint("metrics")
    async def metrics_view() -> Response:
        if state.engine is not None:
            metrics.queue.set(state.engine.queued())
        return Response(metrics.render(), content_type="text/plain; version=0.0.4")

    @app.get("/console")
    @endpoint("console")
    async def console() -> Response:
        svc = state.service
        page = render_console(
            metrics,
            ready=state.ready,
            queued=state.engine.queued() if state.engine is not None else 0,
            model_version=svc.runtime.model.version if svc is not None else "-",
            tenants=len(svc.runtime.config.tenants) if svc is not None else 0,
            started=state.started,
        )
        return Response(page, content_type="text/html; charset=utf-8")

    @app.get("/openapi.json")
    @endpoint("openapi")
    async def openapi() -> Response:
        return Response(openapi_document(), content_type=JSON)

    # -- errors the router raises (404, 405, 413...) keep the API shape --------------------

    @app.errorhandler(HTTPException)
    async def http_error(exc: HTTPException) -> Response:
        status = exc.code or 400
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            status, "bad_request"
        )
        message = {
            404: "no such endpoint; see /openapi.json",
            405: "method not allowed on this endpoint; see /openapi.json",
            413: "request body is too large",
        }.get(status, "bad request")
        metrics.errors.labels(code).inc()
        return json_response(ErrorResponse(error=ErrorDetail(code=code, message=message)), status)

    @app.errorhandler(Exception)
    async def internal_error(exc: Exception) -> Response:
        log.error("internal error", extra={"exc": type(exc).__name__})
        metrics.errors.labels("internal").inc()
        return json_response(
            ErrorResponse(
                error=ErrorDetail(code="internal", message="internal error; it was logged")
            ),
            500,
        )

    return app


def _static(name: str, content_type: str) -> Response:
    path = STATIC / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise E.NotFound(f"{name} is not installed") from None
    return Response(
        data, content_type=content_type, headers={"Cache-Control": "public, max-age=300"}
    )


def _accept_languages(header: str) -> tuple[str, ...]:
    """Primary language tags of Accept-Language, in order, at most 8 (no q-values)."""
    out: list[str] = []
    for part in header.split(","):
        tag = part.split(";", 1)[0].strip().lower()
        primary = tag.split("-", 1)[0]
        if primary.isalpha() and 1 < len(primary) < 9 and primary not in out:
            out.append(primary)
        if len(out) == 8:
            break
    return tuple(out)


def freeze_heap() -> None:
    """After warm-up: move everything alive into the permanent generation (p99, DESIGN.md)."""
    gc.collect()
    gc.freeze()
    # requests allocate many short-lived objects: collect the young generation less often
    gc.set_threshold(20_000, 20, 100)
