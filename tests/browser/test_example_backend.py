"""The example back-end of docs/quick-start.md (docs/examples/lender_backend.py), end to end
against a live service: its page loads @anonscore/collector as a lender installs it from npm
(packed and installed into a fresh application), under the page's strict CSP, in Chromium;
the collector creates the session and collects; the form's submit reaches the back-end, which
scores with the Python client; it reports the outcome; and the service's signed
`score.created` webhook reaches the back-end, which verifies it with the client's verifier.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage

from tests.clients.jspkg import install_from_tarball
from tests.process import Server, free_port, running_server
from tests.support import service_setting

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "lender_backend.py"
SECRET = "example-secret-0123456789abcdef"
WEBHOOK_WAIT_S = 30.0


def configure(origin: str) -> Any:
    """The demo tenant allows the back-end's page and sends it `score.created` webhooks."""

    def edit(config: Path) -> None:
        path = config / "tenants.toml"
        text = path.read_text().replace("allowed_origins = [", f'allowed_origins = ["{origin}", ')
        path.write_text(
            text + f'\n[tenants.demo.webhook]\nurl = "{origin}/webhooks/anonscore"\n'
            f'secrets = ["{SECRET}"]\nevents = ["score.created"]\n'
        )
        service_setting(config, "webhook_poll_s = 0.1")

    return edit


def load_example(monkeypatch: pytest.MonkeyPatch, service: str, collector: Path) -> ModuleType:
    """The example as its README runs it: configured from the environment at import."""
    monkeypatch.setenv("ANONSCORE_URL", service)
    monkeypatch.setenv("ANONSCORE_WEBHOOK_SECRETS", SECRET)
    monkeypatch.setenv("ANONSCORE_COLLECTOR", str(collector))
    spec = importlib.util.spec_from_file_location("lender_backend", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def error(message: ConsoleMessage) -> bool:
    """An error of the page's own (the browser's request for /favicon.ico is not one)."""
    return message.type == "error" and not message.location["url"].endswith("/favicon.ico")


@pytest.fixture
def live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Server, ModuleType, str]]:
    collector = install_from_tarball(tmp_path / "app")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with running_server(tmp_path / "service", configure(origin)) as srv:
        example = load_example(monkeypatch, srv.base_url, collector)
        backend = ThreadingHTTPServer(("127.0.0.1", port), example.Backend)
        thread = threading.Thread(target=backend.serve_forever, daemon=True)
        thread.start()
        try:
            yield srv, example, origin
        finally:
            backend.shutdown()
            backend.server_close()
            example.client.close()


def test_example_backend_end_to_end(browser: Browser, live: tuple[Server, Any, str]) -> None:
    srv, example, origin = live
    context = browser.new_context()
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if error(m) else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(f"{origin}/")
        session_id = page.evaluate("window.anonscore.ready")
        assert isinstance(session_id, str), problems
        page.click("input[name=amount]")
        page.keyboard.type("4200")
        with page.expect_response(lambda r: r.url == f"{srv.base_url}/v1/collect") as collected:
            with page.expect_navigation(url=f"{origin}/apply"):
                page.click("button")
        assert collected.value.status == 202  # the attributes were accepted
        assert page.inner_text("body").startswith("decision: ")
        assert list(example.decisions) == [session_id]  # scored with the form's session id
        assert problems == []  # nothing refused by the page's CSP, no error

        outcome = {"session_id": session_id, "label": "fraud"}
        assert httpx.post(f"{origin}/outcome", json=outcome, timeout=10).status_code == 204
        deadline = time.monotonic() + WEBHOOK_WAIT_S
        while not example.events and time.monotonic() < deadline:
            time.sleep(0.05)  # the service's sender runs on its own schedule
        events = list(example.events.values())
        assert [e.type for e in events] == ["score.created"], srv.log_tail()
        assert events[0].data["session_id"] == session_id

        forged = httpx.post(
            f"{origin}/webhooks/anonscore",
            content=b'{"id": "evt_x", "type": "score.created", "created_at": "", "data": {}}',
            headers={"anonscore-signature": f"t={int(time.time())},v1={'0' * 64}"},
            timeout=10,
        )
        assert forged.status_code == 400
        assert len(example.events) == 1
    finally:
        context.close()
