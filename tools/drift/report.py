"""The printed report and the JSON document of a run: every figure of issue 7 for the
service's linker with the exact-hash baseline beside it, and the targets."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Any

from .releases import START
from .run import Report

TARGETS = {
    "continuity": ">= 0.995",
    "mean_tracking_days": ">= 150 of 180",
    "false_merge_rate": "<= 0.005",
    "overconfident_lookalike_merges": "0 (confidence >= 0.5)",
    "cross_browser_link_rate": "Cao et al.: 0.9924",
    "false_user_link_rate": "<= 0.01",
}
EVENT_LABELS = {"none": "no change (a new IP only)"}


def _f(x: float | None, width: int = 8, digits: int = 3) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:>{width}.{digits}f}"


def _row(label: str, a: str, b: str, target: str = "") -> str:
    return f"{label:<46} {a:>8} {b:>10}   {target}".rstrip()


def format_report(rep: Report) -> str:
    m, b, s, c = rep.metrics["linker"], rep.metrics["exact_hash"], rep.summary, rep.config
    start = dt.datetime.fromtimestamp(START, dt.UTC).date()
    lines = [
        f"anonscore device-ID drift simulation (seed {c.seed}, {c.days:g} simulated days from "
        f"{start})",
        f"code: {s.get('code', 'unknown')}",
        f"devices: {s['devices']} browser instances and app installs on {s['machines']} "
        f"machines of {s['people']} people; {s['machines_with_two_browsers']} machines run two "
        "browsers",
        "  " + ", ".join(f"{k} {n}" for k, n in s["devices_by_kind"].items()),
        "  classes: "
        + ", ".join(f"{k} {n}" for k, n in s["classes"].items())
        + "  (fleet: one disk image behind one office NAT; iphones: one model, one iOS)",
        f"visits: {s['visits']}; devices by frequency: "
        + ", ".join(f"{k} {n}" for k, n in s["frequencies"].items()),
        f"  {s['travellers']} people spend a week abroad, {s['language_added']} browsers add a "
        "language, blockers: " + ", ".join(f"{k} {n}" for k, n in s["blockers"].items()),
        f"time: build {s['build_s']} s, start-up {s['start_s']} s, run {s['run_s']} s "
        f"({s['ms_per_request']} ms per request), measure {s['measure_s']} s",
        "",
        _row("", "linker", "exact hash", "target"),
    ]

    def pair(path: str, digits: int = 3) -> tuple[str, str]:
        return _f(_get(m, path), 0, digits).strip(), _f(_get(b, path), 0, digits).strip()

    cm, cb = m["continuity"], b["continuity"]
    lines += [
        _row("continuity (a visit keeps the previous id)", *pair("continuity.continuity", 4),
             TARGETS["continuity"]),
        _row(f"  returning visits: {cm['returning_visits']}", str(cm["kept"]), str(cb["kept"])),
        _row("mean tracking days (longest run of one id)", *pair("tracking.mean_tracking_days", 1),
             TARGETS["mean_tracking_days"]),
        _row(f"  a perfect linker: {m['tracking']['ceiling_days']:.1f} days "
             f"(n={m['tracking']['devices']} devices seen twice or more)", "", ""),
        _row("  share tracked over their whole span", *pair("tracking.tracked_whole_span")),
        _row("mean days until the id first changes",
             *pair("tracking.mean_days_to_first_change", 1)),
        _row("false merges among distinguishable devices",
             *pair("merges.by_class.unique.rate", 4), TARGETS["false_merge_rate"]),
        _row("false merges, look-alikes included", *pair("merges.false_merge_rate", 4)),
        _row("  devices merged", str(m["merges"]["merged_devices"]),
             str(b["merges"]["merged_devices"])),
        _row("  of which only with a browser of their machine",
             str(m["merges"]["same_machine_only"]), str(b["merges"]["same_machine_only"])),
    ]  # fmt: skip
    for g, r in m["merges"]["by_class"].items():
        rb = b["merges"]["by_class"].get(g, {})
        label = f"  {g} ({r['devices']}; linker: {r['merged_across_machines']} across machines)"
        lines.append(_row(label, _f(r["rate"], 0).strip(), _f(rb.get("rate"), 0).strip()))
    pairs = ", ".join(f"{k} {n}" for k, n in m["merges"]["merged_pairs_across_machines"].items())
    lines.append(f"  pairs of devices of two machines sharing an id (linker): {pairs or 'none'}")
    lm, lb = m["lookalike_merges"], b["lookalike_merges"]
    lines += [
        _row("over-confident look-alike merges (visits)", str(lm["overconfident"]),
             str(lb["overconfident"]), TARGETS["overconfident_lookalike_merges"]),
        _row(f"  look-alike visits merged (of {lm['visits']})", str(lm["merged_visits"]),
             str(lb["merged_visits"])),
    ]  # fmt: skip
    for g, r in lm["by_class"].items():
        rb = lb["by_class"].get(g, {})
        lines.append(_row(f"  {g}: over-confident / merged", f"{r['overconfident']}/"
                          f"{r['merged_visits']}", f"{rb.get('overconfident')}/"
                          f"{rb.get('merged_visits')}"))  # fmt: skip
    um, ub = m["users"], b["users"]
    lines += [
        _row("cross-browser user-ID link rate", *pair("users.cross_browser_link_rate"),
             TARGETS["cross_browser_link_rate"]),
        _row(f"  browser pairs on one machine: {um['same_machine_pairs']}", str(um["linked_pairs"]),
             str(ub["linked_pairs"])),
        _row("  visits with the other browser's user id", *pair("users.visit_link_rate")),
        _row("false user links (pairs of people)", *pair("users.false_user_link_rate", 4),
             TARGETS["false_user_link_rate"]),
        _row(f"  pairs linked (of {um['people_pairs']})", str(um["false_link_pairs"]),
             str(ub["false_link_pairs"])),
        _row("  people sharing a user id with another", *pair("users.people_linked_to_another")),
        _row("fragmentation: ids per device", *pair("merges.ids_per_device")),
        _row("  devices per id", *pair("merges.devices_per_id")),
        _row("  visits given an id another device owns", *pair("merges.foreign_id_visit_rate")),
        "",
        "continuity by event since the device's previous visit (alone: no other change)",
        f"  {'event':<26} {'n':>5} {'linker':>7} {'exact':>7}   {'alone':>5} {'linker':>7} "
        f"{'exact':>7}",
    ]  # fmt: skip
    for e, r in cm["by_event"].items():
        rb = cb["by_event"][e]
        lines.append(
            f"  {EVENT_LABELS.get(e, e):<26} {r['n']:>5} {_f(r['continuity'], 7)} "
            f"{_f(rb['continuity'], 7)}   {r['n_alone']:>5} {_f(r['continuity_alone'], 7)} "
            f"{_f(rb['continuity_alone'], 7)}"
        )
    lines += ["", "continuity by device class and channel"]
    for key in ("by_class", "by_channel"):
        for k, r in cm[key].items():
            rb = cb[key].get(k, {})
            lines.append(f"  {k:<26} {r['n']:>5} {_f(r['continuity'], 7)} "
                         f"{_f(rb.get('continuity'), 7)}")  # fmt: skip
    rm, rb_ = m["reliability"], b["reliability"]
    lines += [
        "",
        "reliability of device_confidence (visits tied to a known id; correct: the id is the "
        "device's own)",
        f"  {'confidence':<12} {'n':>6} {'mean':>6} {'correct':>8}   {'exact n':>7} {'correct':>8}",
    ]
    for x, y in zip(rm["bins"], rb_["bins"], strict=True):
        lines.append(
            f"  {x['lo']:.1f}-{x['hi']:.1f}      {x['n']:>6} {_f(x['mean_confidence'], 6, 2)} "
            f"{_f(x['correct'], 8)}   {y['n']:>7} {_f(y['correct'], 8)}"
        )
    lines += [
        _row("  Brier score (lower is better)", *pair("reliability.brier", 4)),
        _row("  expected calibration error", *pair("reliability.ece", 4)),
        _row("  links / correct", f"{rm['links']}/{rm['correct_links']}",
             f"{rb_['links']}/{rb_['correct_links']}"),
        _row("  fresh ids / of returning devices", f"{rm['new_ids']}/{rm['new_ids_returning']}",
             f"{rb_['new_ids']}/{rb_['new_ids_returning']}"),
    ]  # fmt: skip
    lines += [
        "",
        "continuity: among visits of a device seen before, the share whose device_id is its "
        "previous visit's.",
        "tracking days (FP-STALKER-style): a device's visits in time order fall into runs of "
        "consecutive visits",
        "  with one device_id; its tracking days are the longest run, first visit to last; the "
        "mean is over devices",
        "  seen twice or more (FP-STALKER's published mean: 54.5 days). False merges: devices "
        "that ever shared an id",
        "  with another device. Look-alikes: fleet, iphones, and devices that show, once up to "
        "date, what another shows.",
    ]
    if s.get("plot"):
        lines.append(f"reliability diagram: {s['plot']}")
    if s.get("pairs"):
        lines.append(f"pairs: {s['pairs']}")
    return "\n".join(lines)


def _get(d: dict[str, Any], path: str) -> Any:
    for key in path.split("."):
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def json_document(rep: Report) -> str:
    """The configuration, the summary, the targets and every figure, as indented JSON."""
    doc = {
        "config": asdict(rep.config),
        "summary": rep.summary,
        "targets": TARGETS,
        "metrics": rep.metrics,
    }
    return json.dumps(doc, indent=2) + "\n"
