"""The user agent: what it claims (browser, OS, device) and whether the device agrees.

A user agent is one header anyone can rewrite; the rest of the payload is harder to keep
consistent with it. Each check below compares the UA's claim with one independent signal
and stays quiet whenever real devices are known to disagree (iPads that say "Macintosh",
phones in "desktop site" mode, touch laptops, ARM Windows), so a hit means a spoof, an
emulation or a tool, not an unusual but real device.
"""

from __future__ import annotations

import re

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._bots import APP_STACK, AUTOMATION_TOOL, BROWSER, LEGACY_BROWSER, client_kind
from plugins._ua import (
    ANDROID,
    CHROMEOS,
    IOS,
    LINUX,
    MAC,
    OTHER,
    WINDOWS,
    ParsedUA,
    is_bot,
    platform_class,
    sdk_os_class,
    session_ua,
)

FLAGS: tuple[str, ...] = ("ua_mismatch", "automation")
CODES: tuple[str, ...] = (
    "UA_PLATFORM_MISMATCH",
    "UA_TOUCH_MISMATCH",
    "UA_SCREEN_MISMATCH",
    "UA_GPU_MISMATCH",
    "UA_OS_MISMATCH",
    "UA_BOT",
)
FEATURES: dict[str, str] = {
    "ua_browser": "browser family parsed from the user agent (None when unknown)",
    "ua_browser_major": "browser major version",
    "ua_os": "operating system family parsed from the user agent",
    "ua_os_major": "operating system major version",
    "ua_device_family": "device family parsed from the user agent (phones, tablets, Spider)",
    "ua_is_mobile": "the user agent claims a handheld OS (phone or tablet)",
    "ua_is_bot": "the user agent is a declared crawler or an HTTP library, not a browser",
}

# Platforms of the Unix family share navigator.platform strings ("Linux armv81" on Android
# phones, "Linux x86_64" on Chromebooks and on phones in desktop-site mode).
_UNIX = frozenset({ANDROID, LINUX, CHROMEOS})
_APPLE_M = re.compile(r"\bapple m\d")
_MALI = re.compile(r"\bmali\b|\bmali-")


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    ua = session_ua(session)
    if ua is None:
        return dict.fromkeys(FEATURES)
    return {
        "ua_browser": ua.browser,
        "ua_browser_major": ua.browser_major,
        "ua_os": ua.os,
        "ua_os_major": ua.os_major,
        "ua_device_family": ua.device_family,
        "ua_is_mobile": ua.is_mobile,
        "ua_is_bot": bot(ua, session) is not None,
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    ua = session_ua(session)
    if ua is None:
        return None
    hits: list[RuleHit] = []
    kind = bot(ua, session)
    if kind is not None:
        hits.append(RuleHit(code="UA_BOT", flag="automation", detail=kind))
    for check in (_platform, _touch, _screen, _gpu, _sdk_os):
        hit = check(ua, session)
        if hit is not None:
            hits.append(hit)
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)


def bot(ua: ParsedUA, session: CollectedSession) -> str | None:
    """What the payload's user agent is when no browser (or, on the SDK channels, no app)
    could have sent it: a declared crawler, an HTTP library, an automation tool, or on the
    web anything without a browser's shape (plugins/_bots.py); None otherwise."""
    text = (session.attributes.software.user_agent or "").strip()
    kind = client_kind(text)
    if kind in (BROWSER, LEGACY_BROWSER, "none") or (
        kind == APP_STACK and session.channel != "web"
    ):
        return None if not is_bot(ua, session.channel) else ua.browser or "http client"
    if kind == "other" and session.channel != "web":
        return None  # an app may name itself as it likes
    if kind == AUTOMATION_TOOL and ua.is_headless:
        return None  # HeadlessChrome is the automation plugin's admission
    return kind


def phone_contradictions(ua: ParsedUA, session: CollectedSession) -> list[str]:
    """What says a phone user agent runs on a desktop: its platform, touch, screen or GPU."""
    if not ua.is_phone:
        return []
    hits = (check(ua, session) for check in (_platform, _touch, _screen, _gpu))
    return [hit.detail for hit in hits if hit is not None]


def _platform(ua: ParsedUA, session: CollectedSession) -> RuleHit | None:
    """navigator.platform of another OS family than the UA claims (Win32 with an Android UA)."""
    plat = platform_class(session.attributes.software.platform)
    if plat is None or plat == OTHER or ua.os_class == OTHER or plat == ua.os_class:
        return None
    if plat in _UNIX and ua.os_class in _UNIX:
        return None
    if {plat, ua.os_class} == {MAC, IOS}:
        # iPads say Macintosh/MacIntel; iPhones in desktop mode too. A Mac has no touch.
        touch = session.attributes.device.touch_points
        if touch is None or touch > 0:
            return None
    return RuleHit(
        code="UA_PLATFORM_MISMATCH",
        flag="ua_mismatch",
        detail=f"user agent {ua.os_class}, platform {plat}",
    )


def _touch(ua: ParsedUA, session: CollectedSession) -> RuleHit | None:
    """A phone user agent on a device without a touch screen."""
    if ua.is_phone and session.attributes.device.touch_points == 0:
        return RuleHit(
            code="UA_TOUCH_MISMATCH", flag="ua_mismatch", detail=f"{ua.os_class} phone, 0 touch"
        )
    return None


def _screen(ua: ParsedUA, session: CollectedSession) -> RuleHit | None:
    """Screen size impossible for the device class the user agent claims."""
    device = session.attributes.device
    w, h = device.screen_width, device.screen_height
    if not w or not h:
        return None
    if ua.is_phone and min(w, h) > 1000:
        return RuleHit(
            code="UA_SCREEN_MISMATCH",
            flag="ua_mismatch",
            strength=0.8,
            detail="phone, desktop screen",
        )
    # Desktop Windows/Linux with a portrait phone-sized or tiny screen. Mac is left out (iPads
    # and iPhones in desktop mode say Macintosh); Linux needs touch == 0, because Android
    # phones in desktop-site mode say "X11; Linux x86_64" and keep their touch screen.
    if ua.is_mobile or ua.os_class not in (WINDOWS, LINUX):
        return None
    if ua.os_class == LINUX and device.touch_points != 0:
        return None
    if (w < 600 and h > w) or max(w, h) < 200:
        return RuleHit(
            code="UA_SCREEN_MISMATCH",
            flag="ua_mismatch",
            strength=0.8,
            detail=f"{ua.os_class} desktop, phone-sized screen",
        )
    return None


def _gpu(ua: ParsedUA, session: CollectedSession) -> RuleHit | None:
    """A WebGL renderer that the OS the user agent claims never has."""
    renderer = (session.attributes.device.webgl_renderer or "").strip().lower()
    if not renderer or "emulator" in renderer:
        return None  # emulators are the emulator plugin's business
    bad = False
    if ua.os_class == IOS:
        # Every iOS browser is WebKit on an Apple GPU ("Apple GPU"; masked: "WebKit WebGL").
        bad = "apple" not in renderer and "webkit" not in renderer
    elif ua.os_class == ANDROID:
        bad = "apple" in renderer or "direct3d" in renderer or "metal renderer" in renderer
    elif ua.os_class == MAC:
        bad = (
            "direct3d" in renderer
            or "d3d11" in renderer
            or "adreno" in renderer
            or bool(_MALI.search(renderer))
        )
    elif ua.os_class == WINDOWS:
        bad = (
            "metal renderer" in renderer
            or "apple gpu" in renderer
            or bool(_APPLE_M.search(renderer))
        )
    if not bad:
        return None
    return RuleHit(
        code="UA_GPU_MISMATCH",
        flag="ua_mismatch",
        strength=0.9,
        detail=f"user agent {ua.os_class}, renderer of another platform",
    )


def _sdk_os(ua: ParsedUA, session: CollectedSession) -> RuleHit | None:
    """The SDK runs on one OS and the (web view) user agent names another."""
    sdk = sdk_os_class(session.attributes.software.os, session.channel)
    if sdk is None or sdk == OTHER or ua.os_class == OTHER:
        return None
    allowed = {ANDROID: {ANDROID, LINUX}, IOS: {IOS, MAC}}[sdk]  # desktop-mode web views
    if ua.os_class in allowed:
        return None
    return RuleHit(
        code="UA_OS_MISMATCH", flag="ua_mismatch", detail=f"sdk {sdk}, user agent {ua.os_class}"
    )
