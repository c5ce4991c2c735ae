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
from pathlib import Path
from typing import Any

from .client import HOST
from .cpu import cpu_busy, pin_to, proc_cpu
from .servers import REPO, Child, free_port


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_load(
    mode: str,
    server: Child,
    port: int,
    args: argparse.Namespace,
    cpus: tuple[int | None, ...],
    rate: float | None = None,
) -> dict[str, Any]:
    """Run the load generator process against `server`; add the CPU time each side used and
    what other processes took from the server's and the load generator's CPUs meanwhile."""
    server_cpu, load_cpu = cpus
    argv = [sys.executable, "-m", "tools.bench", "--loadgen", mode, "--target-port", str(port)]
    argv += ["--concurrency", str(args.concurrency), "--warmup", str(args.warmup)]
    argv += ["--duration", str(args.duration)]
    if rate is not None:
        argv += ["--rate", str(rate)]
    spy = _start_profiler(args, server.proc.pid) if mode == "flow" else None
    busy0 = [cpu_busy(c) for c in cpus]
    server0, t0 = proc_cpu(server.proc.pid), time.monotonic()
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    pin, limit = pin_to(load_cpu), args.warmup + args.duration + 120
    done = subprocess.run(argv, cwd=REPO, stdout=subprocess.PIPE, preexec_fn=pin, timeout=limit)
    wall = time.monotonic() - t0
    server_s = proc_cpu(server.proc.pid) - server0
    busy = [cpu_busy(c) - b for c, b in zip(cpus, busy0, strict=True)]
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_s = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
    if spy is not None:
        if spy.wait(60) == 0:
            log(f"profile written to {args.profile}")
        else:
            log(f"py-spy failed (exit status {spy.returncode}); no profile")
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed (exit status {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout)
    result["server_cpu_pct"] = round(100 * server_s / wall, 1)
    if server_cpu is None:  # not pinned: all CPUs together
        other = (busy[0] - server_s - load_s, busy[0] - server_s - load_s)
    else:
        other = (busy[0] - server_s, busy[1] - load_s)
    result["other_on_server_cpu_pct"] = round(max(0.0, 100 * other[0] / wall), 1)
    result["other_on_load_cpu_pct"] = round(max(0.0, 100 * other[1] / wall), 1)
    return result


def _start_profiler(args: argparse.Namespace, pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy on the service over the measured window (it waits out the warm-up first)."""
    if not args.profile:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise RuntimeError("--profile needs py-spy; install it: pip install py-spy")
    argv = [spy, "record", "--pid", str(pid), "--duration", str(max(1, round(args.duration)))]
    argv += ["--rate", "200", "--format", "raw", "-o", str(args.profile)]
    script = f'sleep {args.warmup + 0.5}; exec "$@" >/dev/null'
    return subprocess.Popen(["sh", "-c", script, "py-spy", *argv])


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
    }
    tmp = Path(tempfile.mkdtemp(prefix="anonscore-bench-"))
    children: list[Child] = []
    clusters: list[Any] = []
    try:
        port = args.port or free_port()
        log(f"echo: starting tools/bench_echo.py on {HOST}:{port} (CPU {server_cpu})")
        argv = [sys.executable, "-m", "tools.bench_echo", "--port", str(port)]
        echo = Child("the echo server", argv, server_cpu, tmp / "echo.log")
        children.append(echo)
        echo.wait_ready(f"http://{HOST}:{port}/echo", lambda s: s in (200, 405), 30)
        log(
            f"echo: {args.concurrency} connections, {args.warmup:g} s warm-up + "
            f"{args.duration:g} s measured (load on CPU {load_cpu})"
        )
        res["echo"] = run_load("echo", echo, port, args, (server_cpu, load_cpu))
        echo.stop()
        log("echo: done")

        port = args.port or free_port()
        log(
            f"anonscore: starting the service on {HOST}:{port} (CPU {server_cpu}); a first "
            "start compiles the kernels"
        )
        argv = [sys.executable, "-m", "engine.cli", "serve", "--host", HOST, "--port", str(port)]
        argv += ["--data-dir", str(tmp / "data"), "--config-dir", str(REPO / "config")]
        svc_cpu = server_cpu
        if args.store == "redis":
            from tools import redis_cluster as rc

            cluster = rc.start(tmp / "redis", rc.free_base_port())
            clusters.append(cluster)
            for node in cluster.nodes:  # the servers share the load generator's CPU
                if node.process is not None and load_cpu is not None:
                    os.sched_setaffinity(node.process.pid, {load_cpu})
            argv += ["--store", cluster.seed, "--workers", str(args.workers)]
            log(f"anonscore: Redis Cluster {cluster.seed} (3 masters on CPU {load_cpu})")
            if args.workers > 1:
                svc_cpu = None  # N workers: the whole machine
        svc = Child("the service", argv, svc_cpu, tmp / "anonscore.log")
        children.append(svc)
        t0 = time.monotonic()
        try:
            svc.wait_ready(f"http://{HOST}:{port}/readyz", lambda s: s == 200, 90)
        except RuntimeError as exc:
            res["anonscore_failed"] = str(exc)
            log(f"anonscore: {exc}")
            return res
        log(f"anonscore: ready after {time.monotonic() - t0:.1f} s; driving the full flow")
        res["anonscore"] = run_load("flow", svc, port, args, (server_cpu, load_cpu))
        peak = res["anonscore"]["endpoints"]["flow"]["rps"]
        res["open_loop"] = []
        for factor in getattr(args, "factors", []):
            rate = max(1.0, factor * peak)
            log(f"anonscore: open loop at {factor:g} x {peak:.0f} = {rate:.0f} flows/s")
            phase = run_load("open", svc, port, args, (server_cpu, load_cpu), rate)
            phase["factor"] = factor
            phase["peak"] = peak
            res["open_loop"].append(phase)
        svc.stop()
        log("anonscore: done")
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
    e, f = res["echo"]["endpoints"]["echo"], res["anonscore"]["endpoints"]["all"]
    res["ratio"] = {
        "throughput": round(f["rps"] / e["rps"], 3) if e["rps"] else None,
        "p99": round(f["p99_ms"] / e["p99_ms"], 3) if e["p99_ms"] and f["p99_ms"] else None,
    }
    return res
