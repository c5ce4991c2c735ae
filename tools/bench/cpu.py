"""Pinning a process to one CPU, and CPU time from /proc: a process's, and one CPU's."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def pin_to(cpu: int | None) -> Callable[[], None] | None:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live descendants (`--workers N`: the parent and its
    workers). A worker that exited meanwhile is not counted."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        cpu = proc_cpu(p)
        total += 0.0 if cpu != cpu else cpu  # nan: gone
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            kids = []
        todo += [int(k) for k in kids]
    return total


def cpu_busy(cpu: int | None) -> float:
    """CPU seconds used on one CPU (all CPUs for None), from /proc/stat: user, nice, system,
    irq, softirq, steal."""
    name = "cpu" if cpu is None else f"cpu{cpu}"
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return float("nan")
    for line in lines:
        label, *rest = line.split()
        if label == name:
            fields = [int(x) for x in rest]
            return (sum(fields[:3]) + sum(fields[5:8])) / os.sysconf("SC_CLK_TCK")
    return float("nan")


async def cpu_window(pid: int | None, start_ns: int, end_ns: int, out: dict[str, float]) -> None:
    """CPU seconds `pid` (and its workers) used between two `perf_counter_ns` instants, into
    `out["server_cpu_s"]`: a server's cost per request that a busy machine distorts far
    less than its rate (a task in the load generator's nursery; it returns at `end_ns`)."""
    import time

    import trio

    if pid is None:
        return
    await trio.sleep(max(0.0, (start_ns - time.perf_counter_ns()) / 1e9))
    c0 = tree_cpu(pid)
    await trio.sleep(max(0.0, (end_ns - time.perf_counter_ns()) / 1e9))
    out["server_cpu_s"] = tree_cpu(pid) - c0
