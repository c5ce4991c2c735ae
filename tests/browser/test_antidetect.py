"""A fingerprint-injection kit from the registry, in real Chromium: the costume is caught.

browserforge (PyPI, pinned in pyproject.toml) generates a fingerprint from real traffic
statistics and its Playwright injector (`browserforge.injectors.playwright.NewContext`)
dresses the browser: user agent and client hints through the DevTools protocol, navigator,
screen and WebGL answers through an init script. Before the coherence probes such a
browser dressed as desktop Chrome scored 0.0027 with no flag (issue 18). Each costume
here must come out `tampering`, in the top band, for what the costume cannot cover: the
worker's answers, the non-native getters, the rasterizer, the fonts, the header order.
The wider adversary harness (several kits, headful runs) lives beside this one.
"""

from __future__ import annotations

from typing import Any

import pytest
from browserforge.fingerprints import FingerprintGenerator
from browserforge.injectors.playwright import NewContext
from playwright.sync_api import Browser

from tests.process import Server

from .test_collector import fill_application, open_demo, score, submit

pytestmark = pytest.mark.browser

COSTUMES = {  # name -> FingerprintGenerator options
    "windows_chrome": {"browser": "chrome", "os": "windows", "device": "desktop"},
    "macos_chrome": {"browser": "chrome", "os": "macos", "device": "desktop"},
    "iphone_safari": {"browser": "safari", "os": "ios", "device": "mobile"},
}


def dressed(browser: Browser, server: Server, costume: str) -> dict[str, Any]:
    fingerprint = FingerprintGenerator(**COSTUMES[costume]).generate()
    context = NewContext(browser, fingerprint=fingerprint)
    try:
        visit = open_demo(context, server)
        fill_application(visit.page)
        session_id, _, status, _ = submit(visit.page)
        assert status == 202
        return score(server, "demo_site", session_id)
    finally:
        context.close()


@pytest.mark.parametrize("costume", sorted(COSTUMES))
def test_a_costumed_browser_is_caught_lying(browser: Browser, server: Server, costume: str) -> None:
    answer = dressed(browser, server, costume)
    codes = {r["code"] for r in answer["reasons"]}
    assert answer["flags"]["tampering"] is True, codes
    assert {"TAMPERING_WORKER", "TAMPERING_NATIVE"} <= codes
    assert answer["flags"]["automation"] is True  # driven over the DevTools protocol
    assert "AUTOMATION_DEVTOOLS" in codes
    assert answer["score"] >= 0.5
