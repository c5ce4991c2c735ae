"""Bring tools/container/compose.yaml up and check one deployment across its two workers.

    python -m tools.container.compose_check     (after tools/container/build.sh and the
                                                  redis image: docs/deploy.md, Compose)

Three Redis masters made one cluster, two workers with their own data volumes and one
mounted secret: both turn ready, a session created on one worker is collected on the other
and scored on the first (both ways), and the same device gets one device ID through either.
Then everything it made is taken down (containers, volumes, network, the secret file).
A heavy check, not part of the test suite. With this sandbox's podman settings in
CONTAINERS_CONF (docs/deploy.md, "What it takes to run here").
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import web_attributes
from tools.container.smoke import AUTH, ORIGIN, SmokeFailed, _free_port

HERE = Path(__file__).resolve().parent
PROJECT = "anonscore-compose-check"


def _compose(env: dict[str, str], *args: str) -> None:
    cmd = ["podman-compose", "-p", PROJECT, "-f", str(HERE / "compose.yaml"), *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SmokeFailed(f"podman-compose {args[0]}: {done.stderr[-800:]}")


def _ready(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SmokeFailed(f"{url} not ready in time")


def _across(a: str, b: str) -> str:
    """Session on `a`, collect on `b`, score on `a`: the device ID."""
    attributes = web_attributes()
    ua = attributes["software"]["user_agent"]
    r = httpx.post(f"{a}/v1/sessions", json={"site_key": "demo_site"}, headers={"Origin": ORIGIN})
    if r.status_code != 201:
        raise SmokeFailed(f"session: {r.status_code} {r.text[:300]}")
    sid = r.json()["session_id"]
    body = {"session_id": sid, "site_key": "demo_site", "channel": "web"}
    r = httpx.post(
        f"{b}/v1/collect",
        json={**body, "attributes": attributes},
        headers={"Origin": ORIGIN, "User-Agent": ua},
    )
    if r.status_code != 202:
        raise SmokeFailed(f"collect on the other worker: {r.status_code} {r.text[:300]}")
    r = httpx.post(f"{a}/v1/score", json={"session_id": sid}, headers=AUTH, timeout=30)
    if r.status_code != 200:
        raise SmokeFailed(f"score: {r.status_code} {r.text[:300]}")
    return str(r.json()["device_id"])


def check() -> None:
    ports = [_free_port(), _free_port()]
    env = {**os.environ, "ANONSCORE_PORT_1": str(ports[0]), "ANONSCORE_PORT_2": str(ports[1])}
    secret = HERE / "secret" / "anonscore.key"
    made = not secret.exists()
    if made:
        secret.parent.mkdir(mode=0o700, exist_ok=True)
        secret.write_bytes(os.urandom(32))
        # podman-compose 1.0.3 bind-mounts the file as it is (no uid, no mode): the
        # service's user (uid 10001) must own it
        os.chown(secret, 10001, 10001)
        secret.chmod(0o400)
    t0 = time.monotonic()
    try:
        _compose(env, "up", "-d")
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        for url in urls:
            _ready(url)
        print(f"  ok  3 masters, the cluster, 2 workers ready ({time.monotonic() - t0:.1f} s)")
        first, second = _across(urls[0], urls[1]), _across(urls[1], urls[0])
        print("  ok  session on one worker, collect on the other, score on the first: both ways")
        if first != second:
            raise SmokeFailed(f"one device, two IDs: {first}, {second}")
        print(f"  ok  one device, one ID through either worker: {first}")
        print(f"compose check passed in {time.monotonic() - t0:.1f} s")
    finally:
        subprocess.run(
            ["podman-compose", "-p", PROJECT, "-f", str(HERE / "compose.yaml"), "down", "-v"],
            env=env,
            capture_output=True,
            check=False,
        )
        subprocess.run(["podman", "network", "rm", f"{PROJECT}_default"], capture_output=True)
        if made:
            secret.unlink()


def main() -> int:
    try:
        check()
    except SmokeFailed as exc:
        print(f"compose check FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
