"""User-agent parsing for the plugins: the service's one parse (`engine.devices`), so device
linking and every rule read a user agent the same way; `session_ua` is the plugins' shortcut.

Not a plugin (no hooks): `user_agent`, `automation`, `emulator`, `network_risk` and
`consistency` all need the same parse, and the LRU cache makes the repeats free. Call
`parse_ua("")` at start-up to build the parser's tables before the service reports ready.
"""

from __future__ import annotations

from engine.devices.agent import (
    ANDROID,
    CHROMEOS,
    DESKTOP_CLASSES,
    IOS,
    LINUX,
    MAC,
    OTHER,
    SDK_NATIVE_CLIENTS,
    WINDOWS,
    ParsedUA,
    is_bot,
    parse_ua,
    platform_class,
    sdk_os_class,
)
from engine.features import CollectedSession

__all__ = [
    "ANDROID",
    "CHROMEOS",
    "DESKTOP_CLASSES",
    "IOS",
    "LINUX",
    "MAC",
    "OTHER",
    "SDK_NATIVE_CLIENTS",
    "WINDOWS",
    "ParsedUA",
    "is_bot",
    "parse_ua",
    "platform_class",
    "sdk_os_class",
    "session_ua",
]


def session_ua(session: CollectedSession) -> ParsedUA | None:
    """The parsed user agent of a session, or None when it sent none (or a blank one)."""
    ua = session.attributes.software.user_agent
    if not ua or not ua.strip():
        return None
    return parse_ua(ua.strip())
