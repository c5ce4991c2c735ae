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
        f" + {p['duration_s']:g} s measured per phase; store {p.get('store', 'rocksdb')}",
        "",
        f"{'endpoint':<40}{'requests/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}",
    ]
    phases: list[tuple[str, dict[str, Any], tuple[tuple[str, str], ...]]] = [
        ("echo", res["echo"], ECHO_ROWS)
    ]
    for run in res["services"]:
        if "flow" in run:
            phases.append((_label(run), run["flow"], FLOW_ROWS))
    for name, ph, rows in phases:
        if name != "echo":
            lines.append(name)
        for key, label in rows:
            s = ph["endpoints"][key]
            lines.append(
                f"{label:<40}{s['rps']:>11.1f}{_n(s['p50_ms'], '.2f'):>9}"
                f"{_n(s['p99_ms'], '.2f'):>9}{s['errors']:>8}"
                + ("   (flows/s)" if key == "flow" else "")
            )
    lines.append("")
    for run in res["services"]:
        if "failed" in run:
            lines.append(f"{_label(run)}: not measured: {run['failed']}")
            continue
        r = run["ratio"]
        lines.append(
            f"{_label(run)}: all-requests throughput = {_n(r['throughput'], '.2f')} x echo; "
            f"p99 = {_n(r['p99'], '.2f')} x echo"
        )
    for name, ph, rows in phases:
        other_server, other_load = ph["other_on_server_cpu_pct"], ph["other_on_load_cpu_pct"]
        store = ph.get("store_cpu_pct")
        lines.append(
            f"CPU during {name}: server {ph['server_cpu_pct']:.0f}%, load generator "
            f"{ph['loadgen_cpu_pct']:.0f}%"
            + (f", Redis servers {store:.0f}%" if store is not None else "")
            + f"; other processes {other_server:.0f}% on the server's CPU, {other_load:.0f}% on "
            "the load generator's"
            + (" (both CPUs: the workers are not pinned)" if name.endswith("workers)") else "")
        )
        if other_server > BUSY_PCT[0] or other_load > BUSY_PCT[1]:
            lines.append(
                f"WARNING: other processes competed for the CPUs during {name}; its numbers "
                "are not representative: run again on a quiet machine"
            )
        for key, _ in rows[1:] if rows is ECHO_ROWS else rows[:3]:
            s = ph["endpoints"][key]
            if s["errors_total"]:
                lines.append(
                    f"errors, {name} {key}: {s['errors_total']} in all ({s['errors']} "
                    f"in the measured window); the first: {s['first_error']}"
                )
    for run in res["services"]:
        lines += _stages(run)
        lines += _open_loop(run)
    return "\n".join(lines)


def _label(run: dict[str, Any]) -> str:
    n = run["workers"]
    return f"anonscore ({run['store']}, {n} worker{'s' if n > 1 else ''})"


def _stages(run: dict[str, Any]) -> list[str]:
    st = run.get("flow", {}).get("cpu_by_stage")
    if not st:
        return []
    total = st["process_us"]
    out = [
        "",
        f"{_label(run)}: CPU per flow (session + collect + score) by stage, over "
        f"{st['flows']:,} flows",
        f"{'stage':<44}{'us/flow':>9}{'share':>8}",
    ]
    for row in st["stages"]:
        out.append(
            f"{row['endpoint'] + ': ' + row['stage']:<44}{row['us']:>9.0f}{row['us'] / total:>8.1%}"
        )
    out.append(
        f"{'the rest: HTTP, JSON, store client, event loop':<44}{st['other_us']:>9.0f}"
        f"{st['other_us'] / total:>8.1%}"
    )
    out.append(f"{'the service process in all':<44}{total:>9.0f}{1:>8.1%}")
    if st["store_servers_us"] is not None:
        out.append(f"{'the Redis servers (3 masters)':<44}{st['store_servers_us']:>9.0f}")
    return out


def _open_loop(run: dict[str, Any]) -> list[str]:
    phases = run.get("open_loop") or []
    if not phases:
        return []
    peak = phases[0]["peak"]
    out = [
        "",
        f"{_label(run)}, open loop: flows started at fixed rates (Poisson), as multiples "
        f"of the closed loop's {peak:.0f} flows/s;",
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
