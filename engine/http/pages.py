"""The Quart (quart-trio) app: the pages and operator routes.

The collector script, the demo page, health and readiness, metrics, the console and the
OpenAPI document. The API endpoints are answered by `api.py` without Quart's per-request
machinery; anything Quart does not know answers 404 or 405 in the API's error shape.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from pathlib import Path

from quart import Response
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine import errors as E
from engine.http.appstate import AppState
from engine.http.console import render_console
from engine.http.messages import ErrorDetail, ErrorResponse
from engine.http.openapi import openapi_document

log = logging.getLogger("anonscore.http")
STATIC = Path(__file__).resolve().parent.parent / "static"
JSON = "application/json"


def _json(obj: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    import msgspec

    return Response(msgspec.json.encode(obj), status=status, headers=headers, content_type=JSON)


def create_pages_app(state: AppState, max_body_bytes: int = 65_536) -> QuartTrio:
    app = QuartTrio("anonscore", static_folder=None)
    # the connection already refused larger bodies while they streamed in
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    metrics = state.metrics

    @app.get("/collector.js")
    async def collector_js() -> Response:
        response = _static("collector.js", "application/javascript; charset=utf-8")
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @app.get("/")
    @app.get("/demo")
    async def demo() -> Response:
        return _static("demo.html", "text/html; charset=utf-8")

    @app.get("/healthz")
    async def healthz() -> Response:
        # which of `--workers N` answered (their number, not their pid): for operators
        headers = {"X-Anonscore-Worker": str(state.worker)} if state.worker else None
        return _json({"status": "alive"}, headers=headers)

    @app.get("/readyz")
    async def readyz() -> Response:
        reason = state.readiness()
        if reason is not None or state.service is None:
            body = {"status": "starting"} if reason == "starting" else {"status": "waiting"}
            return _json({**body, "reason": reason}, 503, {"Retry-After": "1"})
        svc = state.service
        return _json(
            {
                "status": "ready",
                "storage": "open",
                "kernels": "compiled",
                "model_version": svc.runtime.model.version,
                "ip_data": svc.ip.data.describe(time.time()),
            }
        )

    @app.get("/metrics")
    async def metrics_view() -> Response:
        metrics.refresh(state)
        return Response(metrics.render(), content_type="text/plain; version=0.0.4")

    @app.get("/console")
    async def console() -> Response:
        svc = state.service
        metrics.refresh(state)
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
    async def openapi() -> Response:
        return Response(openapi_document(), content_type=JSON)

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
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        body = ErrorResponse(error=ErrorDetail(code=code, message=message))
        return _json(body, status, headers)

    @app.errorhandler(Exception)
    async def internal_error(exc: Exception) -> Response:
        log.error("internal error", extra={"exc": type(exc).__name__})
        metrics.errors.labels("internal").inc()
        return _json(
            ErrorResponse(
                error=ErrorDetail(code="internal", message="internal error; it was logged")
            ),
            500,
        )

    return app


def page_matcher(app: QuartTrio) -> Callable[[str, str], tuple[int, tuple[str, ...]]]:
    """(path, method) -> 0 when the app serves it, else 404 or 405 and the allowed methods
    (werkzeug's own routing, so the answer matches what the app would say)."""
    adapter = app.url_map.bind("localhost")

    def match(path: str, method: str) -> tuple[int, tuple[str, ...]]:
        try:
            adapter.match(path, method)
        except MethodNotAllowed as exc:
            return 405, tuple(sorted(exc.valid_methods or ()))
        except HTTPException:
            return 404, ()
        return 0, ()

    return match


def _static(name: str, content_type: str) -> Response:
    path = STATIC / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        missing = E.NotFound(f"{name} is not installed")
        body = ErrorResponse(error=ErrorDetail(code=missing.code, message=missing.message))
        return _json(body, 404)
    return Response(
        data, content_type=content_type, headers={"Cache-Control": "public, max-age=300"}
    )


def freeze_heap() -> None:
    """After warm-up: move everything alive into the permanent generation, so the
    collector never walks it again (the tail latency, docs/performance.md)."""
    gc.collect()
    gc.freeze()
    # requests allocate many short-lived objects: collect the young generation less often
    gc.set_threshold(20_000, 20, 100)
