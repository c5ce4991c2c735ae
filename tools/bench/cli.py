"""Throughput and latency of the service, next to a bare Quart-Trio echo, in the same run.

    python -m tools.bench [--duration 10] [--concurrency 32] [--warmup 2] [--json out.json]
                          [--open-loop 0.5,0.8,2] [--store redis --workers 1,2]

1. Starts `tools/bench_echo.py` (a bare Quart-Trio app on Hypercorn's trio worker that
   answers the JSON it gets) pinned to CPU 0, and drives it from a separate load-generating
   process pinned to CPU 1, posting the same bodies and headers the real flow sends.
2. Starts the service (`python -m engine.cli serve`, fresh data directory, the repository's
   config/) pinned to CPU 0, and drives the full flow from the load generator: each connection
   loops POST /v1/sessions -> POST /v1/collect (a ~1.8 KB web payload from one of 2,000
   simulated devices, each with its own user agent: 3,600 distinct strings of Chrome,
   Edge, Opera, Firefox, Safari, Samsung Internet, Android WebView and in-app browsers,
   tools/bench/agents.py) -> POST /v1/score; every collect on a fresh session, every score
   on a freshly collected one.
   With --store redis it starts a three-master Redis Cluster for each phase
   (tools/redis_cluster.py; its servers on CPU 1, beside the load generator), and runs one
   phase per --workers count (`anonscore serve --store redis://... --workers N`; above 1
   the workers are not pinned).
3. Prints requests/s and p50/p99 latency of each endpoint and the ratios to the echo, and
   for one worker the CPU per flow by stage: the service's own stage counters
   (`anonscore_stage_cpu_seconds_total`, scraped from /metrics before and after), the rest
   of its process's CPU (HTTP, JSON, the store client, the event loop), and the Redis
   servers' CPU.
4. With --open-loop, starts new flows at fixed rates (multiples of the closed loop's
   flows/s) and prints completed flows/s, the share of the peak, answer latencies (every
   answer, 503s included) and the statuses: what an overload does to the service.

The load generator is a minimal HTTP/1.1 keep-alive client on raw Trio sockets (one
connection per concurrent client, requests built from pre-encoded parts): at the echo's rate
it uses a small part of its core, so the server is what is measured. The CPU line of the
report shows it, and how much CPU other processes took meanwhile (numbers from a busy machine
are not comparable). Traffic stays on 127.0.0.1. About 2 x (warmup + duration) s plus the
service's start-up; child processes are stopped on exit and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from .loadgen import loadgen
from .report import report
from .run import bench, log


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--duration", type=float, default=4.0, help="measured seconds per phase")
    p.add_argument("--concurrency", type=int, default=32, help="connections (default 32)")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of load, not measured")
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of floor, echo, sessions, collect and score in turn (default 3): each "
        "ratio is taken within its round; the summary gives the median and the range",
    )
    p.add_argument("--port", type=int, default=0, help="port for the servers (default: a free one)")
    p.add_argument("--json", type=Path, help="also write the numbers to this file")
    p.add_argument("--keep", action="store_true", help="keep the servers' logs and data")
    p.add_argument(
        "--profile",
        type=Path,
        help="record the service with py-spy into this directory: a flame graph of each "
        "endpoint alone in the first round (sessions.svg, collect.svg, score.svg) and the "
        "flow's raw collapsed stacks (flow.txt); needs ptrace permission",
    )
    p.add_argument(
        "--open-loop",
        default="",
        metavar="FACTORS",
        help="after the closed loop, start flows at a fixed rate: these multiples of the "
        "closed-loop flows/s, e.g. 0.5,0.8,2 (the p99 at 50%% and 80%% of saturation, and "
        "shedding at twice it)",
    )
    p.add_argument(
        "--store",
        choices=("rocksdb", "redis"),
        default="rocksdb",
        help="the service's store: the embedded RocksDB, or a three-master Redis Cluster "
        "started for the run (its servers on the load generator's CPU)",
    )
    p.add_argument(
        "--workers",
        default="1",
        metavar="N[,N...]",
        help="service processes on the port; a list runs one phase for each, e.g. 1,2 (above "
        "1 needs --store redis, and the workers are not pinned: they share the machine with "
        "the cluster and the load generator)",
    )
    p.add_argument("--loadgen", choices=("echo", "flow", "open", "split"), help=argparse.SUPPRESS)
    p.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    p.add_argument("--target-port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        args.factors = [float(f) for f in args.open_loop.split(",") if f.strip()]
    except ValueError:
        print(
            "bench: --open-loop takes numbers separated by commas, e.g. 0.5,0.8,2", file=sys.stderr
        )
        return 2
    try:
        args.workers = [int(n) for n in args.workers.split(",") if n.strip()]
    except ValueError:
        args.workers = []
    if not args.workers or min(args.workers) < 1:
        print("bench: --workers takes counts >= 1 separated by commas, e.g. 1,2", file=sys.stderr)
        return 2
    if max(args.workers) > 1 and args.store != "redis":
        print("bench: --workers above 1 needs --store redis", file=sys.stderr)
        return 2
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1 or args.rounds < 1:
        print(
            "bench: --duration must be > 0, --warmup >= 0, --concurrency and --rounds >= 1",
            file=sys.stderr,
        )
        return 2
    if args.loadgen:
        import trio

        # the parent stops this process; a Ctrl-C meant for the parent must not spill a trace
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if args.loadgen == "open":
            from .openloop import open_loop

            out = trio.run(open_loop, args.target_port, args.rate, args.warmup, args.duration)
        elif args.loadgen == "split":
            from .split import split_phases

            out = trio.run(
                split_phases,
                args.target_port,
                args.concurrency,
                args.warmup,
                args.duration,
                args.server_pid,
            )
        else:
            out = trio.run(
                loadgen,
                args.loadgen,
                args.target_port,
                args.concurrency,
                args.warmup,
                args.duration,
                args.server_pid,
            )
        print(json.dumps(out))
        return 0
    # SIGTERM ends the run as Ctrl-C does, so the servers are stopped (bench's finally)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        res = bench(args)
    except RuntimeError as exc:
        log(f"failed: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; the servers were stopped")
        return 130
    print(report(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n")
        log(f"numbers written to {args.json}")
    ok = res["services"] and all("failed" not in run for run in res["services"])
    return 0 if ok else 1
