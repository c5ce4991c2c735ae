"""Driving the real service: its own config directory with the lenders as tenants, a fresh
store in the output directory, the service clock set to each event's simulated time, and
every application sent as a page and a lender's back-end would: sessions -> collect ->
score, then feedback when the lender learns the outcome."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import trio

from engine.config import format_api_key_hash
from engine.runtime.server import ServeOptions, serve

from . import output
from .applicant import Application
from .catalogue import LENDERS, T0, Lender
from .devices import REPO, code_version
from .fraud import PATTERNS
from .network import Addresses
from .plan import Settings, population, summary

Progress = Callable[[str], None]


class Clock:
    """The service clock during a run: the simulated time of the current event."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def write_config(src: Path, dst: Path, lenders: Sequence[Lender] = LENDERS) -> None:
    """Copy the service config and add a tenant for every lender it does not have yet."""
    shutil.copytree(src, dst)
    tenants = dst / "tenants.toml"
    text = tenants.read_text(encoding="utf-8")
    extra = []
    for x in lenders:
        if f"[tenants.{x.id}]" in text:
            continue
        extra.append(
            f"\n[tenants.{x.id}]  # added by tools.population\n"
            f'name = "{x.name}"\nsite_key = "{x.site_key}"\n'
            f'api_key_hash = "{format_api_key_hash(x.api_key)}"\n'
            f'allowed_origins = ["{x.origin}"]\noptional = []\nregion = "eu"\n'
            "retention_days = 730\n"
        )
    tenants.write_text(text + "".join(extra), encoding="utf-8")


async def drive(
    client: Any,
    service: Any,
    apps: Sequence[Application],
    progress: Progress | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Send every application and feedback in time order; the session ids and answers."""
    lenders = {x.id: x for x in LENDERS}
    events = [(a.at, 0, i) for i, a in enumerate(apps)]
    events += [(a.feedback_at, 1, i) for i, a in enumerate(apps) if a.feedback_at is not None]
    events.sort()
    sids: list[str] = [""] * len(apps)
    refused: list[int] = []
    answers: list[dict[str, Any]] = [{} for _ in apps]
    clock = Clock()
    saved, service.clock = service.clock, clock
    step, done = max(1, len(events) // 20), 0
    t0 = time.perf_counter()
    try:
        for at, kind, i in events:
            clock.now = at
            a, lender = apps[i], lenders[apps[i].tenant]
            auth = {"Authorization": f"Bearer {lender.api_key}"}
            if kind == 0:
                body: dict[str, Any] = {"site_key": lender.site_key}
                r = await client.post("/v1/sessions", json=body, headers=a.headers)
                _check(r, 201, a)
                sid = sids[i] = r.json()["session_id"]
                body = {**body, "session_id": sid, "channel": a.channel, "attributes": a.attributes}
                r = await client.post("/v1/collect", json=body, headers=a.headers)
                if r.status_code == 422 and r.json()["error"]["code"] == "personal_data":
                    refused.append(i)  # the firewall's call; the session is still scored
                else:
                    _check(r, 202, a)
                r = await client.post("/v1/score", json={"session_id": sid}, headers=auth)
                if r.status_code == 409 and refused[-1:] == [i]:
                    continue  # nothing stored to score (see the report): left unscored
                _check(r, 200, a)
                answers[i] = r.json()
            elif answers[i]:
                body = {"session_id": sids[i], "label": a.feedback}
                _check(await client.post("/v1/feedback", json=body, headers=auth), 202, a)
            done += 1
            if progress and (done % step == 0 or done == len(events)):
                rate = done / max(time.perf_counter() - t0, 1e-9)
                progress(
                    f"{done}/{len(events)} events ({100 * done // len(events)}%, {rate:.0f}/s)"
                )
    finally:
        service.clock = saved
    if refused and progress:
        progress(
            f"{len(refused)} payloads refused as personal data (first: {apps[refused[0]].actor})"
        )
    return sids, answers


def _check(r: Any, status: int, a: Application) -> None:
    if r.status_code != status:
        raise RuntimeError(
            f"{r.request.method} {r.request.url.path} for {a.pattern} actor {a.actor} answered "
            f"{r.status_code} (expected {status}): {r.text[:300]}"
        )


async def simulate(
    cfg: Settings, out: Path, *, force: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Run the population through a fresh in-process service; write the output files.
    Returns the run's metadata (also in `run.json`)."""
    say = progress or (lambda _: None)
    output.prepare(out, force=force)
    write_config(REPO / "config", out / "config")
    if cfg.fraud_rate > 0.05:
        # far more fraud than lenders see: the bound on a tenant's fraud reports relative to
        # its scored volume (docs/reputation.md) would refuse true reports of the run
        service_toml = out / "config" / "service.toml"
        service_toml.write_text(service_toml.read_text() + "\nreport_share = 1.0\n")
    opts = ServeOptions(port=0, data_dir=out / "data", config_dir=out / "config")
    async with trio.open_nursery() as nursery:
        t_start = time.perf_counter()
        handle = await nursery.start(serve, opts)
        t_ready = time.perf_counter()
        service = handle.state.service
        net = Addresses().with_service_lists().checked(lambda ip: service.ip.reduce(ip).country)
        apps = population(cfg, net)
        t_plan = time.perf_counter()
        say(f"{len(apps)} applications, {sum(a.fraud for a in apps)} fraudulent; driving")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{handle.port}", timeout=60) as c:
            sids, answers = await drive(c, service, apps, progress)
        t_end = time.perf_counter()
        nursery.cancel_scope.cancel()
    output.write_jsonl(
        out / output.TRUTH, (output.truth_row(s, a) for s, a in zip(sids, apps, strict=True))
    )
    output.write_jsonl(
        out / output.SCORES,
        (output.score_row(s, a, r) for s, a, r in zip(sids, apps, answers, strict=True) if r),
    )
    meta = {
        "seed": cfg.seed,
        "settings": asdict(cfg),
        "model_version": next((r["model_version"] for r in answers if r), None),
        "code": code_version(),
        "population": summary(apps),
        "patterns": {p.name: p.doc for p in PATTERNS},
        "lenders": {x.id: {"name": x.name, "markets": list(x.markets)} for x in LENDERS},
        "addresses": {"sources": net.sources, "dropped_prefixes": net.dropped},
        "refused_personal_data": sum(
            any(x["code"] == "PERSONAL_DATA_REFUSED" for x in r.get("reasons", ())) for r in answers
        ),
        "unscored": [
            output.truth_row(s, a) for s, a, r in zip(sids, apps, answers, strict=True) if not r
        ],
        "timing_s": {
            "start": round(t_ready - t_start, 2),
            "plan": round(t_plan - t_ready, 2),
            "drive": round(t_end - t_plan, 2),
            "ms_per_request": round(
                (t_end - t_plan)
                * 1000
                / max(1, 3 * len(apps) + sum(a.feedback is not None for a in apps)),
                2,
            ),
        },
    }
    output.write_meta(out / output.META, meta)
    return meta
