"""The front: routing, checks at the head, admission control, deadlines, CORS, errors.

It routes by the one route table (`routes.py`): a path not in it is 404, a method not in
it 405 with `Allow`, an operator page without the operator token 401 (404 when none is
configured), all from the head. A connection (`protocol.py`) calls `on_head` as soon as a
request's headers are in. For the API routes the front answers there and then, before
any body is read, whatever it can decide from the head: 405 (with `Allow`), 413 by
Content-Length, 415, 401, and 503 when the service is saturated. Admission control
counts requests admitted and not yet answered; above a share of `admission_limit` a new
request is refused at once with 503 and `Retry-After`. Starting a flow (`/v1/sessions`)
is refused first (at half the limit), then collecting (three quarters), and finishing a
flow (score, feedback, erasure) last, so under overload the flows already under way
complete.

After the body, `on_request` runs the handler inside the request deadline (503 past it)
and maps every error to the JSON shape of docs/api.md ("Errors", rendered by
`messages.error_response`). The operational pages (`fastpages.py`) answer on this layer
too; only the HTML pages go to the Quart app.
"""

from __future__ import annotations

import hmac
import logging

import msgspec
import trio

from engine import errors as E
from engine.config import ServiceFile, Tenant, hash_api_key
from engine.http.api import Api
from engine.http.appstate import AppState
from engine.http.fastpages import FastPages, is_ready
from engine.http.messages import (
    JSON,
    NO_SUCH_ENDPOINT,
    WRONG_METHOD,
    Request,
    RequestHead,
    Response,
    error_response,
)
from engine.http.protocol import HttpLimits
from engine.http.routes import ROUTES, Handler, Route, route_table

log = logging.getLogger("anonscore.http")

# Operator pages: on the public port only with the operator token; on the admin listener
# (bound to loopback) for anyone who can reach it, with the probes (routes.py: `admin`).
OPERATOR_PAGES = frozenset(route.path for route in ROUTES if route.auth == "operator")


class ApiFront:
    def __init__(
        self,
        state: AppState,
        limits: HttpLimits,
        quart: Handler,
        openapi: bytes,
        *,
        admin: bool = False,
    ) -> None:
        self.state = state
        self.admin = admin  # the admin listener: operator pages and probes only
        self.metrics = state.metrics
        self.limits = limits
        self.api = Api(state)
        self.pages = FastPages(state, openapi)
        self.routes: dict[str, Route] = {
            path: msgspec.structs.replace(route, handler=self._handler(route, quart))
            for path, route in route_table().items()
            if route.admin or not admin
        }
        self.inflight = 0

    def _handler(self, route: Route, quart: Handler) -> Handler:
        if route.by == "api":
            handler: Handler = getattr(self.api, route.name)
        elif route.by == "page":
            handler = getattr(self.pages, route.name)
        else:
            handler = quart
        return handler

    def _config(self) -> ServiceFile | None:
        svc = self.state.service
        return None if svc is None else svc.runtime.config.service

    def max_body_bytes(self) -> int:
        cfg = self._config()
        return self.limits.max_body_bytes if cfg is None else cfg.max_body_bytes

    # -- at the head -----------------------------------------------------------------------

    def on_head(self, head: RequestHead) -> Response | None:
        route = self.routes.get(head.path)
        head.route = route
        if route is None:  # scanners: counted, not logged
            self.metrics.count_error("not_found")
            response = error_response(E.NotFound(NO_SUCH_ENDPOINT))
            self.metrics.observe_request("other", response.status, 0.0)
            return response
        try:
            if head.method == "OPTIONS" and route.cors:
                return self._finish(head, route, Response(204, content_type=None))
            allow = route.allowed()
            if head.method not in allow:
                raise E.MethodNotAllowed(WRONG_METHOD, allow=allow)
            if route.by == "api":
                self._api_head(head, route)
            elif route.auth == "operator" and not self.admin:
                self._operator(head)
        except E.AnonscoreError as exc:
            return self._finish(head, route, self._refused(route.name, exc))
        return None

    def _api_head(self, head: RequestHead, route: Route) -> None:
        cfg = self._config()
        if cfg is None or not is_ready(self.state):
            raise E.Overloaded("the service is starting; retry shortly", retry_after=2)
        if route.body:
            _check_body_headers(head, cfg.max_body_bytes)
        if route.backend:
            head.tenant = self._tenant(head)
        self._admit(cfg, route, head, count=False)

    def _admit(self, cfg: ServiceFile, route: Route, head: RequestHead, *, count: bool) -> None:
        """Refuse (503) when the work in progress fills this route's share of the limit.

        Checked at the head, before the body is read, and again when the body is in: only
        work in progress is counted, so clients that send their bodies slowly hold
        connections (bounded by the connection caps and the minimum body rate) but never
        admission."""
        if self.inflight >= cfg.admission_limit * route.share:
            self.metrics.count_shed(route.name)
            raise E.Overloaded("the service is saturated; retry shortly", retry_after=1)
        if count:
            self.inflight += 1
            head.admitted = True

    def _operator(self, head: RequestHead) -> None:
        """Pass when the request carries the operator token; 404 when the service has none
        (the page does not exist on the public port), else 401."""
        svc = self.state.service
        digest = svc.runtime.config.operator_token_digest if svc is not None else None
        if digest is None:
            raise E.NotFound(NO_SUCH_ENDPOINT)
        scheme, _, token = head.header("authorization").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(hash_api_key(token.strip()), digest):
            return
        raise E.Unauthorized(
            "operator pages need the operator token: Authorization: Bearer <token>"
        )

    def release(self, head: RequestHead) -> None:
        self.inflight -= 1
        head.admitted = False

    def on_protocol_error(self, status: int) -> None:
        self.metrics.observe_request("protocol", status, 0.0)

    def _tenant(self, head: RequestHead) -> Tenant:
        auth = head.header("authorization")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise E.Unauthorized("missing API key; send Authorization: Bearer <tenant api key>")
        svc = self.state.service
        assert svc is not None
        tenant = svc.runtime.config.tenant_for_api_key(key.strip())
        if tenant is None:
            raise E.Unauthorized("invalid API key")
        return tenant

    # -- with the body ---------------------------------------------------------------------

    async def on_request(self, request: Request) -> Response:
        head = request.head
        route: Route = head.route
        if route.by != "api":
            return await self._page(request, route)
        cfg = self._config()
        assert cfg is not None, "an API request is refused at the head until the service is up"
        deadline = cfg.request_deadline_ms / 1000  # the config's, like every limit
        try:
            self._admit(cfg, route, head, count=True)
            with trio.move_on_after(deadline):
                assert route.handler is not None
                return self._finish(head, route, await route.handler(request))
            raise E.Overloaded(
                "the request did not finish within its deadline; retry later", retry_after=1
            )
        except E.AnonscoreError as exc:
            return self._finish(head, route, self._refused(route.name, exc))
        except Exception as exc:  # a bug: logged by type, never with the request's data
            log.error("internal error", extra={"endpoint": route.name, "exc": type(exc).__name__})
            self.metrics.count_error("internal")
            return self._finish(
                head, route, error_response(E.Internal("internal error; it was logged"))
            )

    async def _page(self, request: Request, route: Route) -> Response:
        """An operational or HTML page: outside admission control and the deadline."""
        head = request.head
        assert route.handler is not None
        try:
            response = await route.handler(request)
        except Exception as exc:
            log.error("internal error", extra={"endpoint": route.name, "exc": type(exc).__name__})
            self.metrics.count_error("internal")
            response = error_response(E.Internal("internal error; it was logged"))
        return self._finish(head, route, response)

    def _refused(self, endpoint: str, exc: E.AnonscoreError) -> Response:
        self.metrics.count_error(exc.code)
        # shedding and quotas are counted, not logged one by one: under a flood a log line
        # per refusal would cost more than the refusal itself
        level = logging.DEBUG if exc.status in (429, 503) else logging.INFO
        log.log(
            level,
            "request refused",
            extra={
                "endpoint": endpoint,
                "status": exc.status,
                "code": exc.code,
                "field": exc.field,
            },
        )
        return error_response(exc)

    def _finish(self, head: RequestHead, route: Route, response: Response) -> Response:
        if route.cors:
            response.headers.extend(self._cors(head))
        self.metrics.observe_request(
            route.name, response.status, trio.current_time() - head.arrival
        )
        return response

    def _cors(self, head: RequestHead) -> list[tuple[str, str]]:
        origin = head.headers.get("origin")
        svc = self.state.service
        if origin is None or svc is None or origin not in svc.runtime.config.all_origins:
            return []
        if head.method != "OPTIONS":
            return [("access-control-allow-origin", origin), ("vary", "Origin")]
        return [
            ("access-control-allow-origin", origin),
            ("vary", "Origin"),
            ("access-control-allow-methods", "POST, GET, OPTIONS"),
            ("access-control-allow-headers", "Content-Type"),
            ("access-control-max-age", "600"),
        ]


def _check_body_headers(head: RequestHead, limit: int) -> None:
    ctype = head.header("content-type")
    if ctype.split(";", 1)[0].strip().lower() != JSON:
        raise E.UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
    length = head.headers.get("content-length")
    if length is not None:
        try:
            declared = int(length)
        except ValueError:
            raise E.BadRequest("content-length must be a number") from None
        if declared > limit:
            raise E.PayloadTooLarge(f"request body must be at most {limit} bytes")
