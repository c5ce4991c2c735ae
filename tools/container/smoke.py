"""Smoke-test the service image as an operator runs it (tools/container/build.sh runs this).

    python -m tools.container.smoke --image localhost/anonscore:dev [--runtime runc]
        [--network host] [-- EXTRA PODMAN RUN OPTIONS]

One container on a named data volume, its secret a podman secret mounted as
/run/secrets/anonscore.key: it must run as a non-root user, turn healthy on /readyz (the
image's HEALTHCHECK, run by `podman healthcheck run`), create a session, take a collect and
score it; then it is stopped (SIGTERM) and a new container on the same volume and secret
must score the same session again with the same answer (the data survived the restart).
Prints one line per step and a summary with the timings; exits 1 on the first failure.
A heavy check, not part of the test suite: it needs podman and a built image.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ORIGIN = "http://127.0.0.1:8080"  # allowed by the demo tenant of the image's config
AUTH = {"Authorization": "Bearer demo_key"}
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


class SmokeFailed(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _podman(runtime: str, *args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["podman", "--runtime", runtime, *args], capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise SmokeFailed(f"podman {args[0]} failed: {done.stderr.strip()[-800:]}")
    return done.stdout.strip()


def _step(name: str, t0: float) -> None:
    print(f"  ok  {name} ({time.monotonic() - t0:.1f} s)", flush=True)


def _wait_ready(url: str, runtime: str, name: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _podman(runtime, "inspect", name, "--format", "{{.State.Status}}", check=False)
        if state not in ("running", "created", "configured"):
            logs = _podman(runtime, "logs", name, check=False)
            raise SmokeFailed(f"container {state or 'gone'}; its log:\n{logs[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SmokeFailed("not ready in time")


def _run(args: argparse.Namespace, name: str, port: int, volume: str, secret: str) -> None:
    _podman(
        args.runtime,
        "run",
        "-d",
        "--name",
        name,
        "--network",
        args.network,
        *args.extra,
        "--secret",
        f"{secret},target=/run/secrets/anonscore.key,uid=10001,mode=0400",
        "-v",
        f"{volume}:/srv/anonscore/data",
        "-e",
        f"ANONSCORE_HEALTH_URL=http://127.0.0.1:{port}/readyz",
        args.image,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        "/srv/anonscore/data",
        "--config-dir",
        "/srv/anonscore/config",
    )


def _flow(url: str) -> tuple[str, dict[str, Any]]:
    with httpx.Client(base_url=url, timeout=30) as c:
        r = c.post("/v1/sessions", json={"site_key": "demo_site"}, headers={"Origin": ORIGIN})
        if r.status_code != 201:
            raise SmokeFailed(f"session: {r.status_code} {r.text[:300]}")
        sid = str(r.json()["session_id"])
        attributes = {"software": {"user_agent": UA, "languages": ["en-GB"]}}
        body = {"session_id": sid, "site_key": "demo_site", "channel": "web"}
        r = c.post(
            "/v1/collect",
            json={**body, "attributes": attributes},
            headers={"Origin": ORIGIN, "User-Agent": UA},
        )
        if r.status_code != 202:
            raise SmokeFailed(f"collect: {r.status_code} {r.text[:300]}")
        r = c.post("/v1/score", json={"session_id": sid}, headers=AUTH)
        if r.status_code != 200:
            raise SmokeFailed(f"score: {r.status_code} {r.text[:300]}")
        return sid, dict(r.json())


def smoke(args: argparse.Namespace) -> None:
    tag = secrets.token_hex(4)
    name, volume, secret = f"anonscore-smoke-{tag}", f"anonscore-smoke-data-{tag}", f"as-{tag}"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "anonscore.key"
        key.write_bytes(os.urandom(32))
        _podman(args.runtime, "secret", "create", secret, str(key))
    _podman(args.runtime, "volume", "create", volume)
    try:
        t0 = time.monotonic()
        _run(args, name, port, volume, secret)
        _wait_ready(url, args.runtime, name)
        _step(f"started, /readyz 200 on port {port}", t0)
        uid = _podman(args.runtime, "exec", name, "id", "-u")
        if uid == "0":
            raise SmokeFailed("the service runs as root")
        _step(f"runs as uid {uid}", t0)
        _podman(args.runtime, "healthcheck", "run", name)
        _step("podman healthcheck run: healthy", t0)
        sid, first = _flow(url)
        _step(f"session, collect, score: score {first['score']}, {first['device_id']}", t0)
        _podman(args.runtime, "stop", "-t", "20", name)
        _podman(args.runtime, "rm", name)
        _step("stopped (SIGTERM) and removed", t0)
        _run(args, name, port, volume, secret)
        _wait_ready(url, args.runtime, name)
        with httpx.Client(base_url=url, timeout=30) as c:
            r = c.post("/v1/score", json={"session_id": sid}, headers=AUTH)
        if r.status_code != 200 or r.json() != first:
            raise SmokeFailed(f"after the restart: {r.status_code} {r.text[:300]}")
        _step("a new container on the same volume scores the session: the same answer", t0)
        print(f"smoke test passed in {time.monotonic() - t0:.1f} s ({args.image})")
    finally:
        _podman(args.runtime, "rm", "-f", "-t", "5", name, check=False)
        _podman(args.runtime, "volume", "rm", "-f", volume, check=False)
        _podman(args.runtime, "secret", "rm", secret, check=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.container.smoke", description=__doc__)
    p.add_argument("--image", default="localhost/anonscore:dev")
    p.add_argument("--runtime", default="runc", help="podman's OCI runtime (default runc)")
    p.add_argument("--network", default="host")
    p.add_argument("extra", nargs="*", help="further podman run options (after --)")
    args = p.parse_args(argv)
    try:
        smoke(args)
    except SmokeFailed as exc:
        print(f"smoke test FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
