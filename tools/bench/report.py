"""The printed table: requests/s and latency per endpoint, the ratios to the echo, the
CPU line and the warnings."""

from __future__ import annotations

from typing import Any

from .loadgen import ECHO_ROWS, FLOW_ROWS

SPLIT_ROWS = (
    ("sessions", "           POST /v1/sessions"),
    ("collect", "           POST /v1/collect"),
    ("score", "           POST /v1/score"),
)

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
    phases: list[tuple[str, dict[str, Any], tuple[tuple[str, str], ...]]] = []
    for i, one in enumerate(res.get("rounds") or []):
        tag = f" (round {i + 1})" if len(res["rounds"]) > 1 else ""
        phases.append((f"floor{tag}", one["floor"], ECHO_ROWS))
        phases.append((f"echo{tag}", one["echo"], ECHO_ROWS))
        phases.append((f"each endpoint alone{tag}", one["split"], SPLIT_ROWS))
    if res.get("one_connection"):
        phases.append(("each endpoint alone, one connection", res["one_connection"], SPLIT_ROWS))
    for run in res["services"]:
        if "flow" in run:
            phases.append((_label(run), run["flow"], FLOW_ROWS))
    for name, ph, rows in phases:
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
            if key not in ph["endpoints"]:
                continue
            s = ph["endpoints"][key]
            if s["errors_total"]:
                lines.append(
                    f"errors, {name} {key}: {s['errors_total']} in all ({s['errors']} "
                    f"in the measured window); the first: {s['first_error']}"
                )
    for run in res["services"]:
        lines += _stages(run)
        lines += _open_loop(run)
    lines += summary(res)
    return "\n".join(lines)


# the issue's targets (issue 19): endpoint -> (baseline, ratio at least)
TARGETS = {"sessions": ("floor", 0.4), "collect": ("echo", 3.0), "score": ("echo", 2.0)}
P99_32_MS, SCORE_P99_1_MS = 25.0, 2.0
SUMMARY_ROWS = (
    ("floor", "floor: Trio + httptools, fixed answer"),
    ("echo", "echo: Quart-Trio on Hypercorn"),
    ("sessions", "POST /v1/sessions"),
    ("collect", "POST /v1/collect"),
    ("score", "POST /v1/score"),
)


def _spread(s: dict[str, float], spec: str) -> str:
    if s["min"] == s["max"]:
        return format(s["median"], spec)
    return f"{s['median']:{spec}} ({s['min']:{spec}}-{s['max']:{spec}})"


def summary(res: dict[str, Any]) -> list[str]:
    """The table to read first: each endpoint alone, its rate as shares of the floor and the
    echo measured in the same round (median and range over the rounds), its latency at 32
    connections (first round) and at one, and the issue's targets."""
    sm, rounds = res.get("summary"), res.get("rounds") or []
    if not sm or not rounds:
        return []
    n, one = len(rounds), (res.get("one_connection") or {}).get("endpoints", {})
    conc = res["params"]["concurrency"]
    out = [
        "",
        f"SUMMARY: each alone, {conc} connections, median (min-max) of {n} round"
        f"{'s' if n > 1 else ''}; ratios within each round",
        f"{'':<40}{'requests/s':>21}{'x floor':>21}{'x echo':>21}"
        f"{'p50/p99 ms':>13}{'1 conn p50/p99':>16}",
    ]
    cpu_rows: list[str] = []
    for key, label in SUMMARY_ROWS:
        row = sm[key]
        first = rounds[0]["split"] if key in TARGETS else rounds[0][key]
        st = first["endpoints"][key if key in TARGETS else "echo"]
        lat = f"{_n(st['p50_ms'], '.1f')}/{_n(st['p99_ms'], '.1f')}"
        o = one.get(key)
        lat1 = f"{_n(o['p50_ms'], '.2f')}/{_n(o['p99_ms'], '.2f')}" if o else "-"
        out.append(
            f"{label:<40}{_spread(row['rps'], '.0f'):>21}{_spread(row['x_floor'], '.2f'):>21}"
            f"{_spread(row['x_echo'], '.2f'):>21}{lat:>13}{lat1:>16}"
        )
        cpu_rows.append(
            f"{label:<40}{_spread(row['cpu_us'], '.0f'):>21}"
            f"{_spread(row['cpu_x_floor'], '.2f'):>21}{_spread(row['cpu_x_echo'], '.2f'):>21}"
        )
    out += [
        "",
        "the same by the server's CPU per request (what other processes distort less): "
        "the baseline's CPU per request over the endpoint's",
        f"{'':<40}{'CPU us/request':>21}{'x floor':>21}{'x echo':>21}",
        *cpu_rows,
    ]
    out.append("targets (issue 19), medians; rate ratio, then CPU ratio:")
    for key, (base, at_least) in TARGETS.items():
        got, cpu = sm[key][f"x_{base}"]["median"], sm[key][f"cpu_x_{base}"]["median"]
        out.append(
            f"  {key} >= {at_least:g}x the {base}: {got:.2f} {_ok(got >= at_least)}; "
            f"by CPU {cpu:.2f} {_ok(cpu >= at_least)}"
        )
    for key in ("collect", "score"):
        p99 = rounds[0]["split"]["endpoints"][key]["p99_ms"]
        out.append(
            f"  {key} p99 at {conc} connections <= {P99_32_MS:g} ms: {_n(p99, '.1f')}  "
            f"{_ok(p99 is not None and p99 <= P99_32_MS)}"
        )
    p99 = one.get("score", {}).get("p99_ms")
    out.append(
        f"  score p99 at one connection <= {SCORE_P99_1_MS:g} ms: {_n(p99, '.2f')}  "
        f"{_ok(p99 is not None and p99 <= SCORE_P99_1_MS)}"
    )
    ran_out = [
        k for one_r in rounds for k, v in one_r["split"]["endpoints"].items() if v.get("ran_out")
    ]
    if ran_out:
        out.append(
            f"note: the score phase ran out of collected sessions in {len(ran_out)} "
            "round(s); its rate is over the time it ran"
        )
    return out


def _ok(yes: bool) -> str:
    return "met" if yes else "NOT MET"


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
