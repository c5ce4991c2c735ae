"""Browser automation: WebDriver, headless browsers and the traces they leave.

`navigator.webdriver` and a "HeadlessChrome" user agent are admissions: each fires alone.
The softer traces (a software WebGL renderer, no plugins in desktop Chrome, no languages,
Puppeteer's default 800x600 screen, a form typed faster than anyone can) each have innocent
explanations, so they fire only when at least two come together.
"""

from __future__ import annotations

from engine.features import CollectedSession, Context, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._settings import clamp, number
from plugins._ua import session_ua

FLAGS: tuple[str, ...] = ("automation",)
CODES: tuple[str, ...] = ("AUTOMATION_WEBDRIVER", "AUTOMATION_HEADLESS", "AUTOMATION_SIGNALS")
FEATURES: dict[str, str] = {
    "automation_signals": "number of automation traces seen (webdriver, headless UA, soft traces)",
}

_ADMISSIONS = frozenset({"webdriver", "headless_user_agent"})
_SOFTWARE_RENDERERS = ("swiftshader", "llvmpipe", "softpipe", "mesa offscreen")
_CHROMIUM_DESKTOP = frozenset({"Chrome", "Edge", "Opera", "Vivaldi", "Yandex Browser", "Brave"})
_MAX_CHARS_PER_SECOND = 20.0  # 240 words a minute, sustained over the whole page visit


def signals(session: CollectedSession, max_cps: float = _MAX_CHARS_PER_SECOND) -> list[str]:
    """Names of the automation traces present in the session, admissions first."""
    attrs = session.attributes
    software, device, behaviour = attrs.software, attrs.device, attrs.behaviour
    ua = session_ua(session)
    found: list[str] = []
    if software.webdriver is True:
        found.append("webdriver")
    if ua is not None and ua.is_headless:
        found.append("headless_user_agent")
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


@hookimpl
def anonscore_extract_features(session: CollectedSession, context: Context) -> Features:
    return {"automation_signals": len(signals(session, _max_cps(context)))}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, context: Context) -> list[RuleHit] | None:
    found = signals(session, _max_cps(context))
    hits: list[RuleHit] = []
    if "webdriver" in found:
        hits.append(RuleHit(code="AUTOMATION_WEBDRIVER", flag="automation", detail="webdriver"))
    if "headless_user_agent" in found:
        hits.append(
            RuleHit(code="AUTOMATION_HEADLESS", flag="automation", detail="headless user agent")
        )
    soft = [s for s in found if s not in _ADMISSIONS]
    if soft and len(soft) >= number(context, "min_soft_signals", 2):
        hits.append(
            RuleHit(
                code="AUTOMATION_SIGNALS",
                flag="automation",
                strength=clamp(0.5 + 0.25 * (len(soft) - 2)),
                detail=",".join(soft),
            )
        )
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)


def _max_cps(context: Context) -> float:
    return number(context, "max_chars_per_second", _MAX_CHARS_PER_SECOND)
