"""plugins/outdated_browser.py and the legacy-browser kind of plugins/_bots.py: an old or
odd browser is its own small code, never `automation`."""

from __future__ import annotations

import pytest

from plugins import http_client, outdated_browser, privacy_browser, user_agent
from plugins._bots import BROWSER, CRAWLER, LEGACY_BROWSER, OTHER, client_kind
from tests.plugins.support import UA, build_context, build_session, codes_of

CTX = build_context()
PRESTO = "Opera/9.80 (Windows NT 6.0; Edition Next) Presto/2.12 Version/12.10"
MSIE6 = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"
NESTED = (
    "Mozilla/5.0 (Linux; Android 5.1.1; PHICOMM C630 (CLUE L)) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/80.0.3987.99 Mobile Safari/537.36"
)
CHROME_90 = UA["chrome_android"].replace("Chrome/131.", "Chrome/90.")


@pytest.mark.parametrize(
    ("ua", "kind"),
    [
        (PRESTO, LEGACY_BROWSER),
        (MSIE6, LEGACY_BROWSER),
        (NESTED, LEGACY_BROWSER),
        (UA["chrome_win"], BROWSER),
        ("Zq9 client", OTHER),
        # crawler patterns that name phone models match only in the device comment
        (UA["chrome_android"].replace("; K)", "; HTC Butterfly)"), BROWSER),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", CRAWLER),
    ],
)
def test_client_kind(ua: str, kind: str) -> None:
    assert client_kind(ua) == kind


@pytest.mark.parametrize("ua", [PRESTO, MSIE6, NESTED, CHROME_90])
def test_old_or_odd_browsers_are_outdated_not_automation(ua: str) -> None:
    session = build_session({"software": {"user_agent": ua}}, http_user_agent=ua)
    hit = outdated_browser.anonscore_evaluate_rule(session, CTX)
    assert hit is not None
    assert (hit.code, hit.flag) == ("UA_OUTDATED_BROWSER", None)
    assert "automation" not in {h.flag for h in user_agent.anonscore_evaluate_rule(session) or ()}
    assert "automation" not in {h.flag for h in http_client.anonscore_evaluate_rule(session) or ()}


def test_current_browsers_and_tenant_floors(real_profile) -> None:
    assert outdated_browser.anonscore_evaluate_rule(real_profile, CTX) is None
    session = build_session({"software": {"user_agent": UA["chrome_win"]}})  # Chrome 131
    assert outdated_browser.anonscore_evaluate_rule(session, CTX) is None
    strict = build_context({"min_chrome": 140})
    assert outdated_browser.anonscore_evaluate_rule(session, strict) is not None


def test_privacy_browser_code_has_no_flag() -> None:
    rfp = build_session(
        {
            "software": {"user_agent": UA["firefox_win"], "timezone": "UTC",
                         "timezone_offset_min": 0},
        }
    )  # fmt: skip
    hit = privacy_browser.anonscore_evaluate_rule(rfp)
    assert hit is not None
    assert (hit.code, hit.flag, hit.detail) == ("PRIVACY_BROWSER", None, "resist_fingerprinting")
    patched = build_session({"coherence": {"native_readback": ["canvas_to_data_url"]}})
    assert codes_of(privacy_browser.anonscore_evaluate_rule(patched)) == {"PRIVACY_BROWSER"}
    chrome = build_session({"software": {"user_agent": UA["chrome_win"], "timezone": "UTC"}})
    assert privacy_browser.anonscore_evaluate_rule(chrome) is None
