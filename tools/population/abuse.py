"""Abuse by insiders and by the applicant, through the real service (issue 15).

    python -m tools.population.abuse SCENARIO [--devices 1000] [--fraud 60] [--seed 1]
                                     [--out runs/abuse-SCENARIO/] [--unbounded]

Scenarios (each run twice on fresh stores, with the abuse and without it, same traffic):

- `poison-one`: one lender ("poisoner", a new tenant) scores N honest devices and files a
  false fraud report on each; the devices then apply at the established lenders.
- `poison-ring`: a fraud ring signs up as three new lenders; each scores the same N honest
  devices and reports every one.
- `self-wipe`: fraud devices apply at an established lender, which reports them; each
  fraudster then opts out from the page with the reported session's ID (which its page
  holds) and applies at other lenders, and at the same one. N honest devices apply once
  each (the lenders' ordinary volume).

Every scenario also runs true fraud: devices reported by 1, 2 or 3 independent established
lenders, then applying at a fourth. The five lenders of `catalogue.LENDERS` are established
(`report_trust = 0.6`); the abusers are new tenants (the default). `--unbounded` lifts the
bound on reports relative to a tenant's volume (service.toml `report_share = 1`), to see what
the trust weights do alone. Figures: the honest devices' scores at the established lenders
(median, share at or above 0.3 and in the top band, 0.8) with and without the abuse, and the
fraud devices' by number of reporters; printed and written to `<out>/abuse.json`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from random import Random
from typing import Any

import httpx
import trio

from engine.config import TenantFile
from engine.runtime.server import ServeOptions, serve

from .applicant import Application, human_form, submit
from .catalogue import DAY, LENDERS, T0, Lender
from .devices import REPO
from .network import Addresses
from .run import Clock, write_config
from .world import World

TOP, REVIEW = 0.8, 0.3
ESTABLISHED = 0.6  # the report_trust of the catalogue's lenders in these runs


def _new_lender(tenant: str) -> Lender:
    return Lender(tenant, f"{tenant} (new tenant)", f"{tenant}_site", f"{tenant}_key_0123456789",
                  f"https://{tenant}.example", ("de", "gb", "fr"), 0.0, 1.0, 0.5)  # fmt: skip


@dataclass
class Event:
    """One step of a scenario, in time order."""

    at: float
    kind: str  # "visit", "report", "optout", "rescore"
    lender: Lender
    app: Application | None = None  # a visit's application
    of: Event | None = None  # the visit a report, opt-out or re-score is about
    group: str = ""  # what the visit measures ("" : not measured)


@dataclass
class Plan:
    events: list[Event] = field(default_factory=list)

    def visit(self, at: float, lender: Lender, app: Application, group: str = "") -> Event:
        self.events.append(Event(at, "visit", lender, app, group=group))
        return self.events[-1]

    def then(self, at: float, kind: str, lender: Lender, of: Event) -> None:
        self.events.append(Event(at, kind, lender, of=of))


def plan(scenario: str, devices: int, fraud: int, seed: int, net: Addresses, abuse: bool) -> Plan:
    """The scenario's events; `abuse` False: the same visits with no abusive report or
    opt-out (the control)."""
    w = World(Random(seed), seed, 14.0, net)
    r, p = w.rng, Plan()

    def app(lender: Lender, d: Any, at: float, actor: str, is_fraud: bool) -> Application:
        return submit(d, r, at, lender, human_form(r), fraud=is_fraud, pattern="abuse", actor=actor)

    def person(i: int) -> Any:
        lender = w.lender()
        channel, kind = w.channel(lender)
        return w.device(channel, kind, w.country(lender))

    abusers = {"poison-one": ["poisoner"], "poison-ring": ["ring1", "ring2", "ring3"]}
    bad = [_new_lender(t) for t in abusers.get(scenario, [])]
    for i in range(devices if bad else 0):  # honest devices the abusers score and report
        d = person(i)
        day = r.uniform(0, 5)
        for k, lender in enumerate(bad):
            at = T0 + (day + 0.01 * k) * DAY
            v = p.visit(at, lender, app(lender, d, at, f"h{i}", False))
            delay = r.uniform(0.5, 2)  # drawn in both runs: the same traffic
            if abuse:
                p.then(at + delay * DAY, "report", lender, v)
        victim = r.choice(LENDERS)
        at = T0 + (day + r.uniform(3, 8)) * DAY
        p.visit(at, victim, app(victim, d, at, f"h{i}", False), group="honest")
    for i in range(devices if not bad else 0):  # the lenders' honest volume (self-wipe)
        d, lender = person(i), r.choice(LENDERS)
        at = T0 + r.uniform(0, 10) * DAY
        p.visit(at, lender, app(lender, d, at, f"h{i}", False), group="honest")
    for i in range(fraud):  # true fraud, reported by 1, 2 or 3 established lenders
        d, n = person(i), 1 + i % 3
        reporters = r.sample(LENDERS, n + 1)
        day = r.uniform(0, 4)
        wipe = scenario == "self-wipe" and abuse
        for k, lender in enumerate(reporters[:n]):
            at = T0 + (day + 0.02 * k) * DAY
            v = p.visit(at, lender, app(lender, d, at, f"f{i}", True))
            p.then(at + r.uniform(1, 3) * DAY, "report", lender, v)
            if k == 0 and scenario == "self-wipe":
                p.then(at + 4 * DAY, "optout" if wipe else "rescore", lender, v)
                p.then(at + 4.1 * DAY, "rescore", lender, v)
                back = T0 + (day + 5) * DAY
                p.visit(back, lender, app(lender, d, back, f"f{i}", True), group=f"fraud-own-{n}")
        at = T0 + (day + r.uniform(6, 9)) * DAY
        p.visit(at, reporters[n], app(reporters[n], d, at, f"f{i}", True), group=f"fraud-{n}")
    p.events.sort(key=lambda e: e.at)
    return p


async def drive(client: httpx.AsyncClient, service: Any, p: Plan) -> dict[str, Any]:
    """Send the plan; the measured scores per group and the outcome of every other step."""
    clock = Clock()
    saved, service.clock = service.clock, clock
    sids: dict[int, str] = {}  # id of a visit event -> its session
    scores: dict[str, list[float]] = {}
    outcomes: Counter[str] = Counter()
    try:
        for e in p.events:
            clock.now = e.at
            lender = e.lender
            auth = {"Authorization": f"Bearer {lender.api_key}"}
            if e.kind == "visit":
                assert e.app is not None
                body: dict[str, Any] = {"site_key": lender.site_key}
                r = await client.post("/v1/sessions", json=body, headers=e.app.headers)
                sid = r.json()["session_id"]
                body = {**body, "session_id": sid, "channel": e.app.channel,
                        "attributes": e.app.attributes}  # fmt: skip
                r = await client.post("/v1/collect", json=body, headers=e.app.headers)
                r = await client.post("/v1/score", json={"session_id": sid}, headers=auth)
                if r.status_code != 200:
                    outcomes[f"score {r.status_code}"] += 1
                    continue
                sids[id(e)] = sid
                if e.group:
                    scores.setdefault(e.group, []).append(r.json()["score"])
            elif e.of is not None and id(e.of) in sids:
                sid = sids[id(e.of)]
                if e.kind == "report":
                    body = {"session_id": sid, "label": "fraud"}
                    r = await client.post("/v1/feedback", json=body, headers=auth)
                elif e.kind == "optout":
                    body = {"session_id": sid, "site_key": lender.site_key}
                    r = await client.post(
                        "/v1/optout", json=body, headers={"Origin": lender.origin}
                    )
                else:
                    r = await client.post("/v1/score", json={"session_id": sid}, headers=auth)
                outcomes[
                    f"{(lender.id in _ABUSERS and 'abuser ') or ''}{e.kind} {r.status_code}"
                ] += 1
    finally:
        service.clock = saved
    return {"scores": scores, "outcomes": dict(sorted(outcomes.items()))}


_ABUSERS = {"poisoner", "ring1", "ring2", "ring3"}


def write_run_config(out: Path, unbounded: bool) -> None:
    write_config(REPO / "config", out / "config",
                 [*LENDERS, *(_new_lender(t) for t in sorted(_ABUSERS))])  # fmt: skip
    if "report_trust" not in TenantFile.__struct_fields__:
        return  # a service from before issue 15 (to measure it): no trust to configure
    path = out / "config" / "tenants.toml"
    text = path.read_text(encoding="utf-8")
    for x in LENDERS:
        header = f"[tenants.{x.id}]"
        end = text.index("\n", text.index(header))
        text = text[: end + 1] + f"report_trust = {ESTABLISHED}\n" + text[end + 1 :]
    path.write_text(text, encoding="utf-8")
    if unbounded:
        service = out / "config" / "service.toml"
        service.write_text(
            service.read_text() + "\nreport_share = 1.0\nreport_allowance = 100000\n"
        )


async def run_once(cfg: argparse.Namespace, out: Path, abuse: bool) -> dict[str, Any]:
    out.mkdir(parents=True)  # noqa: ASYNC240 (start-up, before the service runs)
    write_run_config(out, cfg.unbounded)
    opts = ServeOptions(port=0, data_dir=out / "data", config_dir=out / "config")
    async with trio.open_nursery() as nursery:
        handle = await nursery.start(serve, opts)
        service = handle.state.service
        net = Addresses().with_service_lists().checked(lambda ip: service.ip.reduce(ip).country)
        p = plan(cfg.scenario, cfg.devices, cfg.fraud, cfg.seed, net, abuse)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{handle.port}", timeout=60) as c:
            result = await drive(c, service, p)
        nursery.cancel_scope.cancel()
    return result


def summary(scores: list[float]) -> dict[str, float]:
    if not scores:
        return {"n": 0}
    return {
        "n": len(scores),
        "median": round(statistics.median(scores), 4),
        "review_or_more": round(sum(s >= REVIEW for s in scores) / len(scores), 4),
        "top": round(sum(s >= TOP for s in scores) / len(scores), 4),
    }


async def scenario(cfg: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    out: Path = cfg.out
    if out.exists():  # noqa: ASYNC240
        raise FileExistsError(f"{out} exists; remove it or give another --out")
    runs = {}
    for name, abuse in (("without", False), ("with", True)):
        say(f"{cfg.scenario}: run {name} the abuse")
        runs[name] = await run_once(cfg, out / name, abuse)
    groups = sorted(set(runs["with"]["scores"]) | set(runs["without"]["scores"]))
    report = {
        "scenario": cfg.scenario,
        "seed": cfg.seed,
        "devices": cfg.devices,
        "fraud": cfg.fraud,
        "unbounded": cfg.unbounded,
        "groups": {
            g: {n: summary(runs[n]["scores"].get(g, [])) for n in ("without", "with")}
            for g in groups
        },
        "outcomes": {n: runs[n]["outcomes"] for n in ("without", "with")},
    }
    (out / "abuse.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.population.abuse", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("scenario", choices=["poison-one", "poison-ring", "self-wipe"])
    p.add_argument("--devices", type=int, default=1000, help="honest devices reported (1000)")
    p.add_argument("--fraud", type=int, default=60, help="true fraud devices (60)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, help="output directory (default runs/abuse-SCENARIO/)")
    p.add_argument("--unbounded", action="store_true", help="no bound on reports vs volume")
    cfg = p.parse_args(argv)
    cfg.out = cfg.out or Path("runs") / f"abuse-{cfg.scenario}{'-unbounded' * cfg.unbounded}"

    def say(text: str) -> None:
        print(f"[abuse] {text}", file=sys.stderr, flush=True)

    try:
        report = trio.run(partial(scenario, cfg, say))
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
