"""Issue 20: the first-party templates (tools/firstparty/) in a real nginx and a real Caddy.

The upstream here is a recording HTTP server on loopback that answers like a careless
service would (HSTS, a cookie), so the test sees exactly what each proxy passes on and
what it hands back: the four collector paths reach it without the prefix, with the proxy
secret and the browser's address as X-Forwarded-For's last hop, and without the lender's
cookies or credentials; none of our HSTS or cookies reaches the lender's domain; and nothing
else under the prefix (back-end and operator routes, however spelt) reaches it at all.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import trustme

from tests.firstparty.proxies import PREFIX, Proxy, running_caddy, running_nginx

SECRET = "proxy-secret-for-the-test"
COLLECTOR_PATHS = ["/collector.js", "/v1/sessions", "/v1/collect", "/v1/optout"]
REFUSED = [
    "/v1/score",
    "/v1/feedback",
    "/v1/erasure",
    "/v1/erasure/abc",
    "/metrics",
    "/console",
    "/openapi.json",
    "/readyz",
    "/demo.html",
    "/v1/collect/x",
    "/v1/../v1/score",
    "/v1/%73core",
    "//v1/score",
    "/collector.js/../v1/feedback",
    "/",
]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Recorder:
    url: str
    seen: list[Seen] = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    recorder: Recorder

    def answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.recorder.seen.append(Seen(self.command, self.path, headers))  # type: ignore[attr-defined]
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        self.send_header("Set-Cookie", "vendor=1; Path=/")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer

    def log_message(self, format: str, *args: object) -> None:
        pass


def recording(tls: ssl.SSLContext | None = None) -> Iterator[Recorder]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "http" if tls is None else "https"
    recorder = Recorder(f"{scheme}://127.0.0.1:{server.server_address[1]}")
    server.recorder = recorder  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def upstream() -> Iterator[Recorder]:
    yield from recording()


@pytest.fixture
def untrusted_upstream() -> Iterator[Recorder]:
    """HTTPS with a certificate of a CA no one trusts (a man in the middle's)."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(tls)
    yield from recording(tls)


Runner = Callable[[Path, str, str, Path], AbstractContextManager[Proxy]]


def nginx(root: Path, upstream: str, secret: str, pages: Path) -> AbstractContextManager[Proxy]:
    return running_nginx(root, upstream, secret, pages)


def start_proxy(name: str, root: Path, upstream: str) -> AbstractContextManager[Proxy]:
    runner: Runner = nginx if name == "nginx" else running_caddy
    pages = root / "pages"
    pages.mkdir()
    (pages / "index.html").write_text("<!doctype html><title>lender</title>")
    return runner(root / name, upstream, SECRET, pages)


@pytest.fixture(params=["nginx", "caddy"])
def proxy(request: pytest.FixtureRequest, tmp_path: Path, upstream: Recorder) -> Iterator[Proxy]:
    with start_proxy(request.param, tmp_path, upstream.url) as running:
        yield running


LENDERS = {
    "Cookie": "lender_session=s3cr3t",
    "Authorization": "Bearer lender-login",
    "X-Forwarded-For": "203.0.113.9",  # the browser's own claim: not the last hop
}


def test_collector_paths_reach_the_service_without_the_lenders_credentials(
    proxy: Proxy, upstream: Recorder
) -> None:
    with httpx.Client(base_url=proxy.base_url, timeout=10) as client:
        for path in COLLECTOR_PATHS:
            method = "GET" if path.endswith(".js") else "POST"
            r = client.request(method, PREFIX + path + "?v=1", headers=LENDERS, content=b"{}")
            assert r.status_code == 200, (path, r.status_code, proxy.log_tail())
            assert "strict-transport-security" not in r.headers, path
            assert "set-cookie" not in r.headers, path
    assert [(s.method, s.path) for s in upstream.seen] == [
        ("GET" if p.endswith(".js") else "POST", p + "?v=1") for p in COLLECTOR_PATHS
    ]
    for seen in upstream.seen:
        assert "cookie" not in seen.headers, seen.path
        assert "authorization" not in seen.headers, seen.path
        assert seen.headers["anonscore-proxy-secret"] == SECRET
        hops = [h.strip() for h in seen.headers["x-forwarded-for"].split(",")]
        assert hops[-1] == "127.0.0.1", seen.headers["x-forwarded-for"]


def test_nothing_else_under_the_prefix_reaches_the_service(
    proxy: Proxy, upstream: Recorder
) -> None:
    with httpx.Client(base_url=proxy.base_url, timeout=10) as client:
        for path in REFUSED:
            for method in ("GET", "POST"):
                # httpx would normalise the dot segments: send the raw target
                r = client.request(
                    method,
                    proxy.base_url,
                    extensions={"target": (PREFIX + path).encode()},
                    headers={"Authorization": "Bearer demo_key"},
                    content=b"{}",
                )
                assert r.status_code in (400, 404), (method, path, r.status_code)
    assert upstream.seen == []
    # the lender's own pages are still its own
    assert httpx.get(proxy.base_url + "/index.html").status_code == 200


@pytest.mark.parametrize("name", ["nginx", "caddy"])
def test_the_secret_goes_to_no_upstream_with_an_untrusted_certificate(
    name: str, tmp_path: Path, untrusted_upstream: Recorder
) -> None:
    with start_proxy(name, tmp_path, untrusted_upstream.url) as proxy:
        r = httpx.post(f"{proxy.base_url}{PREFIX}/v1/collect", content=b"{}", timeout=10)
    assert r.status_code == 502, (r.status_code, proxy.log_tail())
    assert untrusted_upstream.seen == []
