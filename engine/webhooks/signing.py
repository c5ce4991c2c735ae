"""The webhook signature: what anonscore_client.webhooks.verify_webhook checks.

`t=<unix seconds>,v1=<hex>[,v1=<hex>]`, each `v1` the HMAC-SHA256 of `<t>.<body>` under one
of the tenant's secrets (two while it rotates), so a receiver holding either verifies."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence


def sign(body: bytes, secret: str, stamp: int) -> str:
    return hmac.new(secret.encode(), str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(body: bytes, secrets: Sequence[str], stamp: int) -> str:
    return ",".join([f"t={stamp}", *(f"v1={sign(body, s, stamp)}" for s in secrets)])
