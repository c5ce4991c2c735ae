"""The harness's loopback web side: a receiver for session ids, and an outside lender's page.

Honest controls run browsers no driver controls, so the harness cannot ask them for the
session id: the page posts it here. The demo form does that itself (`/demo?report=URL`); the
harness's own lender page (`/lender`) does it from its own script. That page is served with a
strict Content-Security-Policy (`script-src 'self'`, no inline script, no `eval`, workers and
connections to this origin only), as a careful lender serves its application form, and so
loads the collector from its own origin: this server proxies `/collector.js` and `/v1/*` to
the service, request headers passed on in their order, `Origin` and `Referer` rewritten to
the service's own origin (which the tenant allows) so that any service version accepts them.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlsplit

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; frame-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host"}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><link rel="stylesheet" href="/lender.css">
<title>Outside Lending - apply</title>
<script src="/collector.js" data-site-key="{site_key}"></script>
</head><body>
<header><h1>Outside Lending</h1><p>A lender's own page, strict CSP.</p></header>
<main><form id="application" action="#" method="post" data-anonscore autocomplete="off">
<label for="full_name">Full name</label><input id="full_name" name="full_name">
<label for="email">E-mail</label><input id="email" name="email" type="email">
<label for="phone">Phone</label><input id="phone" name="phone" type="tel">
<label for="amount">Amount</label><input id="amount" name="amount" type="number" value="5000">
<label for="term">Term</label><select id="term" name="term"><option>12</option>
<option selected>24</option></select>
<label for="income">Monthly income</label><input id="income" name="income" type="number">
<label for="comment">Purpose</label><textarea id="comment" name="comment"></textarea>
<button type="submit" id="submit">Send application</button></form>
<p id="result" hidden>Received: <code id="session-id"></code></p></main>
<script src="/lender.js"></script>
</body></html>
"""
STYLE = """body { margin: 0; font: 16px/1.5 sans-serif; background: #f4f6f9; color: #1d2430; }
header { background: #14213d; color: #fff; padding: 1rem 1.5rem; }
main { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
label { display: block; margin-top: .75rem; font-weight: 600; }
input, select, textarea { width: 100%; padding: .5rem; font: inherit; }
input:focus, textarea:focus { outline: 2px solid #0b3d91; }
button { margin-top: 1.25rem; padding: .65rem 1.4rem; font: inherit; color: #fff;
         background: #1f6feb; border: 0; border-radius: 6px; }
"""
SCRIPT = """document.getElementById('application').addEventListener('submit', function (event) {
  event.preventDefault();
  var field = event.currentTarget.elements.namedItem('anonscore_session_id');
  var sessionId = (field && field.value) || '';
  document.getElementById('session-id').textContent = sessionId;
  document.getElementById('result').hidden = false;
  fetch('/report', { method: 'POST', body: sessionId });
});
"""


class Receiver:
    """Session ids posted by pages, in arrival order, with a wait for the next one."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._cond = threading.Condition()

    def add(self, session_id: str) -> None:
        with self._cond:
            self._ids.append(session_id)
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> str | None:
        """The first id after the `seen` first ones, or None after `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._ids) > seen, timeout)
            return self._ids[seen] if len(self._ids) > seen else None

    def __len__(self) -> int:
        with self._cond:
            return len(self._ids)


class _Handler(BaseHTTPRequestHandler):
    upstream: ClassVar[str]
    site_key: ClassVar[str]
    receiver: ClassVar[Receiver]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        static = {
            "/lender": (PAGE.replace("{site_key}", self.site_key), "text/html"),
            "/lender.css": (STYLE, "text/css"),
            "/lender.js": (SCRIPT, "application/javascript"),
        }
        if path in static:
            body, kind = static[path]
            self._answer(200, body.encode(), f"{kind}; charset=utf-8")
        elif path == "/collector.js" or path.startswith("/v1/"):
            self._proxy()
        else:
            self._answer(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        if self.path.startswith("/v1/"):
            self._proxy()
            return
        length = int(self.headers.get("Content-Length", "0"))
        # an empty report is kept too: the page was submitted before it had a session
        self.receiver.add(self.rfile.read(length).decode(errors="replace").strip())
        self._answer(204, b"", "text/plain")

    def do_OPTIONS(self) -> None:
        self._proxy()

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        if kind.startswith("text/html"):
            self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        self.wfile.write(body)

    def _proxy(self) -> None:
        up = urlsplit(self.upstream)
        own = f"http://{self.headers.get('Host', '')}"
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port or 80, timeout=30)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                low = name.lower()
                if low == "host":
                    conn.putheader(name, up.netloc)
                elif low in HOP_BY_HOP:
                    continue
                elif low in ("origin", "referer"):
                    conn.putheader(name, value.replace(own, self.upstream, 1))
                else:
                    conn.putheader(name, value)
            conn.endheaders(body)
            response = conn.getresponse()
            payload = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            conn.close()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def lender_server(upstream: str, site_key: str) -> Iterator[tuple[str, Receiver]]:
    """Serve on a free loopback port; yields (its base URL, the receiver of session ids)."""
    receiver = Receiver()
    handler = type(
        "Handler",
        (_Handler,),
        {"upstream": upstream.rstrip("/"), "site_key": site_key, "receiver": receiver},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", receiver
    finally:
        server.shutdown()
        server.server_close()
