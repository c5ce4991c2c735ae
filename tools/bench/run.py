"""The run: the echo phase, then the service phase, each driven by the load generator
process, with the CPU each side used and what other processes took meanwhile."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import stages
from .client import HOST
from .cpu import cpu_busy, pin_to, proc_cpu, tree_cpu
from .servers import REPO, Child, free_port
from .split import SPLIT_ENDPOINTS


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_load(
    mode: str,
    server: Child,
    port: int,
    args: argparse.Namespace,
    cpus: tuple[int | None, ...],
    rate: float | None = None,
    store_pids: list[int] | None = None,
    by_stage: bool = False,
    concurrency: int | None = None,
) -> dict[str, Any]:
    """Run the load generator process against `server`; add the CPU time each side used and
    what other processes took from the server's and the load generator's CPUs meanwhile.
    `store_pids`: the store's servers (on the load generator's CPU), counted apart.
    `by_stage` (a flow run of one service process): scrape its CPU by stage."""
    server_cpu, load_cpu = cpus
    argv = [sys.executable, "-m", "tools.bench", "--loadgen", mode, "--target-port", str(port)]
    argv += ["--concurrency", str(args.concurrency), "--warmup", str(args.warmup)]
    argv += ["--duration", str(args.duration), "--server-pid", str(server.proc.pid)]
    if concurrency is not None:
        argv[argv.index("--concurrency") + 1] = str(concurrency)
    if rate is not None:
        argv += ["--rate", str(rate)]
    spies = _start_profiler(args, server.proc.pid, mode)
    scraped = stages.scrape(port) if by_stage else {}
    store0 = sum(proc_cpu(p) for p in store_pids or [])
    busy0 = [cpu_busy(c) for c in cpus]
    server0, t0 = tree_cpu(server.proc.pid), time.monotonic()
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    pin, limit = pin_to(load_cpu), args.warmup + args.duration + 120
    done = subprocess.run(argv, cwd=REPO, stdout=subprocess.PIPE, preexec_fn=pin, timeout=limit)
    wall = time.monotonic() - t0
    server_s = tree_cpu(server.proc.pid) - server0
    store_s = sum(proc_cpu(p) for p in store_pids or []) - store0
    busy = [cpu_busy(c) - b for c, b in zip(cpus, busy0, strict=True)]
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_s = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
    stage_cpu: dict[str, Any] = {}
    if by_stage:
        on_store = store_s if store_pids else None
        stage_cpu = stages.breakdown(scraped, stages.scrape(port), server_s, on_store)
    for spy in spies or []:
        if spy.wait(60) != 0:
            log(f"py-spy failed (exit status {spy.returncode}); a profile is missing")
    if spies:
        log(f"profiles written to {args.profile}")
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed (exit status {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout)
    if stage_cpu:
        result["cpu_by_stage"] = stage_cpu
    result["server_cpu_pct"] = round(100 * server_s / wall, 1)
    result["store_cpu_pct"] = round(100 * store_s / wall, 1) if store_pids else None
    if server_cpu is None:  # not pinned: all CPUs together
        other = (busy[0] - server_s - load_s - store_s,) * 2
    else:
        other = (busy[0] - server_s, busy[1] - load_s - store_s)
    result["other_on_server_cpu_pct"] = round(max(0.0, 100 * other[0] / wall), 1)
    result["other_on_load_cpu_pct"] = round(max(0.0, 100 * other[1] / wall), 1)
    return result


def _start_profiler(
    args: argparse.Namespace, pid: int, mode: str
) -> list[subprocess.Popen[bytes]] | None:
    """py-spy on the service over the measured window (it waits out the warm-up first):
    for the flow, raw collapsed stacks into `<profile>/flow.txt`; for the split phases, one
    flame graph per endpoint (`<profile>/<endpoint>.svg`), each started when its phase's
    warm-up ends (the phases run back to back, `warmup + duration` s each)."""
    if not args.profile or mode not in ("flow", "split"):
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise RuntimeError("--profile needs py-spy: tools/run setup installs it (test extras)")
    args.profile.mkdir(parents=True, exist_ok=True)
    seconds = max(1, round(args.duration - 0.5))
    base = [spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250"]
    base.append("--nonblocking")  # sampling does not pause the service
    if mode == "flow":
        jobs = [(args.warmup + 0.5, "flow.txt", "raw")]
    else:
        step = args.warmup + args.duration
        jobs = [
            (args.warmup + 0.5 + k * step, f"{n}.svg", "flamegraph")
            for k, n in enumerate(SPLIT_ENDPOINTS)
        ]
    out = []
    for delay, name, fmt in jobs:
        argv = [*base, "--format", fmt, "-o", str(args.profile / name)]
        script = f'sleep {delay}; exec "$@" >/dev/null 2>&1'
        out.append(subprocess.Popen(["sh", "-c", script, "py-spy", *argv]))
    return out


def bench(args: argparse.Namespace) -> dict[str, Any]:
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, load_cpu = (cpus[0], cpus[1]) if len(cpus) >= 2 else (None, None)
    if server_cpu is None:
        log("one CPU only: the server and the load generator share it; numbers will be low")
    res: dict[str, Any] = {
        "machine": {
            "nproc": os.cpu_count(),
            "server_cpu": server_cpu,
            "load_cpu": load_cpu,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "params": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
            "store": args.store,
            "workers": args.workers,
        },
        "services": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="anonscore-bench-"))
    children: list[Child] = []
    clusters: list[Any] = []
    try:
        ports = {}
        for name, module in (("floor", "tools.bench_floor"), ("echo", "tools.bench_echo")):
            port = free_port()
            log(f"{name}: starting {module} on {HOST}:{port} (CPU {server_cpu})")
            argv = [sys.executable, "-m", module, "--port", str(port)]
            child = Child(f"the {name} server", argv, server_cpu, tmp / f"{name}.log")
            children.append(child)
            child.wait_ready(f"http://{HOST}:{port}/echo", lambda s: s in (200, 405), 30)
            ports[name] = (child, port)

        def baselines(svc: Child, port: int, store_pids: list[int]) -> None:
            """The rounds: floor, echo and each endpoint alone, in turn, then each endpoint
            at one connection (the first service configuration only)."""
            for r in range(args.rounds):
                one: dict[str, Any] = {}
                for name in ("floor", "echo"):
                    child, bport = ports[name]
                    log(f"round {r + 1}/{args.rounds}: {name}, {args.concurrency} connections")
                    one[name] = run_load("echo", child, bport, args, (server_cpu, load_cpu))
                log(f"round {r + 1}/{args.rounds}: sessions, collect, score, each alone")
                prof = args if r == 0 else argparse.Namespace(**{**vars(args), "profile": None})
                one["split"] = run_load(
                    "split", svc, port, prof, (server_cpu, load_cpu), None, store_pids
                )
                res["rounds"].append(one)
            log("one connection: sessions, collect, score, each alone")
            no_prof = argparse.Namespace(**{**vars(args), "profile": None})
            res["one_connection"] = run_load(
                "split",
                svc,
                port,
                no_prof,
                (server_cpu, load_cpu),
                None,
                store_pids,
                concurrency=1,
            )
            for name in ("floor", "echo"):
                ports[name][0].stop()

        res["rounds"] = []
        for i, workers in enumerate(args.workers):
            run = _service_phase(
                args,
                workers,
                tmp,
                children,
                clusters,
                (server_cpu, load_cpu),
                baselines if i == 0 else None,
            )
            res["services"].append(run)
            if "failed" in run:
                return res
    finally:
        for child in children:
            child.stop()
        for cluster in clusters:
            from tools import redis_cluster as rc

            rc.stop(cluster)
        if args.keep:
            log(f"logs and data kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    res["echo"] = res["rounds"][0]["echo"] if res["rounds"] else None
    res["summary"] = summarize(res["rounds"])
    e = res["echo"]["endpoints"]["echo"] if res["echo"] else {"rps": 0, "p99_ms": None}
    for run in res["services"]:
        f = run["flow"]["endpoints"]["all"]
        run["ratio"] = {
            "throughput": round(f["rps"] / e["rps"], 3) if e["rps"] else None,
            "p99": round(f["p99_ms"] / e["p99_ms"], 3) if e["p99_ms"] and f["p99_ms"] else None,
        }
    return res


def summarize(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per endpoint: its rate in each round and its ratio to that same round's floor and
    echo; likewise by the server's CPU per request (`cpu_x_*`: the baseline's CPU per
    request over the endpoint's, which other processes on the machine distort less than
    rates). The median and the range over the rounds."""
    out: dict[str, Any] = {}
    for key in ("floor", "echo", *SPLIT_ENDPOINTS):
        vals: dict[str, list[float]] = {}
        for one in rounds:
            ph = one["split"] if key in SPLIT_ENDPOINTS else one[key]
            st = ph["endpoints"][key if key in SPLIT_ENDPOINTS else "echo"]
            vals.setdefault("rps", []).append(st["rps"])
            vals.setdefault("cpu_us", []).append(st.get("cpu_us") or float("nan"))
            for base in ("floor", "echo"):
                b = one[base]["endpoints"]["echo"]
                vals.setdefault(f"x_{base}", []).append(_ratio(st["rps"], b["rps"]))
                cpu = _ratio(b.get("cpu_us"), st.get("cpu_us"))
                vals.setdefault(f"cpu_x_{base}", []).append(cpu)
        out[key] = {name: _spread(v) for name, v in vals.items()}
    return out


def _ratio(a: float | None, b: float | None) -> float:
    return a / b if a and b else float("nan")


def _spread(values: list[float]) -> dict[str, float]:
    v = sorted(x for x in values if x == x) or [float("nan")]
    mid = v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
    return {"median": round(mid, 3), "min": round(v[0], 3), "max": round(v[-1], 3)}


def _service_phase(
    args: argparse.Namespace,
    workers: int,
    tmp: Path,
    children: list[Child],
    clusters: list[Any],
    cpus: tuple[int | None, int | None],
    baselines: Callable[[Child, int, list[int]], None] | None = None,
) -> dict[str, Any]:
    """One service configuration: start it (and its Redis Cluster), drive the full flow in
    a closed loop, then the open-loop rates; stop it."""
    server_cpu, load_cpu = cpus
    run: dict[str, Any] = {"store": args.store, "workers": workers}
    port = args.port or free_port()
    label = f"anonscore ({args.store}, {workers} worker{'s' if workers > 1 else ''})"
    log(f"{label}: starting on {HOST}:{port}; a first start compiles the kernels")
    argv = [sys.executable, "-m", "engine.cli", "serve", "--host", HOST, "--port", str(port)]
    argv += ["--data-dir", str(tmp / f"data-{workers}"), "--config-dir", str(REPO / "config")]
    svc_cpu = server_cpu
    store_pids: list[int] = []
    if args.store == "redis":
        from tools import redis_cluster as rc

        cluster = rc.start(tmp / f"redis-{workers}", rc.free_base_port())
        clusters.append(cluster)
        for node in cluster.nodes:  # the servers share the load generator's CPU
            if node.process is not None:
                store_pids.append(node.process.pid)
                if load_cpu is not None:
                    os.sched_setaffinity(node.process.pid, {load_cpu})
        argv += ["--store", cluster.seed, "--workers", str(workers)]
        log(f"{label}: Redis Cluster {cluster.seed} (3 masters on CPU {load_cpu})")
        if workers > 1:
            svc_cpu = None  # N workers: the whole machine
    svc = Child("the service", argv, svc_cpu, tmp / f"anonscore-{workers}.log")
    children.append(svc)
    t0 = time.monotonic()
    try:
        svc.wait_ready(f"http://{HOST}:{port}/readyz", lambda s: s == 200, 90)
    except RuntimeError as exc:
        run["failed"] = str(exc)
        log(f"{label}: {exc}")
        return run
    log(f"{label}: ready after {time.monotonic() - t0:.1f} s")
    if baselines is not None:
        baselines(svc, port, store_pids)
    log(f"{label}: driving the full flow")
    # N workers spread over both CPUs, beside the cluster and the load generator
    cpus = cpus if workers == 1 else (None, None)
    # CPU by stage from one process's counters (with N workers a scrape reaches one of them)
    run["flow"] = run_load("flow", svc, port, args, cpus, None, store_pids, workers == 1)
    peak = run["flow"]["endpoints"]["flow"]["rps"]
    run["open_loop"] = []
    for factor in getattr(args, "factors", []):
        rate = max(1.0, factor * peak)
        log(f"{label}: open loop at {factor:g} x {peak:.0f} = {rate:.0f} flows/s")
        phase = run_load("open", svc, port, args, cpus, rate, store_pids)
        phase["factor"] = factor
        phase["peak"] = peak
        run["open_loop"].append(phase)
    svc.stop()
    for cluster in clusters:
        from tools import redis_cluster as rc

        rc.stop(cluster)
    clusters.clear()
    log(f"{label}: done")
    return run
