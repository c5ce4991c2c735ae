"""The device registry at scale, measured by hand (a million devices take some minutes):

    python -m tools.scale [--devices 1000000] [--probes 2000] [--data-dir DIR] [--keep]
                          [--json FILE]
    python -m tools.scale --probe-only --data-dir DIR     # time the probes again

Fills a fresh store (on disk: a temporary directory unless --data-dir) with synthetic
device profiles through the registry's own writes, then times device links of returning
and new devices and measures the store. Prints a Markdown table (docs/performance.md's). Progress
goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import trio

from .run import machine, run


def table(f: dict[str, Any]) -> str:
    r, n, w = f["link_returning_ms"], f["link_new_ms"], f["record_and_write_ms"]
    rows = [
        ("devices in the store", f"{f['devices']:,}"),
        ("fill (profiles written a second)", f"{f['fill_s']} s ({f['fill_per_s']:,}/s)"),
        ("link a returning device, p50 / p99", f"{r['p50']} / {r['p99']} ms"),
        (
            "  the same, CPU time of the thread, p50 / p99",
            f"{f['link_returning_cpu_ms']['p50']} / {f['link_returning_cpu_ms']['p99']} ms",
        ),
        ("link a new device, p50 / p99", f"{n['p50']} / {n['p99']} ms"),
        ("record the link (writes), p50 / p99", f"{w['p50']} / {w['p99']} ms"),
        (
            "returning devices linked to a known profile / to their own",
            f"{f['returning_linked_known']} / {f['returning_linked_back']}",
        ),
        ("bytes per device on disk (after a flush)", f"{f['disk_bytes_per_device']:,}"),
        (
            "bytes per device, device records (keys + values)",
            f"{f['record_bytes_per_device']:,}",
        ),
        ("RSS after the run / peak", f"{f['rss_mb']:,} / {f['peak_rss_mb']:,} MB"),
    ]
    out = ["| measure | value |", "|---|---|"]
    out += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.scale", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--devices", type=int, default=1_000_000)
    p.add_argument("--probes", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", type=Path, help="a fresh directory (default: a temporary one)")
    p.add_argument("--keep", action="store_true", help="keep the filled store")
    p.add_argument("--probe-only", action="store_true",
                   help="time the probes again on a store filled before (--data-dir)")  # fmt: skip
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    if args.devices < 1 or args.probes < 1:
        p.error("--devices and --probes must be >= 1")
    if args.probe_only:
        if args.data_dir is None or not (args.data_dir / "scale-sample.json").exists():
            p.error("--probe-only needs --data-dir of a store tools.scale filled (with --keep)")
    elif args.data_dir is not None and args.data_dir.exists() and any(args.data_dir.iterdir()):
        p.error("--data-dir must be a new or empty directory")
    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.mkdtemp(prefix="anonscore-scale-")
        data_dir = Path(tmp)

    def progress(done: int, total: int) -> None:
        print(f"[scale] {done:,}/{total:,} devices", file=sys.stderr)

    try:
        job = partial(run, data_dir, args.devices, args.probes, args.seed, progress,
                      probe_only=args.probe_only)  # fmt: skip
        result = trio.run(job)
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    figures = {**result.figures(), "machine": machine()}
    print(f"anonscore device registry at scale ({figures['machine']})")
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0
