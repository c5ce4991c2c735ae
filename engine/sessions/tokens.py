"""Session tokens: 16 CSPRNG bytes, the issue time and the tenant, signed with the server
secret.

Nothing in a token comes from the device or the person. Because the token itself carries
its tenant and issue time, creating a session stores nothing: the first collect makes the
record (a flood of session requests costs no storage). A forged, truncated or other
tenant's token is rejected before any storage lookup.

The token is never stored: records are keyed by `session_hash(token)`, a keyed hash, so
a copy of the store cannot be used to post or score as the session.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

import msgspec

PREFIX = "s2_"
_RANDOM = 16
_TIME = 8
_TAG = 8
_MAC = 16
_RAW = _RANDOM + _TIME + _TAG
TOKEN_LENGTH = len(PREFIX) + len(base64.urlsafe_b64encode(b"\0" * (_RAW + _MAC)))


class TokenInfo(msgspec.Struct, frozen=True):
    issued_at: float  # seconds
    tenant_tag: bytes


def tenant_tag(key: bytes, tenant_id: str) -> bytes:
    """The tenant's mark in its tokens (the id itself stays out of the page)."""
    return hmac.new(key, b"tenant|" + tenant_id.encode(), hashlib.sha256).digest()[:_TAG]


def new_token(key: bytes, now: float, tenant_id: str) -> str:
    raw = os.urandom(_RANDOM) + struct.pack(">Q", int(now * 1000)) + tenant_tag(key, tenant_id)
    mac = hmac.new(key, raw, hashlib.sha256).digest()[:_MAC]
    return PREFIX + base64.urlsafe_b64encode(raw + mac).decode("ascii")


def open_token(key: bytes, token: str) -> TokenInfo | None:
    """The issue time and tenant tag of a well-formed, correctly signed token; else None."""
    if len(token) != TOKEN_LENGTH or not token.startswith(PREFIX):
        return None
    try:
        blob = base64.urlsafe_b64decode(token[len(PREFIX) :].encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if len(blob) != _RAW + _MAC:
        return None
    raw, mac = blob[:_RAW], blob[_RAW:]
    if not hmac.compare_digest(mac, hmac.new(key, raw, hashlib.sha256).digest()[:_MAC]):
        return None
    (ms,) = struct.unpack(">Q", raw[_RANDOM : _RANDOM + _TIME])
    return TokenInfo(issued_at=float(ms / 1000.0), tenant_tag=raw[_RANDOM + _TIME :])


def session_hash(key: bytes, token: str) -> str:
    """What the store knows a session by: a keyed hash of its token (128 bits, hex)."""
    return hmac.new(key, b"session|" + token.encode(), hashlib.sha256).hexdigest()[:32]
