"""One exception per error code of the API, and one for a service that cannot be reached."""

from __future__ import annotations


class AnonscoreError(Exception):
    """An error answer of the API: HTTP status, the API's code, message and field."""

    status: int = 0
    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status if status is not None else type(self).status
        self.code = code if code is not None else type(self).code
        self.field = field
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f" (field {self.field})" if self.field else ""
        return f"{self.status} {self.code}: {self.message}{where}"


class BadRequest(AnonscoreError):
    status, code = 400, "bad_request"


class InvalidJSON(BadRequest):
    code = "invalid_json"


class Unauthorized(AnonscoreError):
    status, code = 401, "unauthorized"


class Forbidden(AnonscoreError):
    status, code = 403, "forbidden"


class NotFound(AnonscoreError):
    status, code = 404, "not_found"


class Conflict(AnonscoreError):
    status, code = 409, "conflict"


class SessionExpired(AnonscoreError):
    status, code = 410, "session_expired"


class PayloadTooLarge(AnonscoreError):
    status, code = 413, "payload_too_large"


class ValidationError(AnonscoreError):
    status, code = 422, "validation_error"


class PersonalData(ValidationError):
    code = "personal_data"


class TooManyRequests(AnonscoreError):
    status, code = 429, "too_many_requests"


class Overloaded(AnonscoreError):
    status, code = 503, "overloaded"


class ServiceUnavailable(AnonscoreError):
    """No answer in time: a timeout, a refused or broken connection."""

    code = "service_unavailable"


BY_CODE: dict[str, type[AnonscoreError]] = {
    cls.code: cls
    for cls in (
        BadRequest,
        InvalidJSON,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        SessionExpired,
        PayloadTooLarge,
        ValidationError,
        PersonalData,
        TooManyRequests,
        Overloaded,
    )
}
BY_STATUS: dict[int, type[AnonscoreError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: SessionExpired,
    413: PayloadTooLarge,
    422: ValidationError,
    429: TooManyRequests,
    503: Overloaded,
}


def error_class(status: int, code: str | None) -> type[AnonscoreError]:
    """The exception for an answer: by the API's code, else by status; a code this version
    does not know still maps to its status's class."""
    if code is not None and code in BY_CODE:
        return BY_CODE[code]
    return BY_STATUS.get(status, AnonscoreError)
