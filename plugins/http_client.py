"""The collect request itself: what its User-Agent and client hints say about the client.

The payload is whatever the poster wrote; the request's own headers come from the HTTP
stack that sent it, which a script rarely bothers to dress. A browser's fetch sends the
same User-Agent as `navigator.userAgent`, and Chromium adds Sec-CH-UA hints from its real
engine, even when a driver overrides the user agent string. So:

- `HTTP_SCRIPT_CLIENT` (automation): no User-Agent, an HTTP library (python-urllib, curl,
  Go-http-client, okhttp...) or an automation tool. On the web an app's networking stack
  (CFNetwork, Dalvik, OkHttp) is one too; on the SDK channels it is where an SDK posts from.
- `HTTP_CRAWLER` (automation): a declared bot or crawler on the web channel.
- `HTTP_NOT_A_BROWSER` (automation): on the web, a User-Agent with no browser's shape.
- `HTTP_UA_MISMATCH` (ua_mismatch): on the web, a browser's header that is not the
  payload's user agent (stronger when browser family or OS differ).
- `HTTP_HINTS_MISMATCH` (ua_mismatch): Sec-CH-UA* against the payload's user agent: another
  Chromium version, another OS, phone against desktop, or hints from a browser that claims
  to be Firefox or Safari (they send none). A HeadlessChrome brand is automation
  (`HTTP_HEADLESS_HINT`).
- `SDK_BROWSER_USER_AGENT` (ua_mismatch): an SDK payload sent by, or claiming, a browser
  (a browser's user agent that no app's web view or networking stack sends).

Collect requests relayed by the lender's own server must forward User-Agent and the
Sec-CH-UA* headers (a plain reverse proxy does), or they read as a script.
"""

from __future__ import annotations

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._bots import (
    APP_STACK,
    AUTOMATION_TOOL,
    BROWSER,
    CRAWLER,
    HTTP_LIBRARY,
    NONE,
    OTHER,
    chromium_major,
    client_kind,
    headless_brand,
    parse_brands,
)
from plugins._ua import (
    ANDROID,
    CHROMEOS,
    IOS,
    LINUX,
    ParsedUA,
    parse_ua,
    platform_class,
    sdk_os_class,
)
from plugins._ua import OTHER as OS_OTHER

FLAGS: tuple[str, ...] = ("automation", "ua_mismatch")
CODES: tuple[str, ...] = (
    "HTTP_SCRIPT_CLIENT",
    "HTTP_CRAWLER",
    "HTTP_NOT_A_BROWSER",
    "HTTP_UA_MISMATCH",
    "HTTP_HINTS_MISMATCH",
    "HTTP_HEADLESS_HINT",
    "SDK_BROWSER_USER_AGENT",
)
FEATURES: dict[str, str] = {
    "http_client_kind": "what the collect request's User-Agent header is: browser, "
    "legacy_browser (a browser's lineage without a current browser's shape), http_library, "
    "automation_tool, crawler, app_stack, other or none (None: not recorded)",
    "http_ua_matches_payload": "the request's User-Agent header is the payload's user agent "
    "(None when either is missing)",
    "http_client_hints": "the request carried Sec-CH-UA client hints (Chromium browsers)",
}

_SDK_CHANNELS = frozenset({"android", "ios"})
_UNIX = frozenset({ANDROID, LINUX, CHROMEOS})
_NON_CHROMIUM = frozenset({"Firefox", "Firefox Mobile", "Firefox iOS", "Safari", "Mobile Safari"})


def header_kind(session: CollectedSession) -> str | None:
    """The kind of client the request's User-Agent names; None when nothing was recorded
    (sessions collected before the header was kept, or a header withheld as personal)."""
    if "user-agent" in session.http_withheld:
        return OTHER  # it carried a direct identifier: never a browser's
    if session.http_user_agent is None:
        return None
    return client_kind(session.http_user_agent)


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    header, payload = session.http_user_agent, session.attributes.software.user_agent
    return {
        "http_client_kind": header_kind(session),
        "http_ua_matches_payload": (
            None if not header or not payload else header.strip() == payload.strip()
        ),
        "http_client_hints": session.http_ch_ua is not None,
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    hits = [
        hit
        for hit in (
            _script(session),
            _not_a_browser(session),
            _header_mismatch(session),
            _sdk_browser(session),
        )
        if hit is not None
    ]
    hits.extend(_hints(session))
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)


def _script(session: CollectedSession) -> RuleHit | None:
    kind = header_kind(session)
    web = session.channel not in _SDK_CHANNELS
    if kind in (NONE, HTTP_LIBRARY, AUTOMATION_TOOL) or (kind == APP_STACK and web):
        detail = "no user agent" if kind == NONE else f"{kind}: {_head(session)}"
        return RuleHit(code="HTTP_SCRIPT_CLIENT", flag="automation", detail=detail)
    return None


def _not_a_browser(session: CollectedSession) -> RuleHit | None:
    if session.channel in _SDK_CHANNELS:
        return None
    kind = header_kind(session)
    if kind == CRAWLER:
        return RuleHit(code="HTTP_CRAWLER", flag="automation", detail=_head(session))
    if kind == OTHER:
        return RuleHit(code="HTTP_NOT_A_BROWSER", flag="automation", detail="no browser shape")
    return None


def _header_mismatch(session: CollectedSession) -> RuleHit | None:
    """Two browser user agents, header and payload, that differ."""
    header, payload = session.http_user_agent, session.attributes.software.user_agent
    if session.channel in _SDK_CHANNELS or not header or not payload:
        return None
    header, payload = header.strip(), payload.strip()
    if header == payload or client_kind(header) != BROWSER or client_kind(payload) != BROWSER:
        return None
    h, p = parse_ua(header), parse_ua(payload)
    different = h.browser != p.browser or h.os_class != p.os_class or h.is_phone != p.is_phone
    return RuleHit(
        code="HTTP_UA_MISMATCH",
        flag="ua_mismatch",
        strength=1.0 if different else 0.6,
        detail="another browser or os" if different else "another version",
    )


def _hints(session: CollectedSession) -> list[RuleHit]:
    """Sec-CH-UA* (from the real engine) against the user agent the payload claims."""
    brands = parse_brands(session.http_ch_ua)
    out: list[RuleHit] = []
    if brands and headless_brand(brands):
        out.append(RuleHit(code="HTTP_HEADLESS_HINT", flag="automation", detail="HeadlessChrome"))
    payload = (session.attributes.software.user_agent or "").strip()
    if session.channel in _SDK_CHANNELS or not payload or client_kind(payload) != BROWSER:
        return out
    ua = parse_ua(payload)
    problem = _hint_problem(ua, payload, brands, session)
    if problem is not None:
        out.append(RuleHit(code="HTTP_HINTS_MISMATCH", flag="ua_mismatch", detail=problem))
    return out


def _hint_problem(
    ua: ParsedUA, payload: str, brands: list[tuple[str, int]] | None, session: CollectedSession
) -> str | None:
    if brands is not None:
        if ua.browser in _NON_CHROMIUM:
            return f"client hints from a browser claiming {ua.browser}"
        engine = chromium_major(brands)
        claimed = _chrome_token(payload)
        if engine is not None and claimed is not None and engine != claimed:
            return f"hints say Chromium {engine}, user agent {claimed}"
    platform = platform_class(session.http_ch_ua_platform)
    if platform is not None and platform != OS_OTHER and ua.os_class != OS_OTHER:
        same = platform == ua.os_class or (platform in _UNIX and ua.os_class in _UNIX)
        if not same:
            return f"hints say {platform}, user agent {ua.os_class}"
    mobile = session.http_ch_ua_mobile
    if mobile is True and ua.is_desktop:
        return "hints say mobile, user agent desktop"
    if mobile is False and ua.is_phone and ua.os_class == ANDROID:
        return "hints say desktop, user agent phone"
    return None


def _chrome_token(ua: str) -> int | None:
    """The major of the `Chrome/` token of a user agent (Chromium browsers), else None."""
    at = ua.find("Chrome/")
    if at < 0:
        return None
    digits = ua[at + 7 : at + 15].split(".", 1)[0]
    return int(digits) if digits.isdigit() else None


def _sdk_browser(session: CollectedSession) -> RuleHit | None:
    """An SDK channel whose request or payload names a browser no app sends from."""
    if session.channel not in _SDK_CHANNELS:
        return None
    for source, value in (
        ("request", session.http_user_agent),
        ("payload", session.attributes.software.user_agent),
    ):
        text = (value or "").strip()
        if text and client_kind(text) == BROWSER and not _web_view(text, session):
            return RuleHit(
                code="SDK_BROWSER_USER_AGENT",
                flag="ua_mismatch",
                detail=f"{source}: a browser's user agent",
            )
    return None


def _web_view(ua: str, session: CollectedSession) -> bool:
    """An app's web view of the SDK's own OS: Android's `; wv)` WebView, or iOS's
    WKWebView (no `Safari/` token). Anything else is a browser, not an app."""
    parsed = parse_ua(ua)
    sdk = sdk_os_class(session.attributes.software.os, session.channel)
    if parsed.os_class == ANDROID and sdk == ANDROID:
        return "; wv)" in ua
    if parsed.os_class == IOS and sdk == IOS:
        return "Safari/" not in ua
    return False


def _head(session: CollectedSession) -> str:
    """A short, safe excerpt of the header for the reason detail (its product token)."""
    text = (session.http_user_agent or "").strip()
    return text.split(" ", 1)[0][:40]
