"""A lender's back-end with anonscore, end to end (docs/quick-start.md): its application page
loads the collector from npm (@anonscore/collector, served from node_modules) under a strict
Content-Security-Policy; /apply scores the session the form carries with the Python client;
/outcome reports how the loan turned out; /webhooks/anonscore verifies the service's signed
events. Standard library plus anonscore-client (clients/python). Run it, then open :8000:

    npm install @anonscore/collector && pip install ./clients/python
    ANONSCORE_URL=http://127.0.0.1:8080 ANONSCORE_WEBHOOK_SECRETS=... python lender_backend.py
"""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from anonscore_client import Client, Event, WebhookSignatureError, verify_webhook

SERVICE = os.environ.get("ANONSCORE_URL", "http://127.0.0.1:8080")
SITE_KEY = os.environ.get("ANONSCORE_SITE_KEY", "demo_site")
API_KEY = os.environ.get("ANONSCORE_API_KEY", "demo_key")  # a secret: never in the page
SECRETS = os.environ.get("ANONSCORE_WEBHOOK_SECRETS", "").split(",")
COLLECTOR = Path(
    os.environ.get("ANONSCORE_COLLECTOR", "node_modules/@anonscore/collector/dist/index.js")
)
CSP = f"default-src 'self'; connect-src 'self' {SERVICE}; object-src 'none'; base-uri 'none'"
PAGE = f"""<!doctype html><meta charset="utf-8"><title>Apply</title>
<meta name="anonscore" data-site-key="{SITE_KEY}" data-endpoint="{SERVICE}">
<script type="module" src="/static/app.js"></script>
<form data-anonscore method="post" action="/apply">
<input name="amount"><button>Apply</button></form>"""
APP = """import { start } from '/static/anonscore.js';
const config = document.querySelector('meta[name=anonscore]').dataset;
start({ siteKey: config.siteKey, endpoint: config.endpoint });"""

client = Client(SERVICE, api_key=API_KEY, on_unavailable="closed")  # no answer: review
decisions: dict[str, str] = {}  # session id -> decision: your loan records
events: dict[str, Event] = {}  # event id -> verified event: a repeated delivery is kept once


class Backend(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/":
            self.answer(200, PAGE, "text/html")
        elif self.path == "/static/app.js":
            self.answer(200, APP, "text/javascript")
        elif self.path == "/static/anonscore.js":
            self.answer(200, COLLECTOR.read_text(), "text/javascript")
        else:
            self.answer(404, "not found")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path == "/apply":  # the form, with the collector's hidden field
            session_id = parse_qs(body.decode()).get("anonscore_session_id", [""])[0]
            risk = client.score(session_id) if session_id else None
            approve = risk is not None and risk.score < 0.5 and not risk.fallback
            decisions[session_id] = "approve" if approve else "review"
            self.answer(200, f"decision: {decisions[session_id]}")
        elif self.path == "/outcome":  # later: how the loan turned out
            outcome = json.loads(body)
            client.feedback(outcome["session_id"], outcome["label"])
            self.answer(204)
        elif self.path == "/webhooks/anonscore":
            try:
                signature = self.headers.get("anonscore-signature", "")
                event = verify_webhook(body, signature, SECRETS)
            except WebhookSignatureError:
                self.answer(400, "bad signature")
                return
            events.setdefault(event.id, event)  # then act on it: re-check the loan, ...
            self.answer(204)
        else:
            self.answer(404, "not found")

    def answer(self, status: int, text: str = "", kind: str = "text/plain") -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("content-type", f"{kind}; charset=utf-8")
        self.send_header("content-security-policy", CSP)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Backend).serve_forever()
