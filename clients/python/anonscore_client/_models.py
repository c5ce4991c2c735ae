"""The answers, as msgspec Structs that accept what a newer server adds.

Unknown fields are ignored (msgspec's default), flags are a mapping (a new flag is a new
key), reason codes are plain strings: a minor version of the API adds, never renames.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Label = Literal["fraud", "damage", "good"]


class Reason(msgspec.Struct, frozen=True):
    """One reason code and its contribution to the score (logit units)."""

    code: str
    contribution: float


class Score(msgspec.Struct, frozen=True):
    """The answer to a score call.

    `fallback` is True only when the service could not answer and the client's
    `on_unavailable` mode made this answer up (then `device_id` and `user_id` are None and
    the one reason is `SERVICE_UNAVAILABLE`)."""

    session_id: str
    score: float
    device_id: str | None
    device_confidence: float
    user_id: str | None
    flags: dict[str, bool]
    attributes: dict[str, float | int | str | bool | None]
    reasons: list[Reason]
    model_version: str
    fallback: bool = False

    def flagged(self, name: str) -> bool:
        """Whether a flag is raised; False for a flag this server does not send."""
        return self.flags.get(name, False)


class Erasure(msgspec.Struct, frozen=True):
    deleted: int


class Attribute(msgspec.Struct, frozen=True):
    """One entry of the open attribute catalogue."""

    name: str
    category: str
    type: str
    description: str
    optional: bool
    enabled: bool


class _ErrorDetail(msgspec.Struct, frozen=True):
    code: str
    message: str
    field: str | None = None


class _ErrorBody(msgspec.Struct, frozen=True):
    error: _ErrorDetail
