"""The operational pages, answered on our own layer: probes, metrics, the collector script
and the OpenAPI document.

None of them is HTML: each is a few bytes built from the app state, so they skip the
Quart request path (which cost more than scoring, issue 19) and a load balancer's probe
costs what a session costs. Readiness is decided in one place, of the app state alone:
`is_ready` (what the front checks before admitting an API request, and what `/readyz`
answers by) and `readiness` (the answer of `/readyz`, with its reason when not ready).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from engine import errors as E
from engine.http.messages import JSON, Request, Response, error_response, json_response

if TYPE_CHECKING:
    from engine.http.appstate import AppState

STATIC = Path(__file__).resolve().parent.parent / "static"


class Health(msgspec.Struct):
    """The process runs (`/healthz`)."""

    status: str


class Readiness(msgspec.Struct, omit_defaults=True):
    """`/readyz`: `status` is "ready" (200), else "starting" (storage, kernels) or "waiting"
    (for the IP data, or its build) with the `reason` in words (503)."""

    status: str
    reason: str | None = None
    storage: str | None = None
    kernels: str | None = None
    model_version: str | None = None
    ip_data: dict[str, Any] | None = None


def is_ready(state: AppState) -> bool:
    """Whether the service can score: set by the server once the storage is open, the
    kernels compiled and the IP data loaded (engine/runtime/server.py, readiness.py)."""
    return state.readiness() is None


def readiness(state: AppState) -> Readiness:
    """`/readyz`'s answer: what is ready, or the reason it is not."""
    svc = state.service
    reason = state.readiness()
    if reason is not None or svc is None:
        if reason in (None, "starting"):
            return Readiness(status="starting")
        return Readiness(status="waiting", reason=reason)
    return Readiness(
        status="ready",
        storage="open",
        kernels="compiled",
        model_version=svc.runtime.model.version,
        ip_data=svc.ip.data.describe(time.time()),
    )


class FastPages:
    """The handlers; each takes a `Request` and returns a `Response` (routes.py names them)."""

    def __init__(self, state: AppState, openapi: bytes) -> None:
        self.state = state
        self._openapi = openapi

    async def healthz(self, request: Request) -> Response:
        # which of `--workers N` answered (their number, not their pid): for operators
        worker = self.state.worker
        headers = [("x-anonscore-worker", str(worker))] if worker else None
        return json_response(Health(status="alive"), headers=headers)

    async def readyz(self, request: Request) -> Response:
        ready = readiness(self.state)
        if ready.status == "ready":
            return json_response(ready)
        return json_response(ready, 503, [("retry-after", "1")])

    async def metrics(self, request: Request) -> Response:
        self.state.metrics.refresh(self.state)
        return Response(200, self.state.metrics.render(), "text/plain; version=0.0.4")

    async def openapi(self, request: Request) -> Response:
        return Response(200, self._openapi, JSON)

    async def collector_js(self, request: Request) -> Response:
        try:  # read at each request: a rebuilt collector is served at once
            script = (STATIC / "collector.js").read_bytes()
        except FileNotFoundError:
            return error_response(E.NotFound("collector.js is not installed"))
        return Response(
            200,
            script,
            "application/javascript; charset=utf-8",
            [("access-control-allow-origin", "*"), ("cache-control", "public, max-age=300")],
        )
