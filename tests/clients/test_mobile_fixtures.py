"""The reference payloads of tests/fixtures/mobile posted to a running service, as a real app
sends them, and the flags each must and must not raise.

Each fixture is one platform and device class (a mid-range Android phone, a rooted one, the
Android emulator, an iPhone, a jailbroken one, the iOS simulator) with the exact headers its
platform's HTTP stack sends (OkHttp, or an app's own User-Agent ending in OkHttp's token;
URLSession's `App/version CFNetwork/x Darwin/y`) and no Origin, as apps send none. The
requests go out through `http.client` with only those headers, so nothing of a Python
client's own (its User-Agent, its Accept) is mixed in. The service is the real one
(`tests/process.py`), the demo tenant `demo`.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from plugins._bots import APP_STACK, client_kind
from tests.process import Server, running_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mobile"
SITE_KEY, API_KEY = "demo_site", "demo_key"
CURL = {"Content-Type": "application/json", "User-Agent": "curl/8.5.0", "Accept": "*/*"}


def fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("mobile")) as srv:
        yield srv


def post(srv: Server, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    """POST `body` as JSON with exactly `headers` (plus Host and Content-Length)."""
    url = urlsplit(srv.base_url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        data = json.dumps(body).encode()
        conn.putrequest("POST", path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        conn.close()


def score_as_app(srv: Server, fixture: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """The app's two requests with `headers`, then the back-end's score."""
    status, created = post(srv, "/v1/sessions", {"site_key": SITE_KEY}, headers)
    assert status == 201, created
    session_id = created["session_id"]
    body = {"session_id": session_id, "site_key": SITE_KEY, **fixture["collect"]}
    status, collected = post(srv, "/v1/collect", body, headers)
    assert status == 202, collected
    assert collected["dropped"] == [], "the fixture sends an optional attribute demo has off"
    backend = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
    status, scored = post(srv, "/v1/score", {"session_id": session_id}, backend)
    assert status == 200, scored
    return dict(scored)


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.stem)
def test_the_fixture_is_what_its_platform_sends(path: Path) -> None:
    fixture = json.loads(path.read_text())
    headers = {name.lower(): value for name, value in fixture["headers"].items()}
    assert fixture["platform"] == fixture["collect"]["channel"]
    assert "origin" not in headers, "apps send no Origin"
    assert client_kind(headers["user-agent"]) == APP_STACK
    assert headers["content-type"].split(";")[0] == "application/json"
    if fixture["platform"] == "ios":
        assert " CFNetwork/" in headers["user-agent"]
        assert " Darwin/" in headers["user-agent"]
    else:
        assert "okhttp/4." in headers["user-agent"]


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.stem)
def test_the_fixture_raises_its_flags_and_no_others(server: Server, path: Path) -> None:
    fixture = json.loads(path.read_text())
    scored = score_as_app(server, fixture, fixture["headers"])
    flags, reasons = scored["flags"], {r["code"] for r in scored["reasons"]}
    assert set(fixture["must_raise"]) | set(fixture["must_not_raise"]) <= set(flags)
    raised = sorted(name for name, on in flags.items() if on)
    for name in fixture["must_raise"]:
        assert flags[name] is True, f"{path.stem}: {name} not raised; raised {raised}"
    for name in fixture["must_not_raise"]:
        assert flags[name] is False, f"{path.stem}: {name} raised ({sorted(reasons)})"
    assert not reasons & set(fixture["must_not_reasons"]), sorted(reasons)


@pytest.mark.parametrize("stem", ["android_midrange", "ios_iphone"])
def test_the_same_payload_from_curl_is_a_script(server: Server, stem: str) -> None:
    """The headers are what makes the fixtures an app's: from curl, the honest phones'
    payloads are flagged (the reason the fixtures carry their platform's headers)."""
    fixture = json.loads((FIXTURES / f"{stem}.json").read_text())
    scored = score_as_app(server, fixture, CURL)
    assert scored["flags"]["automation"] is True
    assert "HTTP_SCRIPT_CLIENT" in {r["code"] for r in scored["reasons"]}
