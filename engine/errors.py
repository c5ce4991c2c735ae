"""The project's exceptions. The HTTP layer maps each to the error shape of docs/api.md.

Messages are short, lowercase, state the rule that was broken and what to do. They never
repeat a refused value.
"""

from __future__ import annotations


class AnonscoreError(Exception):
    """Base class: carries an HTTP status, a stable code and an optional field path."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadRequest(AnonscoreError):
    status = 400
    code = "bad_request"


class InvalidJSON(AnonscoreError):
    status = 400
    code = "invalid_json"


class ValidationFailed(AnonscoreError):
    status = 422
    code = "validation_error"


class PersonalData(AnonscoreError):
    status = 422
    code = "personal_data"


class UnsupportedMediaType(AnonscoreError):
    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(AnonscoreError):
    status = 413
    code = "payload_too_large"


class Unauthorized(AnonscoreError):
    status = 401
    code = "unauthorized"


class Forbidden(AnonscoreError):
    status = 403
    code = "forbidden"


class NotFound(AnonscoreError):
    status = 404
    code = "not_found"


class MethodNotAllowed(AnonscoreError):
    status = 405
    code = "method_not_allowed"

    def __init__(self, message: str, *, allow: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allow = allow  # the methods the endpoint takes (the Allow header, RFC 9110)


class RequestTimeout(AnonscoreError):
    """The client did not send the whole request in time."""

    status = 408
    code = "request_timeout"


class HeadersTooLarge(AnonscoreError):
    status = 431
    code = "headers_too_large"


class TooManyRequests(AnonscoreError):
    """A configured quota (per site key or per client network) is used up."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(AnonscoreError):
    status = 409
    code = "conflict"


class Gone(AnonscoreError):
    status = 410
    code = "session_expired"


class UnsupportedCoding(AnonscoreError):
    """A transfer coding the server does not decode (RFC 9110 section 15.6.2)."""

    status = 501
    code = "not_implemented"


class Internal(AnonscoreError):
    """A bug on our side (the only 5xx besides 503 and 501); logged by exception type."""

    status = 500
    code = "internal"


class Overloaded(AnonscoreError):
    """The engine could not answer inside the request's deadline."""

    status = 503
    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigError(Exception):
    """A config file is invalid; the message names the file, the key and the problem."""
