"""The Quart (quart-trio) app: the HTML pages.

The operator console (`/console`, to grow into the analyst console) and the demo page
(`/demo`, `/`): pages a browser renders, where a web framework's templating, sessions and
request helpers earn their cost. Everything else (the `/v1` API, probes, metrics, the
collector script, the OpenAPI document) is answered on our own layer (front.py); the front
routes by the one table (routes.py), so this app sees only the paths routed to it, and
any error it still raises is answered in the API's shape by `messages.error_response`.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from quart import Response
from quart_trio import QuartTrio

from engine import errors as E
from engine.http.appstate import AppState
from engine.http.console import render_console
from engine.http.messages import Response as PlainResponse
from engine.http.messages import error_for_status, error_response

log = logging.getLogger("anonscore.http")
STATIC = Path(__file__).resolve().parent.parent / "static"


def _quart(plain: PlainResponse) -> Response:
    """One of our responses (an error, rendered by messages.py) as Quart's."""
    return Response(plain.body, status=plain.status, headers=dict(plain.headers))


def create_pages_app(state: AppState, max_body_bytes: int) -> QuartTrio:
    app = QuartTrio("anonscore", static_folder=None)
    # the connection already refused larger bodies while they streamed in
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    metrics = state.metrics

    @app.get("/")
    @app.get("/demo")
    async def demo() -> Response:
        return _static("demo.html", "text/html; charset=utf-8")

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

    async def framework_error(exc: Exception) -> Response:
        # Quart's own refusals (werkzeug's HTTPException carries the status as `code`)
        error = error_for_status(int(getattr(exc, "code", None) or 400))
        metrics.count_error(error.code)
        return _quart(error_response(error))

    for status in (400, 404, 405, 413):
        app.register_error_handler(status, framework_error)

    @app.errorhandler(Exception)
    async def internal_error(exc: Exception) -> Response:
        log.error("internal error", extra={"exc": type(exc).__name__})
        metrics.count_error("internal")
        return _quart(error_response(E.Internal("internal error; it was logged")))

    return app


def _static(name: str, content_type: str) -> Response:
    try:
        data = (STATIC / name).read_bytes()
    except FileNotFoundError:
        return _quart(error_response(E.NotFound(f"{name} is not installed")))
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
