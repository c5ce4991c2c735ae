"""The served collector (the IIFE build of clients/js) under a strict Content-Security-Policy.

The page is answered on the service's own origin (Playwright fulfils it, with the header) so
that `script-src 'self'` allows /collector.js: no 'unsafe-inline', no 'unsafe-eval'. The
collector must create its session, start its worker probe (a worker from its own URL, which
the policy allows), and post its attributes, with no violation of the policy; and the policy
must be in force, which the page's one inline script shows (it must not run, and is the one
violation reported). Violations are collected by the page's own first script, a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Route, Worker

if TYPE_CHECKING:
    from tests.process import Server

pytestmark = pytest.mark.browser

STRICT = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="/csp/watch.js"></script></head><body>
<form data-anonscore action="/csp/done" method="post"><input name="amount"></form>
<script>window.inlineRan = true;</script>
<script src="/collector.js" data-site-key="demo_site"></script>
</body></html>"""
WATCH = """window.violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.violations.push(e.effectiveDirective + ' ' + e.blockedURI);
});"""


def test_collector_runs_under_a_strict_csp(browser: Browser, server: Server) -> None:
    context = browser.new_context()
    try:

        def fulfil(route: Route) -> None:
            html = route.request.url.endswith("/apply.html")
            route.fulfill(
                status=200,
                headers={"content-security-policy": STRICT},
                content_type="text/html" if html else "application/javascript",
                body=PAGE if html else WATCH,
            )

        context.route(f"{server.base_url}/csp/*", fulfil)
        page = context.new_page()
        closed: list[str] = []
        page.on("worker", lambda w: w.on("close", lambda _w: closed.append(w.url)))
        collects: list[Any] = []
        page.on(
            "request",
            lambda r: collects.append(r.post_data_json) if r.url.endswith("/v1/collect") else None,
        )
        with page.expect_worker() as started:
            page.goto(f"{server.base_url}/csp/apply.html")
            assert isinstance(page.evaluate("window.anonscore.ready"), str)
        worker: Worker = started.value
        assert worker.url == f"{server.base_url}/collector.js"
        if not closed:  # it closes itself once it has answered
            with worker.expect_event("close"):
                pass
        answer = page.evaluate("window.anonscore.flush()")
        assert answer is not None
        assert answer["accepted"] > 0
        coherence = collects[-1]["attributes"]["coherence"]
        assert "worker_differs" in coherence  # the worker answered, under the policy
        assert "frame_differs" in coherence
        assert page.evaluate("window.inlineRan") is None  # the policy is in force
        assert page.evaluate("window.violations") == ["script-src-elem inline"]
    finally:
        context.close()
