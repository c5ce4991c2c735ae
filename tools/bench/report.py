"""The printed table: requests/s and latency per endpoint, the ratios to the echo, the
CPU line and the warnings."""

from __future__ import annotations

from typing import Any

from .loadgen import ECHO_ROWS, FLOW_ROWS

# other processes' share (%) of the server's / the load generator's CPU above which a run is
# flagged: on this 2-vCPU VM, 60% on the load CPU cost the echo ~15% of its throughput
BUSY_PCT = (10, 25)


def _n(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def report(res: dict[str, Any]) -> str:
    m, p = res["machine"], res["params"]
    pin = (
        f"server on CPU {m['server_cpu']}, load on CPU {m['load_cpu']}"
        if m["server_cpu"] is not None
        else "server and load on one CPU"
    )
    lines = [
        f"machine: nproc {m['nproc']} ({pin}), Python {m['python']}, {m['platform']}",
        f"parameters: {p['concurrency']} connections, {p['warmup_s']:g} s warm-up (discarded)"
        f" + {p['duration_s']:g} s measured per phase; store {p.get('store', 'rocksdb')}, "
        f"{p.get('workers', 1)} worker(s)",
        "",
        f"{'endpoint':<40}{'requests/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}",
    ]
    phases = [("echo", ECHO_ROWS)] + ([("anonscore", FLOW_ROWS)] if "anonscore" in res else [])
    for phase, rows in phases:
        for key, label in rows:
            s = res[phase]["endpoints"][key]
            lines.append(
                f"{label:<40}{s['rps']:>11.1f}{_n(s['p50_ms'], '.2f'):>9}"
                f"{_n(s['p99_ms'], '.2f'):>9}{s['errors']:>8}"
                + ("   (flows/s)" if key == "flow" else "")
            )
    lines.append("")
    if "anonscore" in res:
        r = res["ratio"]
        lines.append(
            f"anonscore all-requests throughput = {_n(r['throughput'], '.2f')} x echo; "
            f"p99 = {_n(r['p99'], '.2f')} x echo"
        )
    else:
        lines.append(f"anonscore: not measured: {res.get('anonscore_failed', 'not run')}")
    for phase, _ in phases:
        ph = res[phase]
        other_server, other_load = ph["other_on_server_cpu_pct"], ph["other_on_load_cpu_pct"]
        lines.append(
            f"CPU during {phase}: server {ph['server_cpu_pct']:.0f}%, load generator "
            f"{ph['loadgen_cpu_pct']:.0f}%; other processes {other_server:.0f}% on the server's "
            f"CPU, {other_load:.0f}% on the load generator's"
        )
        if other_server > BUSY_PCT[0] or other_load > BUSY_PCT[1]:
            lines.append(
                f"WARNING: other processes competed for the CPUs during {phase}; its numbers "
                "are not representative: run again on a quiet machine"
            )
        for key, _ in ECHO_ROWS[1:] if phase == "echo" else FLOW_ROWS[:3]:
            s = ph["endpoints"][key]
            if s["errors_total"]:
                lines.append(
                    f"errors, {phase} {key}: {s['errors_total']} in all ({s['errors']} "
                    f"in the measured window); the first: {s['first_error']}"
                )
    lines += _open_loop(res)
    return "\n".join(lines)


def _open_loop(res: dict[str, Any]) -> list[str]:
    phases = res.get("open_loop") or []
    if not phases:
        return []
    peak = phases[0]["peak"]
    out = [
        "",
        f"open loop: flows started at fixed rates (Poisson), as multiples of the closed "
        f"loop's {peak:.0f} flows/s;",
        "latencies are of every answer in the window, 503s included",
        f"{'load':<7}{'offered/s':>10}{'done/s':>9}{'of peak':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}  statuses",
    ]
    for ph in phases:
        share = ph["completed_per_s"] / peak if peak else 0.0
        statuses = ", ".join(f"{k}: {v}" for k, v in ph["statuses"].items())
        out.append(
            f"{ph['factor']:<7g}{ph['rate']:>10.0f}{ph['completed_per_s']:>9.0f}{share:>9.2f}"
            f"{_n(ph['p50_ms'], '.1f'):>9}{_n(ph['p99_ms'], '.1f'):>9}{_n(ph['max_ms'], '.0f'):>9}"
            f"  {statuses}"
        )
        if ph["not_sent"]:
            out.append(
                f"        the load generator had {ph['max_open_flows']} flows open and "
                f"skipped {ph['not_sent']} arrivals"
            )
    return out
