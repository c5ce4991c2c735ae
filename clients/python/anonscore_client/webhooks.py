"""Verifying a webhook delivery from anonscore.

A delivery is a POST of `{"id", "type", "created_at", "data"}` with the header
`Anonscore-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">[,v1=...]`
(one `v1` per secret while the tenant rotates). Check it on the raw body, before parsing:

    event = verify_webhook(request.body, request.headers["Anonscore-Signature"], [SECRET])

Deliveries are at least once: use `event.id` to ignore a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from typing import Any

import msgspec

TOLERANCE_S = 300  # a signature older (or newer) than this is refused: no replays


class WebhookSignatureError(Exception):
    """The delivery is not from anonscore, was altered, or is too old."""


class Event(msgspec.Struct, frozen=True):
    id: str
    type: str
    created_at: str
    data: dict[str, Any]


def _parse(header: str) -> tuple[int, list[str]]:
    stamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            stamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if stamp is None or not signatures:
        raise WebhookSignatureError("signature header must carry t=<seconds> and v1=<hex>")
    return stamp, signatures


def sign(body: bytes, secret: str, stamp: int) -> str:
    """The hex signature of a body at a time (what the service computes)."""
    message = str(stamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(
    body: bytes,
    header: str,
    secrets: Sequence[str],
    *,
    tolerance_s: float = TOLERANCE_S,
    now: float | None = None,
) -> Event:
    """The event, once the header proves it is anonscore's and recent; else raises
    `WebhookSignatureError`. Compares in constant time; accepts any of `secrets`."""
    if not secrets:
        raise ValueError("give at least one webhook secret")
    stamp, signatures = _parse(header)
    now = time.time() if now is None else now
    if abs(now - stamp) > tolerance_s:
        raise WebhookSignatureError("signature timestamp outside the tolerance; possible replay")
    good = False
    for secret in secrets:
        expected = sign(body, secret, stamp)
        for candidate in signatures:
            good |= hmac.compare_digest(expected, candidate)
    if not good:
        raise WebhookSignatureError("no signature matches a known secret")
    try:
        return msgspec.json.decode(body, type=Event)
    except msgspec.DecodeError as exc:
        raise WebhookSignatureError("signed body is not a webhook event") from exc
