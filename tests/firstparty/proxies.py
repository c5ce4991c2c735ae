"""Real nginx and Caddy on loopback, configured from the templates in tools/firstparty/.

Each runs as its own process (as a lender runs it), on a free port, with its files under the
test's temporary directory; the template is rendered exactly as docs/first-party.md tells a
lender to (its {{MARKERS}} replaced) and included in a minimal site of the test's own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.process import free_port
from tests.support import REPO

TEMPLATES = REPO / "tools" / "firstparty"
NGINX = Path("/usr/sbin/nginx")
CADDY = Path("/usr/bin/caddy")
READY_TIMEOUT_S = 20.0
PREFIX = "/a7"


@dataclass(frozen=True)
class Proxy:
    base_url: str  # the lender's site: pages, and the first-party path under PREFIX
    log_path: Path

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"


def need(binary: Path) -> None:
    if not binary.exists():
        reason = f"{binary} not found; run tools/install_firstparty.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def render(template: str, upstream: str, secret: str, prefix: str = PREFIX) -> str:
    """The template with its markers replaced, as the docs' sed line does."""
    host = upstream.split("://", 1)[1].rstrip("/")
    text = (TEMPLATES / template).read_text()
    for marker, value in (
        ("PREFIX", prefix),
        ("UPSTREAM_HOST", host),
        ("UPSTREAM", upstream),
        ("PROXY_SECRET", secret),
    ):
        text = text.replace("{{" + marker + "}}", value)
    assert "{{" not in text, "a marker left in the template"
    return text


def wait_listening(proc: subprocess.Popen[bytes], port: int, proxy: Proxy) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"proxy exited with {proc.returncode}:\n{proxy.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"proxy not listening after {READY_TIMEOUT_S:.0f} s:\n{proxy.log_tail()}")


@contextmanager
def supervised(cmd: list[str], port: int, proxy: Proxy, env: dict[str, str]) -> Iterator[Proxy]:
    with proxy.log_path.open("ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_listening(proc, port, proxy)
        yield proxy
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def running_nginx(
    root: Path,
    upstream: str,
    secret: str,
    pages: Path,
    extra: str = "",
    port: int | None = None,
) -> Iterator[Proxy]:
    """nginx serving `pages` on 127.0.0.1 (`port`, or a free one) and the first-party path
    (tools/firstparty/nginx.conf) to `upstream`; `extra` is added to the server block."""
    need(NGINX)
    root.mkdir(parents=True, exist_ok=True)
    (root / "anonscore.conf").write_text(render("nginx.conf", upstream, secret))
    port = port or free_port()
    user = "user root;" if os.geteuid() == 0 else ""  # workers read the test's files
    temp = " ".join(
        f"{kind}_temp_path {root / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    (root / "nginx.conf").write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {root / "nginx.pid"};
error_log {root / "proxy.log"} info;
events {{ worker_connections 64; }}
http {{
    access_log {root / "proxy.log"};
    {temp}
    uwsgi_temp_path {root / "uwsgi"}; scgi_temp_path {root / "scgi"};
    types {{ text/html html; application/javascript js; }}
    server {{
        listen 127.0.0.1:{port};
        root {pages};
        {extra}
        include {root / "anonscore.conf"};
    }}
}}
""")
    proxy = Proxy(f"http://127.0.0.1:{port}", root / "proxy.log")
    cmd = [str(NGINX), "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(proxy.log_path)]
    with supervised(cmd, port, proxy, dict(os.environ)) as running:
        yield running


@contextmanager
def running_caddy(root: Path, upstream: str, secret: str, pages: Path) -> Iterator[Proxy]:
    """Caddy serving `pages` on 127.0.0.1 and the first-party path (tools/firstparty/
    Caddyfile) to `upstream`."""
    need(CADDY)
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    site = render("Caddyfile", upstream, secret)
    (root / "Caddyfile").write_text(f"""{{
	admin off
	auto_https off
}}
http://127.0.0.1:{port} {{
{site}
	handle {{
		root * {pages}
		file_server
	}}
}}
""")
    proxy = Proxy(f"http://127.0.0.1:{port}", root / "proxy.log")
    env = {
        **os.environ,
        "HOME": str(root),
        "XDG_DATA_HOME": str(root),
        "XDG_CONFIG_HOME": str(root),
    }
    cmd = [str(CADDY), "run", "--config", str(root / "Caddyfile"), "--adapter", "caddyfile"]
    with supervised(cmd, port, proxy, env) as running:
        yield running
