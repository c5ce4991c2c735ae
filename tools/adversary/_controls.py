"""Honest controls: browsers started by hand under Xvfb, no DevTools protocol, X-event typing.

What a person's browser looks like to the service, and what the detection must leave clean:

- `chromium-xdotool`: Debian's Chromium on the demo form, a fresh profile, only the flags this
  sandbox needs (no `--remote-debugging-*`, no driver), in several window sizes and zoom
  levels (`--force-device-scale-factor`);
- `chromium-csp`: the same on the harness's own lender page, served with a strict
  Content-Security-Policy (`script-src 'self'`, see `_lender.py`);
- `firefox-esr` and `firefox-esr-rfp`: Debian's Firefox ESR in a fresh profile, once plain and
  once with `privacy.resistFingerprinting` on (a privacy setting is not a lie).

Each types through xdotool with varied delays and one corrected typo, clicks submit, and the
page posts the session id to the harness's receiver, which the harness then scores.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tools.adversary._common import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIREFOX,
    SESSION_TIMEOUT_S,
    XVFB,
    Result,
)
from tools.adversary._lender import Receiver
from tools.adversary._xinput import BUTTON_RGB, HEADER_RGB, Screen

FIELDS = (  # (Tab presses to reach the field from the previous one, text)
    (1, "Ewa Lis"),
    (1, "ewa.lis@example.org"),
    (1, "+48 601 300 400"),
    (3, "4100"),  # past the amount (prefilled) and the term (a select)
    (1, "Kitchen and a fridge"),
)
FIREFOX_PREFS = {
    "browser.shell.checkDefaultBrowser": "false",
    "browser.startup.homepage_override.mstone": '"ignore"',
    "browser.aboutwelcome.enabled": "false",
    "datareporting.policy.dataSubmissionEnabled": "false",
    "toolkit.telemetry.reportingpolicy.firstRun": "false",
    "app.update.enabled": "false",
    "extensions.update.enabled": "false",
    "network.captive-portal-service.enabled": "false",
    "network.connectivity-service.enabled": "false",
    "browser.safebrowsing.malware.enabled": "false",
    "browser.safebrowsing.phishing.enabled": "false",
    "browser.safebrowsing.downloads.enabled": "false",
}


@dataclass(frozen=True)
class Control:
    """One honest browser set-up: which browser, on which page, in what window."""

    name: str  # chromium-xdotool | chromium-csp | firefox-esr | firefox-esr-rfp
    screen: tuple[int, int]  # the X screen, in pixels
    window: tuple[int, int]  # the window, in the browser's own (device-independent) pixels
    zoom: float = 1.0

    @property
    def variant(self) -> str:
        return f"{self.window[0]}x{self.window[1]}@{self.zoom:g}"


CONTROLS = (
    Control("chromium-xdotool", (1366, 768), (1366, 768)),
    Control("chromium-xdotool", (1920, 1080), (1536, 864), 1.25),
    Control("chromium-xdotool", (1920, 1080), (1280, 720), 1.5),
    Control("chromium-xdotool", (2880, 1800), (1440, 900), 2.0),
    Control("chromium-csp", (1920, 1080), (1600, 900)),
    Control("firefox-esr", (1920, 1080), (1600, 900)),
    Control("firefox-esr-rfp", (1920, 1080), (1600, 900)),
)
CONTROL_NAMES = tuple(dict.fromkeys(c.name for c in CONTROLS))


def run_control(
    control: Control,
    pages: tuple[str, str],
    receiver: Receiver,
    workdir: Path,
    seed: int,
    evidence: Path | None = None,
) -> Result:
    """One honest session; a failure is recorded in the result, not raised. `pages` is (the
    demo form's URL, the harness's own base URL); on a failure the screen as it was is saved
    as a PNG under `evidence`."""
    result = Result(group="control", kit=control.name, costume=control.variant, mode="headful")
    home = workdir / f"{control.name}-{control.variant}"
    shutil.rmtree(home, ignore_errors=True)
    (home / "fb").mkdir(parents=True)
    demo_url, own_url = pages
    seen = len(receiver)
    url = own_url + "/lender" if control.name == "chromium-csp" else f"{demo_url}?report={own_url}/"
    try:
        session_id = _by_hand(control, url, home, random.Random(seed), receiver, seen, evidence)
        if session_id is None:
            result.error = "the page reported nothing after submit (was submit clicked?)"
        elif not session_id:
            result.error = "the page had no session when submitted (is the collector up?)"
        result.session_id = session_id or None
    except Exception as exc:  # recorded for the table; the run goes on
        result.error = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return result


def _by_hand(
    control: Control,
    url: str,
    home: Path,
    rng: random.Random,
    receiver: Receiver,
    seen: int,
    evidence: Path | None,
) -> str | None:
    """Start Xvfb and the browser, fill and submit the form, wait for the page's report."""
    width, height = control.screen
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        [
            str(XVFB),
            *("-displayfd", str(write), "-screen", "0", f"{width}x{height}x24"),
            *("-fbdir", str(home / "fb"), "-nolisten", "tcp"),
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        display = ":" + pipe.readline().strip()
    screen = Screen(display, home / "fb", rng)
    try:
        env = {**os.environ, "DISPLAY": display, "HOME": str(home)}
        with (home / "browser.log").open("wb") as log:
            browser = subprocess.Popen(
                _command(control, url, home), env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            _fill_form(screen, home)
            session_id = receiver.wait(seen, SESSION_TIMEOUT_S)
            if not session_id and evidence is not None:
                _save_screen(screen, evidence / f"{control.name}-{control.variant}.png")
            return session_id
        except Exception:
            if evidence is not None:
                _save_screen(screen, evidence / f"{control.name}-{control.variant}.png")
            raise
        finally:
            browser.terminate()
            try:
                browser.wait(timeout=20)
            except subprocess.TimeoutExpired:
                browser.kill()
                browser.wait()
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def _save_screen(screen: Screen, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    plt.imsave(path, screen.pixels())


def _command(control: Control, url: str, home: Path) -> list[str]:
    width, height = control.window
    if control.name.startswith("chromium"):
        return [
            str(CHROMIUM),
            *CHROMIUM_ARGS,
            f"--user-data-dir={home / 'profile'}",
            "--window-position=0,0",
            f"--window-size={width},{height}",
            f"--force-device-scale-factor={control.zoom:g}",
            url,
        ]
    profile = home / "profile"
    profile.mkdir()
    prefs = dict(FIREFOX_PREFS)
    if control.name.endswith("-rfp"):
        prefs["privacy.resistFingerprinting"] = "true"
    lines = [f'user_pref("{name}", {value});' for name, value in prefs.items()]
    (profile / "user.js").write_text("\n".join(lines) + "\n")
    return [
        str(FIREFOX),
        "--no-remote",
        "--new-instance",
        "--profile",
        str(profile),
        "-width",
        str(width),
        "-height",
        str(height),
        url,
    ]


def _fill_form(screen: Screen, home: Path) -> None:
    header = screen.wait_for(HEADER_RGB, SESSION_TIMEOUT_S)
    if header is None:
        log = (home / "browser.log").read_text(errors="replace")[-300:]
        raise RuntimeError(f"the form never showed on screen; browser log: {log}")
    time.sleep(screen.rng.uniform(2.5, 4.0))  # a person reads the page before typing
    screen.click(header[0] + screen.rng.randint(-40, 40), header[1])
    for i, (tabs, text) in enumerate(FIELDS):
        for _ in range(tabs):
            screen.key("Tab")
        screen.type_text(text, typo=i == 0)
        time.sleep(screen.rng.uniform(0.3, 1.0))
    screen.key("Tab")  # onto the submit button, which scrolls it into view
    button = screen.wait_for(BUTTON_RGB, 5.0)
    if button is None:  # a page that looks different: submit as a keyboard user does
        screen.key("Return")
    else:
        screen.click(*button)
