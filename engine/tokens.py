"""Session tokens: 16 CSPRNG bytes and the issue time, signed with the server secret.

Nothing in a token comes from the device or the person. A forged or truncated token is
rejected before any storage lookup.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

PREFIX = "s1_"
_RAW = 16 + 8
_MAC = 16
TOKEN_LENGTH = len(PREFIX) + len(base64.urlsafe_b64encode(b"\0" * (_RAW + _MAC)))


def new_token(key: bytes, now: float) -> str:
    raw = os.urandom(16) + struct.pack(">Q", int(now * 1000))
    mac = hmac.new(key, raw, hashlib.sha256).digest()[:_MAC]
    return PREFIX + base64.urlsafe_b64encode(raw + mac).decode("ascii")


def token_issued_at(key: bytes, token: str) -> float | None:
    """The issue time (seconds) of a well-formed, correctly signed token; else None."""
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
    (ms,) = struct.unpack(">Q", raw[16:])
    return float(ms / 1000.0)
