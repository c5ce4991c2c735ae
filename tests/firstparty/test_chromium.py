"""Issue 20: the first-party path survives an ad blocker; the third-party one does not.

Everything real: the service (`anonscore serve`) on 127.0.0.2 stands for our own domain,
reached by Chromium as scoring.anonscore.example (--host-resolver-rules); the lender's site
is a real nginx on 127.0.0.1 serving its page and, under /a7, the first-party path from
tools/firstparty/nginx.conf. Chromium runs with EasyList, EasyPrivacy and the visitor's own
rule `||scoring.anonscore.example^` applied to each request (tests/firstparty/blocker.py).

The client IP is checked for real: nginx reaches the service from another loopback address
(proxy_bind 127.1.0.1, another /24), the service trusts no proxy address (`trusted_proxies =
[]`) and believes X-Forwarded-For only with the tenant's proxy secret. Two sessions
are first posted directly from 127.0.0.1 (the address Chromium connects to nginx from), and
the count of sessions the service has for that address read (n >= 2); the browser's session
then counts n + 1 when the service saw the browser's address, and 1 when it saw nginx's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Playwright

from engine.config import format_api_key_hash
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.firstparty.blocker import blocker, list_sources
from tests.firstparty.proxies import PREFIX, Proxy, need, running_nginx
from tests.process import Server, free_port, running_server

pytestmark = pytest.mark.browser

VENDOR = "scoring.anonscore.example"
SERVICE_HOST = "127.0.0.2"
NGINX_SOURCE = "127.1.0.1"  # nginx's own address towards the service
BROWSER_IP = "127.0.0.1"
SECRET = "the-lenders-proxy-secret"
SEEDED = 2


@dataclass(frozen=True)
class Setup:
    service: Server
    site: Proxy
    browser: Browser


def trust_only_the_secret(site_origin: str) -> Any:
    def configure(config_dir: Path) -> None:
        service = config_dir / "service.toml"
        text = re.sub(r"(?m)^trusted_proxies = .*$", "trusted_proxies = []", service.read_text())
        service.write_text(text)
        tenants = config_dir / "tenants.toml"
        text = tenants.read_text().replace(
            "[tenants.demo]\n",
            f'[tenants.demo]\nproxy_secret_hashes = ["{format_api_key_hash(SECRET)}"]\n',
            1,
        )
        text = text.replace('allowed_origins = ["', f'allowed_origins = ["{site_origin}", "', 1)
        tenants.write_text(text)

    return configure


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, playwright: Playwright) -> Iterator[Setup]:
    need(CHROMIUM)
    root = tmp_path_factory.mktemp("firstparty")
    pages = root / "pages"
    pages.mkdir()
    # nginx's port is picked before the service starts: the tenant must allow its origin
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with running_server(root / "service", trust_only_the_secret(origin), host=SERVICE_HOST) as srv:
        service_port = srv.base_url.rsplit(":", 1)[1]
        (pages / "third.html").write_text(page(f"http://{VENDOR}:{service_port}/collector.js"))
        (pages / "first.html").write_text(page(f"{PREFIX}/collector.js"))
        with running_nginx(
            root / "nginx", srv.base_url, SECRET, pages, f"proxy_bind {NGINX_SOURCE};", port
        ) as site:
            browser = launch(playwright)
            try:
                yield Setup(srv, site, browser)
            finally:
                browser.close()


def launch(pw: Playwright) -> Browser:
    """Chromium resolving the vendor's host name to the service's loopback address."""
    rules = f"--host-resolver-rules=MAP {VENDOR} {SERVICE_HOST}"
    return pw.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, rules]
    )


def page(src: str) -> str:
    return (
        "<!doctype html><meta charset=utf-8><title>Apply for a loan</title>"
        f'<script src="{src}" data-site-key="demo_site"></script>'
        "<form><input name=amount></form>"
    )


def visit(
    setup: Setup, name: str, rules: tuple[str, ...] = (f"||{VENDOR}^",)
) -> tuple[Any, list[str], list[str]]:
    """The page in a fresh context with the blocker on (the lists and the visitor's `rules`):
    (what the collector did, blocked URLs, passed URLs)."""
    ctx = setup.browser.new_context()
    block = blocker(list(rules))
    ctx.route("**/*", block.handle)
    try:
        tab = ctx.new_page()
        tab.goto(f"{setup.site.base_url}/{name}", wait_until="load")
        result = tab.evaluate(
            """async () => {
                if (!window.anonscore) return {loaded: false};
                const sid = await window.anonscore.ready;
                const answer = sid ? await window.anonscore.flush() : null;
                return {loaded: true, sid, answer};
            }"""
        )
    finally:
        ctx.close()
    return result, block.blocked, block.passed


def score(setup: Setup, sid: str) -> dict[str, Any]:
    r = httpx.post(
        f"{setup.service.base_url}/v1/score",
        json={"session_id": sid},
        headers={"Authorization": "Bearer demo_key"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def seed_from_browser_address(setup: Setup) -> int:
    """SEEDED sessions collected straight from BROWSER_IP (no proxy, no X-Forwarded-For);
    the number of sessions the service has counted for BROWSER_IP in the last hour."""
    transport = httpx.HTTPTransport(local_address=BROWSER_IP)
    headers = {"Origin": setup.site.base_url}
    with httpx.Client(base_url=setup.service.base_url, transport=transport, timeout=10) as c:
        for _ in range(SEEDED):
            r = c.post("/v1/sessions", json={"site_key": "demo_site"}, headers=headers)
            assert r.status_code == 201, r.text
            body = {
                "session_id": r.json()["session_id"],
                "site_key": "demo_site",
                "channel": "web",
                "attributes": {"software": {"timezone": "UTC"}},
            }
            r = c.post("/v1/collect", json=body, headers=headers)
            assert r.status_code == 202, r.text
    counted = score(setup, body["session_id"])["attributes"]["ip_sessions_1h"]
    assert counted >= SEEDED
    return int(counted)


def test_the_lists_are_there() -> None:
    sources = list_sources()
    assert set(sources) == {"easylist.txt", "easyprivacy.txt"}, sources
    print("filter lists:", sources)


def test_the_lists_alone_let_the_third_party_setup_collect(setup: Setup) -> None:
    """Our host is on neither list today: the visitor's own rule is what stops it (a vendor's
    host lands on EasyPrivacy the same way)."""
    result, blocked, _ = visit(setup, "third.html", rules=())
    assert result["loaded"], result
    assert result["sid"], (result, blocked)
    assert not blocked, blocked


def test_the_third_party_setup_collects_nothing(setup: Setup) -> None:
    result, blocked, passed = visit(setup, "third.html")
    assert result == {"loaded": False}
    assert any(url.endswith("/collector.js") and VENDOR in url for url in blocked), blocked
    assert not [url for url in passed if VENDOR in url]


def test_the_first_party_setup_collects_scores_and_sees_the_client_ip(setup: Setup) -> None:
    before = seed_from_browser_address(setup)
    result, blocked, passed = visit(setup, "first.html")
    assert result["loaded"], result
    assert result["sid"], (result, blocked, setup.site.log_tail())
    assert result["answer"] is not None, result
    assert result["answer"]["accepted"], result
    assert not blocked, blocked
    assert {f"{setup.site.base_url}{PREFIX}/collector.js"} <= set(passed)
    answer = score(setup, result["sid"])
    # the service counted the browser's address (127.0.0.1), not nginx's (127.1.0.1)
    assert answer["attributes"]["ip_sessions_1h"] == before + 1, answer["attributes"]
