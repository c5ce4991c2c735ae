"""User-Agents real apps send on the SDK channels are an app's, not a script's.

An app that sets its own User-Agent often keeps its HTTP stack's token after its name
(`LoanApp/3.2.0 (Linux; U; Android 14; ...) okhttp/4.12.0`); the bot list names `okhttp` an
HTTP library, so before the fix that header read as a script (`HTTP_SCRIPT_CLIENT`) and, as
the payload's user agent, as a bot (`UA_BOT`) on channel "android". On the web the same
headers stay a script's: no page's fetch sends them.
"""

from __future__ import annotations

import pytest

from plugins import http_client, user_agent
from plugins._bots import APP_STACK, client_kind
from tests.plugins.support import build_session, codes_of

ANDROID_14 = "Linux; U; Android 14; SM-A546B Build/UP1A.231005.007"
APP_HEADERS = [
    ("android", "okhttp/4.12.0"),
    ("android", f"Dalvik/2.1.0 ({ANDROID_14})"),
    ("android", f"LoanApp/3.2.0 ({ANDROID_14}) okhttp/4.12.0"),
    ("android", "LoanApp/3.2.0 (Android 14; SM-A546B) okhttp/4.12.0"),
    ("android", "com.example.loans/3.2.0 okhttp/3.14.9"),
    ("ios", "LoanApp/5.2 CFNetwork/1498.700.2 Darwin/23.6.0"),
    ("ios", "Loan%20App/52 CFNetwork/1498.700.2 Darwin/23.6.0"),
]
SCRIPT_CODES = {"HTTP_SCRIPT_CLIENT", "UA_BOT", "SDK_BROWSER_USER_AGENT"}


@pytest.mark.parametrize(("channel", "header"), APP_HEADERS)
def test_an_apps_own_header_is_an_app_stack(channel: str, header: str) -> None:
    assert client_kind(header) == APP_STACK


@pytest.mark.parametrize(("channel", "header"), APP_HEADERS)
def test_an_apps_header_and_payload_raise_nothing_on_its_channel(channel: str, header: str) -> None:
    os_name = "Android" if channel == "android" else "iOS"
    attrs = {"software": {"os": os_name, "user_agent": header}}
    session = build_session(attrs, channel=channel, http_user_agent=header)
    found = codes_of(http_client.anonscore_evaluate_rule(session))
    found |= codes_of(user_agent.anonscore_evaluate_rule(session))
    assert not found & SCRIPT_CODES, found


@pytest.mark.parametrize(("channel", "header"), APP_HEADERS)
def test_the_same_header_on_the_web_is_a_script(channel: str, header: str) -> None:
    session = build_session({}, channel="web", http_user_agent=header)
    assert "HTTP_SCRIPT_CLIENT" in codes_of(http_client.anonscore_evaluate_rule(session))


@pytest.mark.parametrize(
    "header", ["curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1", "axios/1.7.2"]
)
def test_a_script_on_an_app_channel_is_still_a_script(header: str) -> None:
    session = build_session(
        {"software": {"os": "Android"}}, channel="android", http_user_agent=header
    )
    assert "HTTP_SCRIPT_CLIENT" in codes_of(http_client.anonscore_evaluate_rule(session))
