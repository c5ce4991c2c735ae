"""The client's webhook verifier (clients/python/anonscore_client/webhooks.py)."""

from __future__ import annotations

import json

import pytest
from anonscore_client import WebhookSignatureError, verify_webhook
from anonscore_client.webhooks import sign

NOW = 1_800_000_000
BODY = json.dumps(
    {"id": "evt_1", "type": "erasure.completed", "created_at": "2027-01-15T08:00:00Z", "data": {}}
).encode()


def header(body: bytes, *secrets: str, at: int = NOW) -> str:
    return ",".join([f"t={at}", *(f"v1={sign(body, s, at)}" for s in secrets)])


def test_a_signed_delivery_is_verified_and_typed() -> None:
    event = verify_webhook(BODY, header(BODY, "whsec_a"), ["whsec_a"], now=NOW + 10)
    assert event.id == "evt_1"
    assert event.type == "erasure.completed"


def test_rotation_accepts_either_secret_on_either_side() -> None:
    both = header(BODY, "whsec_old", "whsec_new")
    assert verify_webhook(BODY, both, ["whsec_new"], now=NOW).id == "evt_1"
    assert verify_webhook(BODY, header(BODY, "whsec_old"), ["whsec_new", "whsec_old"], now=NOW)


@pytest.mark.parametrize(
    ("body", "head", "message"),
    [
        (BODY.replace(b"evt_1", b"evt_2"), header(BODY, "whsec_a"), "no signature matches"),
        (BODY, header(BODY, "whsec_other"), "no signature matches"),
        (BODY, header(BODY, "whsec_a", at=NOW - 301), "outside the tolerance"),
        (BODY, header(BODY, "whsec_a", at=NOW + 301), "outside the tolerance"),
        (BODY, "v1=" + sign(BODY, "whsec_a", NOW), "must carry t="),
        (BODY, f"t={NOW}", "must carry t="),
        (b"not json", header(b"not json", "whsec_a"), "not a webhook event"),
    ],
)
def test_altered_foreign_old_and_malformed_deliveries_are_refused(
    body: bytes, head: str, message: str
) -> None:
    with pytest.raises(WebhookSignatureError, match=message):
        verify_webhook(body, head, ["whsec_a"], now=NOW)
