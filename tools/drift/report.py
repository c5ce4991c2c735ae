"""The printed table and the JSON document of a run."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from .run import Config, Report


def _f(x: float | None, width: int = 7) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:>{width}.3f}"


def format_report(rep: Report) -> str:
    m, s, c = rep.metrics, rep.summary, rep.config
    kinds = ", ".join(f"{k} {n}" for k, n in s["devices_by_kind"].items())
    lines = [
        f"anonscore device-ID drift simulation (seed {c.seed}, {c.days:g} simulated days)",
        f"code: {s.get('code', 'unknown')}",
        f"devices: {m['devices']} ({kinds})",
        f"         {s['twin_devices']} in {s['twin_groups']} twin groups, "
        f"{s['lookalike_devices']} look-alikes (identical to another device, not twins)",
        f"sessions: {m['sessions']} ({c.sessions_per_device} per device), start-up "
        f"{s['start_s']} s, run {s['run_s']} s, {s['ms_per_request']} ms per request",
        "",
        f"returning-session link rate (recall)   {_f(m['recall'])}   "
        f"({m['linked_sessions']}/{m['returning_sessions']})",
    ]
    for ch, r in m["recall_by_channel"].items():
        lines.append(f"  {ch:<36} {_f(r['recall'])}   (n={r['n']})")
    lines += [
        f"false merge rate (sessions)            {_f(m['false_merge_rate'])}   "
        f"({m['false_merge_sessions']}/{m['sessions']})",
        f"true devices merged into another's id  {m['merged_devices']:>7}   of {m['devices']}",
        f"device ids per true device (mean)      {_f(m['ids_per_device'])}   (1.0 is perfect)",
        f"true devices per device id (mean)      {_f(m['devices_per_id'])}   "
        f"({m['device_ids']} ids)",
        "",
        "recall by drift event since the device's previous session",
        f"  {'event':<22} {'n':>6} {'recall':>7}   {'n alone':>7} {'recall':>7}",
    ]
    for e, r in m["recall_by_event"].items():
        lines.append(
            f"  {e:<22} {r['n']:>6} {_f(r['recall'])}   {r['n_alone']:>7} {_f(r['recall_alone'])}"
        )
    lines += [
        "",
        "false merges by device class",
        f"  {'class':<10} {'devices':>7} {'sessions':>8} {'false':>6} {'rate':>7} {'merged':>7}",
    ]
    for cls, r in m["false_merges_by_class"].items():
        lines.append(
            f"  {cls:<10} {r['devices']:>7} {r['sessions']:>8} {r['false_merge_sessions']:>6} "
            f"{_f(r['false_merge_rate'])} {r['merged_devices']:>7}"
        )
    lines += ["", "mean device_confidence by outcome"]
    for k, r in m["confidence"].items():
        lines.append(f"  {k:<16} {_f(r['mean'])}   (n={r['n']})")
    return "\n".join(lines)


def json_document(rep: Report) -> str:
    """The configuration, the summary and the metrics of a run, as indented JSON."""
    doc = {"config": _asdict(rep.config), "summary": rep.summary, "metrics": rep.metrics}
    return json.dumps(doc, indent=2) + "\n"


def _asdict(cfg: Config) -> dict[str, Any]:
    out = {f.name: getattr(cfg, f.name) for f in fields(cfg)}
    out["rates"] = {f.name: getattr(cfg.rates, f.name) for f in fields(cfg.rates)}
    return out
