"""Browser automation: WebDriver, headless and stealth browsers, and the traces they leave.

Admissions fire alone (`AUTOMATION_WEBDRIVER`, `AUTOMATION_HEADLESS`, `AUTOMATION_PAGE`):
`navigator.webdriver`, a HeadlessChrome user agent or brand, and what the collector found
in the page that no person's browser shows (collector.js `software.automation_signals`):
`navigator.webdriver` redefined or deleted, a Chromium browser without `window.chrome`,
a notification permission that the Permissions API contradicts, a desktop window with no
tabs or toolbar that is smaller than the screen, or a window 0 pixels wide.

`AUTOMATION_DEVTOOLS`: a DevTools protocol client with its Runtime domain enabled was
listening to the page (collector.js `devtools_protocol`): every CDP driver (Playwright,
Puppeteer, Selenium 4's CDP) enables it, whatever fingerprint the browser wears. A person
with the DevTools panel open shows it too; with it closed, never.

`AUTOMATION_UA_DATA`: `navigator.userAgentData` comes from the engine itself; a driver that
rewrites the user agent string rarely rewrites it too, so another Chromium version, another
OS, or phone against desktop gives the spoof away.

The softer traces (a software WebGL renderer, a screen-sized window without UI, no plugins
in desktop Chrome, no languages, Puppeteer's default 800x600 screen, a form typed faster
than anyone can) each have innocent explanations (a GPU on the driver blocklist, a kiosk),
so they fire only when at least two come together (`AUTOMATION_SIGNALS`).

Tested in real Chromium (tests/browser): headless Chromium driven by Playwright is found
with its user agent spoofed and `--disable-blink-features=AutomationControlled`; Chromium
started by hand under Xvfb without remote debugging (no GPU: no WebGL at all) is not.
"""

from __future__ import annotations

from engine.features import CollectedSession, Context, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._bots import brand_pairs, chromium_major, headless_brand
from plugins._settings import clamp, number
from plugins._ua import ANDROID, CHROMEOS, LINUX, OTHER, ParsedUA, platform_class, session_ua

FLAGS: tuple[str, ...] = ("automation",)
CODES: tuple[str, ...] = (
    "AUTOMATION_WEBDRIVER",
    "AUTOMATION_HEADLESS",
    "AUTOMATION_PAGE",
    "AUTOMATION_UA_DATA",
    "AUTOMATION_SIGNALS",
    "AUTOMATION_DEVTOOLS",
)
FEATURES: dict[str, str] = {
    "automation_signals": "number of automation traces seen (webdriver, headless UA, page "
    "probes, userAgentData against the UA, soft traces)",
    "automation_traces": "names of those traces, comma-separated (None when there are none)",
}

# What collector.js may report, and how much each says alone (1.0: an admission).
PAGE_SIGNALS: dict[str, float] = {
    "webdriver_tampered": 1.0,
    "headless_brand": 1.0,
    "notification_permission_inconsistent": 1.0,
    "chrome_object_missing": 1.0,
    "window_without_ui": 1.0,  # desktop only
    "zero_outer_size": 1.0,  # desktop only: iOS web views report 0 too
}
_DESKTOP_ONLY = frozenset({"window_without_ui", "zero_outer_size", "screen_window_without_ui"})
_ADMISSIONS = frozenset({"webdriver", "headless_user_agent", "ua_data_mismatch", *PAGE_SIGNALS})
_SOFTWARE_RENDERERS = ("swiftshader", "llvmpipe", "softpipe", "mesa offscreen")
_CHROMIUM_DESKTOP = frozenset({"Chrome", "Edge", "Opera", "Vivaldi", "Yandex Browser", "Brave"})
_UNIX = frozenset({ANDROID, LINUX, CHROMEOS})
_MAX_CHARS_PER_SECOND = 20.0  # 240 words a minute, sustained over the whole page visit


def signals(session: CollectedSession, max_cps: float = _MAX_CHARS_PER_SECOND) -> list[str]:
    """Names of the automation traces present in the session, admissions first."""
    attrs = session.attributes
    software, device, behaviour = attrs.software, attrs.device, attrs.behaviour
    ua = session_ua(session)
    desktop = ua is not None and ua.is_desktop and not device.touch_points
    found: list[str] = []
    if software.webdriver is True:
        found.append("webdriver")
    if ua is not None and ua.is_headless:
        found.append("headless_user_agent")
    page = list(dict.fromkeys(software.automation_signals or ()))
    pairs = brand_pairs(software.ua_data_brands)
    if pairs and headless_brand(pairs) and "headless_brand" not in page:
        page.append("headless_brand")
    for name in page:
        if name in PAGE_SIGNALS and (desktop or name not in _DESKTOP_ONLY):
            found.append(name)
    if ua is not None and ua_data_problem(session, ua) is not None:
        found.append("ua_data_mismatch")
    if desktop and "screen_window_without_ui" in page:
        found.append("screen_window_without_ui")
    renderer = (device.webgl_renderer or "").lower()
    if any(marker in renderer for marker in _SOFTWARE_RENDERERS):
        found.append("software_renderer")
    if (
        device.plugins_count == 0
        and ua is not None
        and ua.is_desktop
        and ua.browser in _CHROMIUM_DESKTOP
    ):
        found.append("no_plugins_desktop_chrome")
    if software.languages is not None and not [x for x in software.languages if x.strip()]:
        found.append("no_languages")
    if device.screen_width == 800 and device.screen_height == 600 and session.channel == "web":
        found.append("default_headless_screen")
    typed = sum(f.chars_typed for f in behaviour.fields or ())
    if typed >= 20 and behaviour.time_on_page_ms is not None:
        seconds = max(behaviour.time_on_page_ms, 1) / 1000
        if typed / seconds > max_cps:
            found.append("inhuman_typing_speed")
    return found


def ua_data_problem(session: CollectedSession, ua: ParsedUA) -> str | None:
    """How navigator.userAgentData contradicts navigator.userAgent, or None."""
    software = session.attributes.software
    pairs = brand_pairs(software.ua_data_brands)
    engine = chromium_major(pairs) if pairs else None
    claimed = _chrome_major(software.user_agent or "")
    if engine is not None and claimed is not None and engine != claimed:
        return f"userAgentData Chromium {engine}, user agent {claimed}"
    platform = platform_class(software.ua_data_platform)
    if platform is not None and platform != OTHER and ua.os_class != OTHER:
        if platform != ua.os_class and not (platform in _UNIX and ua.os_class in _UNIX):
            return f"userAgentData {platform}, user agent {ua.os_class}"
    if software.ua_data_mobile is True and ua.is_desktop:
        return "userAgentData mobile, user agent desktop"
    if software.ua_data_mobile is False and ua.is_phone and ua.os_class == ANDROID:
        return "userAgentData desktop, user agent phone"
    return None


def _chrome_major(ua: str) -> int | None:
    at = ua.find("Chrome/")
    if at < 0 or "CriOS/" in ua:
        return None
    digits = ua[at + 7 : at + 15].split(".", 1)[0]
    return int(digits) if digits.isdigit() else None


@hookimpl
def anonscore_extract_features(session: CollectedSession, context: Context) -> Features:
    found = signals(session, _max_cps(context))
    return {"automation_signals": len(found), "automation_traces": ",".join(found) or None}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, context: Context) -> list[RuleHit] | None:
    found = signals(session, _max_cps(context))
    hits: list[RuleHit] = []
    if "webdriver" in found:
        hits.append(RuleHit(code="AUTOMATION_WEBDRIVER", flag="automation", detail="webdriver"))
    if "headless_user_agent" in found or "headless_brand" in found:
        hits.append(
            RuleHit(code="AUTOMATION_HEADLESS", flag="automation", detail="headless chromium")
        )
    page = [s for s in found if s in PAGE_SIGNALS and s != "headless_brand"]
    if page:
        strength = max(PAGE_SIGNALS[s] for s in page)
        hits.append(
            RuleHit(
                code="AUTOMATION_PAGE", flag="automation", strength=strength, detail=",".join(page)
            )
        )
    if session.attributes.coherence.devtools_protocol is True:
        hits.append(
            RuleHit(code="AUTOMATION_DEVTOOLS", flag="automation", detail="runtime domain enabled")
        )
    ua = session_ua(session)
    problem = ua_data_problem(session, ua) if ua is not None else None
    if problem is not None:
        hits.append(RuleHit(code="AUTOMATION_UA_DATA", flag="automation", detail=problem))
    soft = [s for s in found if s not in _ADMISSIONS]
    if soft and len(soft) >= number(context, "min_soft_signals", 2):
        hits.append(
            RuleHit(
                code="AUTOMATION_SIGNALS",
                flag="automation",
                strength=clamp(0.95 + 0.05 * (len(soft) - 2)),
                detail=",".join(soft),
            )
        )
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)


def _max_cps(context: Context) -> float:
    return number(context, "max_chars_per_second", _MAX_CHARS_PER_SECOND)
