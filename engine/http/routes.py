"""The one route table: every path the service answers, and what it can answer.

Each `Route` names its method(s), path, handler, operation ID, tag, who may call it (its
auth kind), the success status and the errors its own checks can give. Three readers,
nothing listed twice:

- the front (`front.py`) routes by it: 404 for a path not in it, 405 with `Allow` for a
  method not in it, the auth kind checked at the head, the handler called once the body is in;
- `/openapi.json` (`openapi.py`) is generated from it, so a route cannot be served and
  missing from the document (as `/v1/optout` was);
- the docs test (tests/docs/test_docs.py) checks every route is in docs/api.md.

`by` says who answers: `api` (the `/v1` handlers of `api.py`, inside admission control and
the request deadline), `page` (the operational pages of `fastpages.py`, on our layer too:
a probe costs what a session costs) or `quart` (the HTML pages, through the Quart-Trio
app of `pages.py`). Every route can also answer what the connection layer answers for
any request (`LAYER_STATUSES`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

import msgspec

from engine import schema as S
from engine.http.fastpages import Health, Readiness
from engine.http.messages import JSON, Request, Response

Handler = Callable[[Request], Awaitable[Response]]
Auth = Literal["public", "site_key", "api_key", "operator"]
By = Literal["api", "page", "quart"]

# Any request, whatever its route: a malformed request or target (400), a wrong method
# (405, with Allow), a head or body too slow (408), a body over max_body_bytes (413), a
# head over max_header_bytes (431), a transfer coding we do not decode (501), and 503
# (with Retry-After) over the connection caps, while starting, saturated or past the
# request deadline.
LAYER_STATUSES = (400, 405, 408, 413, 431, 501, 503)


class Route(msgspec.Struct, frozen=True):
    path: str
    methods: tuple[str, ...]  # GET implies HEAD (answered without a body)
    name: str  # the endpoint label in metrics and logs; the handler's name
    operation_id: str
    tag: str
    auth: Auth
    summary: str
    success: int
    errors: tuple[int, ...] = ()  # this route's own refusals, besides LAYER_STATUSES
    request: Any = None  # the body's schema (a Struct type), None: no body
    response: Any = None  # a Struct type or list[...] for JSON; else the media type's text
    media: str = JSON
    by: By = "api"
    share: float = 1.0  # of admission_limit this route may fill (api routes)
    admin: bool = False  # also served on the admin listener (operator pages, probes)
    handler: Handler | None = None  # bound by the front

    @property
    def cors(self) -> bool:
        """Called from pages: CORS answers and the preflight (OPTIONS)."""
        return self.auth == "site_key"

    @property
    def backend(self) -> bool:
        """Needs the tenant's API key, checked at the head."""
        return self.auth == "api_key"

    @property
    def body(self) -> bool:
        return self.request is not None

    def allowed(self) -> tuple[str, ...]:
        """The methods for `Allow`."""
        extra = ("HEAD",) if "GET" in self.methods else ()
        return (*self.methods, *extra, *(("OPTIONS",) if self.cors else ()))

    def statuses(self) -> tuple[int, ...]:
        """Every status this route can answer, sorted."""
        return tuple(sorted({self.success, *self.errors, *LAYER_STATUSES}))


_COLLECTOR = "collector"
_BACKEND = "backend"
_OPS = "operations"
_PAGES = "pages"

ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/sessions", ("POST",), "sessions", "create_session", _COLLECTOR, "site_key",
        "Create a session (collector side: site key, Origin checked)", 201,
        (403, 415, 422, 429), S.SessionRequest, S.SessionResponse, share=0.5,
    ),
    Route(
        "/v1/collect", ("POST",), "collect", "collect", _COLLECTOR, "site_key",
        "Post the attributes collected for a session", 202,
        (403, 404, 409, 410, 415, 422, 429), S.CollectRequest, S.CollectResponse, share=0.75,
    ),
    Route(
        "/v1/optout", ("POST",), "optout", "opt_out", _COLLECTOR, "site_key",
        "The visitor's opt-out: erase the session and its device at this tenant", 200,
        (403, 404, 415, 422), S.OptOutRequest, S.OptOutResponse, share=0.75,
    ),
    Route(
        "/v1/score", ("POST",), "score", "score", _BACKEND, "api_key",
        "Score a collected session", 200,
        (401, 404, 409, 415, 422), S.ScoreRequest, S.ScoreResponse,
    ),
    Route(
        "/v1/feedback", ("POST",), "feedback", "report_outcome", _BACKEND, "api_key",
        "Report the outcome of a scored session", 202,
        (401, 404, 409, 415, 422, 429), S.FeedbackRequest, S.FeedbackResponse,
    ),
    Route(
        "/v1/erasure", ("POST",), "erasure", "erase", _BACKEND, "api_key",
        "Erase a session, or every session of a device, at this tenant", 200,
        (401, 415, 422), S.ErasureRequest, S.ErasureResponse,
    ),
    Route(
        "/v1/attributes", ("GET",), "attributes", "list_attributes", _BACKEND, "api_key",
        "The open attribute catalogue", 200, (401,), None, list[S.AttributeInfo],
    ),
    Route(
        "/healthz", ("GET",), "healthz", "health", _OPS, "public",
        "Alive: the process answers", 200, (), None, Health, by="page", admin=True,
    ),
    Route(
        "/readyz", ("GET",), "readyz", "readiness", _OPS, "public",
        "Ready to score (503 with the reason until then)", 200, (), None, Readiness,
        by="page", admin=True,
    ),
    Route(
        "/metrics", ("GET",), "metrics", "metrics", _OPS, "operator",
        "Prometheus metrics (operator token, or the admin listener)", 200, (401, 404),
        media="text/plain; version=0.0.4", by="page", admin=True,
    ),
    Route(
        "/openapi.json", ("GET",), "openapi", "openapi", _OPS, "public",
        "This document", 200, (), media=JSON, by="page",
    ),
    Route(
        "/collector.js", ("GET",), "collector_js", "collector_script", _PAGES, "public",
        "The collector script", 200, (404,),
        media="application/javascript; charset=utf-8", by="page",
    ),
    Route(
        "/console", ("GET",), "console", "console", _OPS, "operator",
        "Operator console (operator token, or the admin listener)", 200, (401, 404),
        media="text/html; charset=utf-8", by="quart", admin=True,
    ),
    Route(
        "/demo", ("GET",), "demo", "demo", _PAGES, "public",
        "The demo loan form", 200, (404,), media="text/html; charset=utf-8", by="quart",
    ),
    Route(
        "/", ("GET",), "demo", "demo_root", _PAGES, "public",
        "The demo loan form", 200, (404,), media="text/html; charset=utf-8", by="quart",
    ),
)  # fmt: skip

TAGS = {
    _COLLECTOR: "Called by the page or the app (collector, SDK): a site key, Origin checked",
    _BACKEND: "Called by the lender's back-end: Authorization: Bearer <tenant api key>",
    _OPS: "Health, readiness, metrics and the operator console",
    _PAGES: "The collector script and the demo page",
}


def route_table() -> dict[str, Route]:
    """{path: route}, unbound (no handlers)."""
    return {route.path: route for route in ROUTES}
