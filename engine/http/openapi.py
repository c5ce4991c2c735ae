"""`/openapi.json`, generated from the route table (routes.py) and the msgspec Structs.

No hand-written schema and no list of paths of its own: every route of the table is here
with its operation ID, tag, auth, body and every status it can answer (its own and those
of the connection layer), with `Retry-After` on 429 and 503 and `Allow` on 405 described.
The erasure body is two named schemas in a `oneOf`, so a generated client gets a union of
two types rather than `Any`.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from engine.http.messages import JSON, ErrorResponse
from engine.http.routes import ROUTES, TAGS, Route

Id = Annotated[str, Meta(min_length=1, max_length=256)]


class ErasureBySession(msgspec.Struct, forbid_unknown_fields=True):
    """Erase one session of this tenant, with its feedback."""

    session_id: Id


class ErasureByDevice(msgspec.Struct, forbid_unknown_fields=True):
    """Erase every session of this tenant on one device, with its reports and mapping."""

    device_id: Id


STATUS_TEXT = {
    200: "OK",
    201: "created",
    202: "accepted",
    400: "malformed request: not JSON, not an object, a bad target or framing",
    401: "missing or wrong API key (operator pages: operator token)",
    403: "unknown site key, or an Origin the tenant does not allow",
    404: "unknown, forged, erased or other tenant's session; a page not configured",
    405: "method not allowed on this route (see Allow)",
    408: "the request's head or body did not arrive in time",
    409: "the session is not in a state for this call",
    410: "the session token has expired",
    413: "the body is over max_body_bytes",
    415: "the body was not sent as application/json",
    422: "a field has the wrong type or range, is unknown or missing; or personal data",
    429: "a configured quota is used up (see Retry-After)",
    431: "the request head is over max_header_bytes",
    501: "a transfer coding the service does not decode",
    503: "starting, saturated, over the connection caps or past the deadline (Retry-After)",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 0},
    }
}
ALLOW = {
    "Allow": {
        "description": "the methods this route takes",
        "schema": {"type": "string"},
    }
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema(kind: Any) -> dict[str, Any]:
    args = getattr(kind, "__args__", None)
    if args:  # list[Struct]
        return {"type": "array", "items": _ref(args[0].__name__)}
    return _ref(kind.__name__)


def _success(route: Route) -> dict[str, Any]:
    media = route.media.split(";", 1)[0]
    if route.response is not None:
        schema = _schema(route.response)
    elif media == JSON:
        schema = {"type": "object"}
    else:
        schema = {"type": "string"}
    return {"description": route.summary, "content": {media: {"schema": schema}}}


def _error(route: Route, status: int) -> dict[str, Any]:
    schema: dict[str, Any] = _ref("ErrorResponse")
    if route.path == "/readyz" and status == 503:  # not ready: the reason, in its own shape
        schema = {"anyOf": [_ref("Readiness"), schema]}
    out: dict[str, Any] = {
        "description": STATUS_TEXT[status],
        "content": {JSON: {"schema": schema}},
    }
    if status in (429, 503):
        out["headers"] = RETRY_AFTER
    elif status == 405:
        out["headers"] = ALLOW
    return out


def _operation(route: Route) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": route.operation_id,
        "tags": [route.tag],
        "summary": route.summary,
    }
    if route.auth == "api_key":
        op["security"] = [{"apiKey": []}]
    elif route.auth == "operator":
        op["security"] = [{"operatorToken": []}]
    if route.request is not None:
        op["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _ref(route.request.__name__)}},
        }
    responses = {str(route.success): _success(route)}
    for status in route.statuses():
        if status != route.success:
            responses[str(status)] = _error(route, status)
    op["responses"] = responses
    return op


def _components() -> dict[str, Any]:
    types: list[Any] = [ErrorResponse, ErasureBySession, ErasureByDevice]
    for route in ROUTES:
        for kind in (route.request, route.response):
            if kind is None:
                continue
            kind = getattr(kind, "__args__", (kind,))[0]
            if kind not in types:
                types.append(kind)
    (_, components) = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    # exactly one of session_id or device_id: the server refuses {} and both (422)
    components["ErasureRequest"] = {
        "title": "ErasureRequest",
        "description": "Erase by session or by device: exactly one of the two.",
        "oneOf": [_ref("ErasureBySession"), _ref("ErasureByDevice")],
    }
    return dict(components)


@cache
def openapi_document() -> bytes:
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        for method in route.methods:
            paths.setdefault(route.path, {})[method.lower()] = _operation(route)
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "anonscore",
            "version": "1",
            "description": "Privacy-first device-risk scoring. Errors always have the "
            "shape of ErrorResponse. The compatibility promise of /v1: docs/api.md.",
        },
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": paths,
        "components": {
            "schemas": _components(),
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer"},
                "operatorToken": {"type": "http", "scheme": "bearer"},
            },
        },
    }
    return msgspec.json.encode(doc)
