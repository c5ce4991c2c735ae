"""CPU per collect and per score inside one process, without HTTP, and where it goes.

    python -m tools.bench.inproc [--flows 2000] [--profile] [--top 30]

Builds the service's `Service` as the server does (the repository's config/, RocksDB in a
temporary directory, the IP data of var/ipdata) and runs the bench's flows through it
(tools/bench/payloads.py: the same devices, payloads and headers): create a session,
collect, score. It times each operation with the thread's CPU clock, so the figures hold
on a busy machine, where a sampling profiler of the server (wall clock) piles other
processes' time onto wherever the service was preempted. With --profile, cProfile runs
around each collect and each score apart and prints both tables: what the flame graphs
(docs/flame/) show, attributed by call. cProfile's overhead inflates small calls; read
its shares, not its times.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio

from .payloads import SITE_KEY, FlowRequests, collect_body

REPO = Path(__file__).resolve().parent.parent.parent
SECRET = b"\x07" * 32


def client_facts(headers: bytes) -> Any:
    """The ClientFacts the front would derive from a device's headers (loopback peer; the
    bench's X-Forwarded-For is trusted from loopback, as config/service.toml says)."""
    from engine.sessions.facts import ClientFacts

    h = {}
    for line in headers.decode().split("\r\n"):
        if ": " in line:
            name, value = line.split(": ", 1)
            h[name.lower()] = value
    langs = tuple(
        part.split(";")[0].split("-")[0].strip().lower()
        for part in h.get("accept-language", "").split(",")
        if part.strip()
    )
    return ClientFacts(
        origin="http://127.0.0.1:8080",
        ip=h.get("x-forwarded-for"),
        languages=langs,
        user_agent=h.get("user-agent"),
        ch_ua=h.get("sec-ch-ua"),
        ch_ua_platform=(h.get("sec-ch-ua-platform") or "").strip('"') or None,
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from engine.ipdata import load_ip_data
    from engine.privacy import IpReducer
    from engine.privacy.secrets import derive_keys
    from engine.runtime.reloading import load_runtime
    from engine.scoring.pipeline import ENGINE_ATTRIBUTES
    from engine.scoring.plugin_host import PluginHost, build_plugin_manager
    from engine.sessions.service import Service
    from engine.store.regions import open_regions

    tmp = Path(tempfile.mkdtemp(prefix="anonscore-inproc-"))
    host = PluginHost(build_plugin_manager(), reserved=frozenset(ENGINE_ATTRIBUTES))
    runtime = load_runtime(REPO / "config", host.names)
    host.codes = frozenset(runtime.model.codes)
    regions = await open_regions(runtime.config.service, tmp / "data", "")
    keys = derive_keys(SECRET)
    reducer = IpReducer(keys.hashing, load_ip_data(runtime.config.service.ip_data_dir))
    svc = Service(regions, keys, host, runtime, reducer)
    svc.warm_up()
    tenant = next(t for t in runtime.config.tenants.values() if t.site_key == SITE_KEY.decode())
    req, rng = FlowRequests(8080), random.Random(args.seed)
    now = 1_780_000_000.0
    prof = {"collect": cProfile.Profile(), "score": cProfile.Profile()}
    cpu = {"collect": 0.0, "score": 0.0, "session": 0.0}
    answers = []
    try:
        for i in range(args.flows + args.warmup):
            attrs, headers, behaviour = req.pick(rng)
            now += 0.37
            t0 = time.thread_time()
            sid = svc.create_session(tenant, now).session_id
            t1 = time.thread_time()
            body = json.loads(collect_body(sid.encode(), attrs, behaviour))
            facts = client_facts(headers)
            if args.profile and i >= args.warmup:
                prof["collect"].enable()
            t2 = time.thread_time()
            await svc.collect(body, facts, now)
            t3 = time.thread_time()
            prof["collect"].disable()
            if args.profile and i >= args.warmup:
                prof["score"].enable()
            t4 = time.thread_time()
            answer = await svc.score(tenant, sid, now)
            t5 = time.thread_time()
            prof["score"].disable()
            if i >= args.warmup:
                cpu["session"] += t1 - t0
                cpu["collect"] += t3 - t2
                cpu["score"] += t5 - t4
                answers.append(answer)
    finally:
        await regions.aclose()
        shutil.rmtree(tmp, ignore_errors=True)
    out = {k: round(1e6 * v / args.flows, 1) for k, v in cpu.items()}
    if args.profile:
        for name, p in prof.items():
            print(f"\n== {name}: cProfile, by own time", file=sys.stderr)
            pstats.Stats(p, stream=sys.stderr).sort_stats("tottime").print_stats(args.top)
            print(f"\n== {name}: cProfile, by cumulative time", file=sys.stderr)
            pstats.Stats(p, stream=sys.stderr).sort_stats("cumulative").print_stats(args.top)
    return {"cpu_us_per_op": out, "flows": args.flows, "answers": [_answer(a) for a in answers]}


def _answer(a: Any) -> str:
    """An answer without its random parts (session, device and user IDs)."""
    import msgspec

    d = msgspec.to_builtins(a)
    for k in ("session_id", "device_id", "user_id"):
        d.pop(k, None)
    return json.dumps(d, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench.inproc", description=__doc__)
    p.add_argument("--flows", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--answers", type=Path, help="write each score's answer (no IDs) here")
    args = p.parse_args(argv)
    res = trio.run(run, args)
    print(json.dumps(res["cpu_us_per_op"]))
    if args.answers:
        # the answers that must not change with a speed-up: every score, flag and reason
        args.answers.write_text("\n".join(res["answers"]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
