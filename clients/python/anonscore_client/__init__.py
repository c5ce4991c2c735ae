"""anonscore-client: the back-end side of the anonscore API, sync and async.

    from anonscore_client import Client

    with Client("https://scoring.example", api_key=API_KEY) as client:
        answer = client.score(session_id)
        if answer.score >= 0.5 or answer.flags.get("tampering"):
            ...

Answers are typed (msgspec Structs) and tolerate fields, flags and reason codes this
version does not know; each error code of the API is its own exception; retries happen only
on 429 and 503, honouring `Retry-After`, and are bounded; `on_unavailable` chooses what a
score call returns when the service cannot answer in time.
"""

from anonscore_client._client import AsyncClient, Client, FailMode
from anonscore_client._errors import (
    AnonscoreError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Overloaded,
    PayloadTooLarge,
    PersonalData,
    ServiceUnavailable,
    SessionExpired,
    TooManyRequests,
    Unauthorized,
    ValidationError,
)
from anonscore_client._models import (
    Attribute,
    Erasure,
    Reason,
    Score,
)
from anonscore_client.webhooks import Event, WebhookSignatureError, verify_webhook

__all__ = [
    "AnonscoreError",
    "AsyncClient",
    "Attribute",
    "BadRequest",
    "Client",
    "Conflict",
    "Erasure",
    "Event",
    "FailMode",
    "Forbidden",
    "NotFound",
    "Overloaded",
    "PayloadTooLarge",
    "PersonalData",
    "Reason",
    "Score",
    "ServiceUnavailable",
    "SessionExpired",
    "TooManyRequests",
    "Unauthorized",
    "ValidationError",
    "WebhookSignatureError",
    "verify_webhook",
]
