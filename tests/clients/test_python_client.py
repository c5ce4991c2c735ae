"""The Python back-end client (clients/python) against a running service: typed answers,
one exception per error code, bounded retries on 503 with Retry-After, fail-open and
fail-closed when the service cannot answer, sync and async."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from anonscore_client import (
    AsyncClient,
    Client,
    Conflict,
    NotFound,
    Overloaded,
    Score,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    ValidationError,
)

from tests.hostile.conftest import set_service
from tests.process import Server, running_server
from tests.support import web_attributes

UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("client")) as srv:
        yield srv


def _session(srv: Server, *, collect: bool = True) -> str:
    page = {"Origin": srv.base_url, "User-Agent": UA}
    with httpx.Client(base_url=srv.base_url, headers=page, timeout=10) as http:
        created = http.post("/v1/sessions", json={"site_key": "demo_site"})
        sid: str = created.json()["session_id"]
        if collect:
            body = {"session_id": sid, "site_key": "demo_site", "channel": "web"}
            answer = http.post("/v1/collect", json={**body, "attributes": web_attributes()})
            assert answer.status_code == 202, answer.text
    return sid


class CountingTransport(httpx.HTTPTransport):
    """A real transport that counts the requests it sends (to see the retries)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return super().handle_request(request)


def test_score_feedback_erasure_and_catalogue_come_back_typed(server: Server) -> None:
    sid = _session(server)
    with Client(server.base_url, "demo_key") as client:
        answer = client.score(sid)
        assert isinstance(answer, Score)
        assert answer.session_id == sid
        assert 0.0 <= answer.score <= 1.0
        assert answer.device_id
        assert not answer.fallback
        assert answer.flagged("emulator") is False
        assert answer.flagged("a_flag_from_a_future_version") is False
        assert answer.reasons == sorted(answer.reasons, key=lambda r: -r.contribution)
        assert client.score(sid) == answer  # idempotent
        client.feedback(sid, "good")
        names = {a.name for a in client.attributes()}
        assert {"device.screen_width", "software.user_agent"} <= names
        assert client.erase_session(sid).deleted >= 1


def test_each_error_code_is_its_own_exception(server: Server) -> None:
    with Client(server.base_url, "demo_key") as client:
        with pytest.raises(NotFound) as missing:
            client.score("s2_" + "A" * 40)
        assert missing.value.status == 404
        assert missing.value.code == "not_found"
        not_collected = _session(server, collect=False)
        with pytest.raises(Conflict) as early:
            client.score(not_collected)
        assert early.value.field == "session_id"
        sid = _session(server)
        with pytest.raises(Conflict):
            client.feedback(sid, "fraud")  # feedback before a score
        client.score(sid)
        with pytest.raises(ValidationError) as bad:
            client.feedback(sid, "maybe")  # type: ignore[arg-type]
        assert bad.value.status == 422
        assert bad.value.field == "label"
    with Client(server.base_url, "not-a-key") as stranger:
        with pytest.raises(Unauthorized) as refused:
            stranger.score(sid)
        assert refused.value.status == 401


def test_a_dead_service_fails_open_or_closed_as_asked(tmp_path: Path) -> None:
    with socket.socket() as silent:  # a peer that accepts and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with Client(url, "demo_key", timeout_s=0.3) as strict:
            with pytest.raises(ServiceUnavailable):
                strict.score("s2_x")
        with Client(url, "demo_key", timeout_s=0.3, on_unavailable="open") as lenient:
            answer = lenient.score("s2_x")
            assert answer.fallback
            assert answer.score == 0.0
            assert [r.code for r in answer.reasons] == ["SERVICE_UNAVAILABLE"]
        with Client(url, "demo_key", timeout_s=0.3, on_unavailable="closed") as careful:
            assert careful.score("s2_x").score == 1.0


def _hold_the_only_connection(srv: Server) -> socket.socket:
    """A kept-alive connection that holds the service's one connection slot (taken once the
    server has seen the earlier clients' connections close)."""
    host, port = srv.base_url.removeprefix("http://").split(":")
    for _ in range(50):
        held = socket.create_connection((host, int(port)), timeout=5)
        held.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        if held.recv(65536).startswith(b"HTTP/1.1 200 "):
            return held
        held.close()
        time.sleep(0.1)
    raise AssertionError("the connection slot never freed")


def test_503_is_retried_after_retry_after_then_raised_or_answered(tmp_path: Path) -> None:
    def one_connection(config_dir: Path) -> None:
        set_service(config_dir, max_connections=1)

    with running_server(tmp_path, one_connection) as srv:
        sid = _session(srv)
        held = _hold_the_only_connection(srv)
        counting = CountingTransport()
        with Client(srv.base_url, "demo_key", max_retries=1, transport=counting) as client:
            with pytest.raises(Overloaded) as busy:
                client.score(sid)
            assert busy.value.retry_after is not None
            assert busy.value.retry_after >= 1
            assert counting.sent == 2, "one try and exactly one bounded retry"
        # freed before the client's retry (Retry-After: 1 s): the retry gets the answer
        threading.Timer(0.3, held.close).start()
        with Client(srv.base_url, "demo_key", max_retries=2) as client:
            assert client.score(sid).device_id


def test_429_is_raised_at_once_when_retry_after_is_past_the_clients_bound(
    tmp_path: Path,
) -> None:
    def no_report_budget(config_dir: Path) -> None:
        set_service(config_dir, report_share=0.0, report_allowance=0)

    with running_server(tmp_path, no_report_budget) as srv:
        sid = _session(srv)
        counting = CountingTransport()
        with Client(srv.base_url, "demo_key", max_retry_wait_s=5, transport=counting) as client:
            client.score(sid)
            sent = counting.sent
            with pytest.raises(TooManyRequests) as limited:
                client.feedback(sid, "fraud")
            assert limited.value.status == 429
            assert limited.value.retry_after is not None
            assert limited.value.retry_after > 5
            assert counting.sent == sent + 1, "a Retry-After past the bound is not waited for"
            client.feedback(sid, "good")  # good labels are not bounded


async def test_the_async_client_speaks_the_same_api(server: Server) -> None:
    sid = _session(server)
    async with AsyncClient(server.base_url, "demo_key") as client:
        answer = await client.score(sid)
        assert answer.session_id == sid
        assert not answer.fallback
        await client.feedback(sid, "fraud")
        with pytest.raises(NotFound):
            await client.score("s2_" + "B" * 40)
        catalogue: list[Any] = await client.attributes()
        assert catalogue
