"""Driving the real service: start it in-process, run every session through
sessions -> collect -> score on the simulated clock, and measure."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

from engine.server import ServeOptions, serve

from .catalogue import T0
from .events import Rates, Visit, plan
from .metrics import Observation, compute_metrics
from .population import device_classes, make_devices

REPO = Path(__file__).resolve().parent.parent.parent
SITE_KEY, API_KEY = "demo_site", "demo_key"


class Clock:
    """The service clock during a run: the simulated time of the current session."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


async def drive(
    client: Any,
    service: Any,
    visits: Sequence[Visit],
    progress: Callable[[int, int], None] | None = None,
) -> list[Observation]:
    """Run every visit through sessions -> collect -> score; the truth next to the answer."""
    clock = Clock()
    saved, service.clock = service.clock, clock
    out = []
    auth = {"Authorization": f"Bearer {API_KEY}"}
    step = max(1, len(visits) // 10)
    try:
        for i, v in enumerate(visits):
            clock.now = v.at
            r = await client.post("/v1/sessions", json={"site_key": SITE_KEY}, headers=v.headers)
            _check(r, 201, v)
            sid = r.json()["session_id"]
            body = {"session_id": sid, "site_key": SITE_KEY, "channel": v.channel}
            body["attributes"] = v.attributes
            _check(await client.post("/v1/collect", json=body, headers=v.headers), 202, v)
            r = await client.post("/v1/score", json={"session_id": sid}, headers=auth)
            _check(r, 200, v)
            ans = r.json()
            out.append(
                Observation(
                    v.device, ans["device_id"], ans["device_confidence"], v.events, v.channel
                )
            )
            if progress and ((i + 1) % step == 0 or i + 1 == len(visits)):
                progress(i + 1, len(visits))
    finally:
        service.clock = saved
    return out


def _check(r: Any, status: int, v: Visit) -> None:
    if r.status_code != status:
        raise RuntimeError(
            f"{r.request.method} {r.request.url.path} for device {v.device} answered "
            f"{r.status_code} (expected {status}): {r.text[:300]}"
        )


@dataclass
class Config:
    devices: int = 300
    sessions_per_device: int = 6
    seed: int = 7
    days: float = 30.0
    twin_fraction: float = 0.2
    sdk_fraction: float = 0.2
    rates: Rates = field(default_factory=Rates)


@dataclass
class Report:
    config: Config
    metrics: dict[str, Any]
    summary: dict[str, Any]
    observations: list[Observation]


async def simulate(
    cfg: Config,
    *,
    data_dir: Path | None = None,
    config_dir: Path = REPO / "config",
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Generate the devices and sessions, run them through a fresh in-process service (in
    its own nursery, cancelled at the end) and measure. `data_dir` defaults to a temporary
    directory."""
    devices = make_devices(
        cfg.devices, cfg.seed, twin_fraction=cfg.twin_fraction, sdk_fraction=cfg.sdk_fraction
    )
    device_class = device_classes(devices)
    visits = plan(devices, cfg.sessions_per_device, cfg.seed, cfg.days, cfg.rates)
    with tempfile.TemporaryDirectory(prefix="anonscore-drift-") as tmp:
        opts = ServeOptions(port=0, data_dir=data_dir or Path(tmp), config_dir=config_dir)
        async with trio.open_nursery() as nursery:
            t_start = time.perf_counter()
            handle = await nursery.start(serve, opts)
            t_ready = time.perf_counter()
            url = f"http://127.0.0.1:{handle.port}"
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                obs = await drive(client, handle.state.service, visits, progress)
            t_end = time.perf_counter()
            nursery.cancel_scope.cancel()
    kinds = Counter(d.model.kind if d.channel == "web" else d.channel for d in devices)
    summary = {
        "devices_by_kind": dict(sorted(kinds.items())),
        "twin_groups": len({d.group for d in devices if d.group}),
        "twin_devices": sum(1 for d in devices if d.group),
        "lookalike_devices": sum(1 for c in device_class.values() if c == "lookalike"),
        "start_s": round(t_ready - t_start, 2),
        "run_s": round(t_end - t_ready, 2),
        "ms_per_request": round((t_end - t_ready) * 1000 / max(1, 3 * len(visits)), 2),
    }
    return Report(cfg, compute_metrics(obs, device_class), summary, obs)


def code_version() -> str:
    """The commit under test, and whether engine/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "engine"], cwd=REPO, capture_output=True,
            text=True,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return "unknown (no git)"
    if not head:
        return "unknown (not a git checkout)"
    return head[:72] + (" + uncommitted changes in engine/" if dirty else "")
