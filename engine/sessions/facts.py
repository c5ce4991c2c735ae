"""What a request tells the session operations: the client's own facts (headers, peer), the
session a token names, and the time format of answers."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ClientFacts(msgspec.Struct, frozen=True):
    """What the collect request itself says about the client (headers and peer)."""

    origin: str | None = None
    ip: str | None = None
    languages: tuple[str, ...] = ()  # primary tags of Accept-Language
    dnt: bool | None = None  # the DNT header: recorded, not obeyed (docs/privacy.md)
    proxy_headers: tuple[str, ...] = ()  # names (never values) of proxy evidence headers
    # The client's own description, which the collector cannot fake: User-Agent and the
    # Chromium client hints, each cut to a bound (None: the header was not sent).
    user_agent: str | None = None
    ch_ua: str | None = None  # Sec-CH-UA
    ch_ua_mobile: bool | None = None  # Sec-CH-UA-Mobile
    ch_ua_platform: str | None = None  # Sec-CH-UA-Platform, unquoted
    header_order: tuple[str, ...] = ()  # names of the browser's own headers, as they came


class SessionRef(msgspec.Struct, frozen=True):
    """A checked token: its hash (the store's name for the session) and its times."""

    sh: str
    issued_at: float
    expires_at: float
