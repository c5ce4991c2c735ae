"""The adversaries: anti-detect kits from the registries, each in its costumes, over CDP.

Four kits, each installed pinned from its registry and each dressing Debian's Chromium
(`/usr/bin/chromium`; no kit downloads a browser here):

- `fingerprint-suite`: Apify's fingerprint-injector + fingerprint-generator on playwright-core
  (npm, `node/kit.js`);
- `puppeteer-stealth`: puppeteer-extra + puppeteer-extra-plugin-stealth on puppeteer-core
  (npm, `node/kit.js`);
- `browserforge`: browserforge's fingerprint generator and its Playwright injector (PyPI);
- `playwright-stealth`: the playwright-stealth package (PyPI, 2.x), its evasions plus a
  costume's user agent, platform and, for phones, Playwright's own device descriptor.

Each session loads the demo form, types into its fields with the kit's own typing (no
delays: as a bot fills a form), submits, and reads the session id the page shows.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools.adversary._common import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SESSION_TIMEOUT_S,
    Result,
    Target,
)

NODE_DIR = Path(__file__).resolve().parent / "node"
COSTUMES = ("windows-chrome", "macos-chrome", "android-chrome", "iphone-safari")
KITS = ("fingerprint-suite", "browserforge", "playwright-stealth", "puppeteer-stealth")
NODE_KITS = ("fingerprint-suite", "puppeteer-stealth")
FIELDS = (
    ("#full_name", "Jan Nowak"),
    ("#email", "jan.nowak@example.org"),
    ("#phone", "+48 600 200 300"),
    ("#income", "3900"),
    ("#comment", "Home repairs"),
)
RESULT_SELECTOR = '#result[data-session-id]:not([data-session-id=""])'

# browserforge's generator constraints per costume
BROWSERFORGE = {
    "windows-chrome": {"browser": "chrome", "os": "windows", "device": "desktop"},
    "macos-chrome": {"browser": "chrome", "os": "macos", "device": "desktop"},
    "android-chrome": {"browser": "chrome", "os": "android", "device": "mobile"},
    "iphone-safari": {"browser": "safari", "os": "ios", "device": "mobile"},
}
# playwright-stealth: what the costume claims (platform, vendor), and Playwright's device
_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
STEALTH: dict[str, dict[str, str]] = {
    "windows-chrome": {"platform": "Win32", "ua": _WIN + " Chrome/{major}.0.0.0 Safari/537.36"},
    "macos-chrome": {"platform": "MacIntel", "ua": _MAC + " Chrome/{major}.0.0.0 Safari/537.36"},
    "android-chrome": {"platform": "Linux armv81", "device": "Pixel 7"},
    "iphone-safari": {
        "platform": "iPhone",
        "device": "iPhone 15",
        "vendor": "Apple Computer, Inc.",
    },
}


def run_kit(
    target: Target, kit: str, costume: str, mode: str, display: str | None, workdir: Path
) -> Result:
    """One costumed session, scored; a failure is recorded in the result, not raised."""
    result = Result(group="kit", kit=kit, costume=costume, mode=mode)
    try:
        if kit in NODE_KITS:
            session_id, user_agent = _node_session(target, kit, costume, mode, display, workdir)
        else:
            session_id, user_agent = _python_session(target, kit, costume, mode, display)
    except Exception as exc:  # a kit that breaks is a finding for the table, not a crash
        result.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        return result
    result.session_id = session_id
    result.user_agent = user_agent
    return result


def _node_session(
    target: Target, kit: str, costume: str, mode: str, display: str | None, workdir: Path
) -> tuple[str, str]:
    if not (NODE_DIR / "node_modules").is_dir():
        raise RuntimeError(f"{NODE_DIR}/node_modules missing; run tools/install_adversary.sh")
    env = {**os.environ, "CHROMIUM": str(CHROMIUM), "PUPPETEER_SKIP_DOWNLOAD": "1"}
    if display:
        env["DISPLAY"] = display
    proc = subprocess.run(
        ["node", str(NODE_DIR / "kit.js"), kit, costume, mode, target.demo_url],
        cwd=NODE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=SESSION_TIMEOUT_S * 2,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-300:] or f"kit.js exited {proc.returncode}")
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    return str(answer["session_id"]), str(answer["user_agent"])


def _python_session(
    target: Target, kit: str, costume: str, mode: str, display: str | None
) -> tuple[str, str]:
    from playwright.sync_api import sync_playwright

    env: dict[str, str | float | bool] | None = (
        {**os.environ, "DISPLAY": display} if display else None
    )
    headless = mode == "headless"
    if kit == "browserforge":
        from browserforge.injectors.playwright.injector import NewContext

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=headless, args=list(CHROMIUM_ARGS), env=env
            )
            with _closing(browser):
                context = NewContext(browser, fingerprint_options=BROWSERFORGE[costume])
                return _fill_and_submit(target, context.new_page())
    if kit == "playwright-stealth":
        from playwright_stealth import Stealth

        with _stealth(costume, Stealth) as (stealth_pw, make_context):
            browser = stealth_pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=headless, args=list(CHROMIUM_ARGS), env=env
            )
            with _closing(browser):
                return _fill_and_submit(target, make_context(browser).new_page())
    raise ValueError(f"unknown kit {kit!r}; known: {', '.join(KITS)}")


@contextmanager
def _stealth(costume: str, stealth_class: Any) -> Iterator[tuple[Any, Callable[[Any], Any]]]:
    """playwright-stealth wrapped around Playwright, dressed as the costume claims."""
    from playwright.sync_api import sync_playwright

    claim = STEALTH[costume]
    options: dict[str, Any] = {"navigator_platform_override": claim["platform"]}
    with sync_playwright() as plain:
        device = dict(plain.devices[claim["device"]]) if "device" in claim else None
    if device is None:
        options["navigator_user_agent_override"] = claim["ua"].format(major=_chromium_major())
    else:
        device.pop("default_browser_type", None)
    if "vendor" in claim:
        # Safari: Apple's vendor and no Sec-CH-UA (Safari sends none). The user agent comes
        # from the device descriptor only: given as an override, the kit derives a Sec-CH-UA
        # from it and fails on a user agent without a Chrome version.
        options["navigator_vendor_override"] = claim["vendor"]
        options["sec_ch_ua"] = False
    elif device is not None:
        options["navigator_user_agent_override"] = device["user_agent"]
    stealth = stealth_class(**options)

    def make_context(browser: Any) -> Any:
        if device is not None:
            return browser.new_context(**device)
        return browser.new_context(viewport={"width": 1366, "height": 768})

    with stealth.use_sync(sync_playwright()) as pw:
        yield pw, make_context


def _fill_and_submit(target: Target, page: Any) -> tuple[str, str]:
    page.set_default_timeout(SESSION_TIMEOUT_S * 1000)
    page.goto(target.demo_url)
    for selector, text in FIELDS:
        page.click(selector)
        page.type(selector, text)  # the kit's own typing, at its default pace
    page.click("#submit")
    element = page.wait_for_selector(RESULT_SELECTOR)
    session_id = element.get_attribute("data-session-id") if element is not None else None
    return str(session_id or ""), str(page.evaluate("navigator.userAgent"))


@contextmanager
def _closing(browser: Any) -> Iterator[Any]:
    try:
        yield browser
    finally:
        browser.close()


def _chromium_major() -> str:
    out = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    return next(word.split(".")[0] for word in out.split() if word[:1].isdigit())
