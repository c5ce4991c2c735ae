"""Requests and responses as the front sees them, and the one error module.

The HTTP/1.1 connection (`protocol.py`) builds a `RequestHead` when the headers are in and a
`Request` once the body is; handlers return a `Response`. Header names are lower-case
`str` (latin-1, as HTTP defines them); repeated headers are joined with ", ".

Errors: the shape (`ErrorResponse`) and its rendering (`error_response`, with `Retry-After`
and `Allow`) are written here once; the connection layer, the front, the API, the
operational pages and the Quart pages all answer errors through it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import msgspec

from engine import errors as E


class ErrorDetail(msgspec.Struct, omit_defaults=True):
    """What went wrong: a code from the API's list, a message that never repeats the refused
    value, and the dotted path of the field at fault (absent when the whole request is)."""

    code: str
    message: str
    field: str | None = None


class ErrorResponse(msgspec.Struct):
    """Every error answer of the API has this shape."""

    error: ErrorDetail


JSON = "application/json"
_enc = msgspec.json.Encoder()
REASONS = {int(s): s.phrase for s in HTTPStatus}


class RequestHead:
    """What is known when the headers have arrived, before any body is read."""

    __slots__ = (
        "admitted",
        "arrival",
        "client",
        "expect_continue",
        "headers",
        "http_version",
        "method",
        "path",
        "query",
        "route",
        "tenant",
    )

    def __init__(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        http_version: str,
        client: tuple[str, int] | None,
        arrival: float,
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.http_version = http_version
        self.client = client
        self.arrival = arrival  # trio.current_time() when the head was complete
        self.expect_continue = headers.get("expect", "").lower() == "100-continue"
        self.admitted = False  # counted by admission control; released once answered
        self.route: Any = None  # set by the front's routing
        self.tenant: Any = None  # set when an API key was checked at the head

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)


class Request:
    """A complete request: its head and its body (at most `max_body_bytes`)."""

    __slots__ = ("body", "head")

    def __init__(self, head: RequestHead, body: bytes) -> None:
        self.head = head
        self.body = body


class Response:
    __slots__ = ("body", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = JSON,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers if headers is not None else []
        if content_type is not None:
            self.headers.append(("content-type", content_type))

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


def json_response(
    obj: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Response:
    return Response(status, _enc.encode(obj), JSON, headers)


NO_SUCH_ENDPOINT = "no such endpoint; see /openapi.json"
WRONG_METHOD = "method not allowed on this endpoint; see /openapi.json"


def error_for_status(status: int, allow: tuple[str, ...] = ()) -> E.AnonscoreError:
    """The error to answer when only a status is known (a framework's own refusal)."""
    if status == 404:
        return E.NotFound(NO_SUCH_ENDPOINT)
    if status == 405:
        return E.MethodNotAllowed(WRONG_METHOD, allow=allow)
    if status == 413:
        return E.PayloadTooLarge("request body is too large")
    if status >= 500:
        return E.Internal("internal error; it was logged")
    return E.BadRequest("bad request")


def error_response(exc: E.AnonscoreError) -> Response:
    body = ErrorResponse(error=ErrorDetail(code=exc.code, message=exc.message, field=exc.field))
    headers = []
    if isinstance(exc, E.Overloaded | E.TooManyRequests):
        headers.append(("retry-after", str(exc.retry_after)))
    if isinstance(exc, E.MethodNotAllowed) and exc.allow:
        headers.append(("allow", ", ".join(exc.allow)))
    return json_response(body, exc.status, headers)
