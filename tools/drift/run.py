"""Driving the real service: start it in-process, run every visit through sessions -> collect
-> score on the simulated clock (the public API only; nothing is read from the store), and
measure its answers and the exact-hash baseline's against the truth."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

from engine.runtime.server import ServeOptions, serve

from . import baseline
from .calibration import reliability
from .device import Device
from .events import Visit, plan
from .metrics import Observation, device_metrics
from .population import Sizes, appearances, device_classes, make_devices, summary
from .releases import START, Calendar
from .users import user_links

REPO = Path(__file__).resolve().parent.parent.parent
SITE_KEY, API_KEY = "demo_site", "demo_key"


class Clock:
    """The service clock during a run: the simulated time of the current visit."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class Config:
    devices: int = 300
    days: float = 180.0
    seed: int = 7
    fleet: int = 20
    iphones: int = 20
    sdk_fraction: float = 0.15
    second_browser: float = 0.2
    second_machine: float = 0.2
    world: str = "real"  # real (machines from real traffic) | catalogue

    def sizes(self) -> Sizes:
        return Sizes(self.devices, self.days, self.fleet, self.iphones, self.sdk_fraction,
                     self.second_browser, self.second_machine, self.world)  # fmt: skip


@dataclass
class World:
    """The simulated truth of a run: calendar, devices, their classes and every visit."""

    calendar: Calendar
    devices: list[Device]
    looks: dict[int, str]
    classes: dict[int, str]
    visits: list[Visit]


def build(cfg: Config) -> World:
    cal = Calendar(cfg.seed)
    devices = make_devices(cfg.seed, cfg.sizes())
    looks = appearances(devices, cal)
    return World(cal, devices, looks, device_classes(devices, looks), plan(devices, cal))


@dataclass
class Report:
    config: Config
    metrics: dict[str, dict[str, Any]]  # "linker" (the service) and "exact_hash"
    summary: dict[str, Any]
    observations: dict[str, list[Observation]] = field(default_factory=dict)


def observe(v: Visit, cls: str, device_id: str, confidence: float, user_id: str) -> Observation:
    return Observation(v.device, device_id, confidence, v.events, v.channel, v.at, user_id,
                       v.machine, v.person, cls)  # fmt: skip


def measure(obs: Sequence[Observation]) -> dict[str, Any]:
    """Every figure of a run, for one linker's answers."""
    return {**device_metrics(obs), "users": user_links(obs), "reliability": reliability(obs)}


async def drive(
    client: Any,
    service: Any,
    visits: Sequence[Visit],
    classes: dict[int, str],
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
            out.append(observe(v, classes[v.device], ans["device_id"], ans["device_confidence"],
                               ans["user_id"]))  # fmt: skip
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


async def simulate(
    cfg: Config,
    *,
    world: World | None = None,
    data_dir: Path | None = None,
    config_dir: Path = REPO / "config",
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Build the world (unless given), run it through a fresh in-process service (in its own
    nursery, cancelled at the end) and measure it and the exact-hash baseline. `data_dir`
    defaults to a temporary directory."""
    t0 = time.perf_counter()
    w = world or build(cfg)
    t_built = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="anonscore-drift-") as tmp:
        opts = ServeOptions(port=0, data_dir=data_dir or Path(tmp), config_dir=config_dir)
        async with trio.open_nursery() as nursery:
            t_start = time.perf_counter()
            handle = await nursery.start(serve, opts)
            t_ready = time.perf_counter()
            url = f"http://127.0.0.1:{handle.port}"
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                obs = await drive(client, handle.state.service, w.visits, w.classes, progress)
            t_end = time.perf_counter()
            nursery.cancel_scope.cancel()
    base = [observe(v, w.classes[v.device], *a)
            for v, a in zip(w.visits, baseline.answers(w.visits), strict=True)]  # fmt: skip
    t_measure = time.perf_counter()
    metrics = {"linker": measure(obs), "exact_hash": measure(base)}
    s = summary(w.devices, w.classes)
    s |= {
        "build_s": round(t_built - t0, 2),
        "start_s": round(t_ready - t_start, 2),
        "run_s": round(t_end - t_ready, 2),
        "measure_s": round(time.perf_counter() - t_measure, 2),
        "ms_per_request": round((t_end - t_ready) * 1000 / max(1, 3 * len(w.visits)), 2),
    }
    return Report(cfg, metrics, s, {"linker": obs, "exact_hash": base})


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
