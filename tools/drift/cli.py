"""Device-ID accuracy on six months of simulated drift with known truth, through the public API.

    python -m tools.drift [--days 180] [--devices 300] [--seed 7] [--fleet 20] [--iphones 20]
                          [--json FILE] [--plot FILE | --no-plot]
                          [--export-pairs FILE [--export-only]]

1. A population drawn from the seed: people with one or two machines (Windows, macOS and Linux
   desktops and laptops, Android phones, iPhones, iPads; Android and iOS app installs), one or
   two browsers per computer, each device visiting weekly, fortnightly, monthly or only a few
   times; and two look-alike groups: a fleet of laptops from one disk image behind one
   office NAT, and identical iPhones (one model, one iOS) each on its own home network.
2. A calendar of real 2024 releases from 3 June: Chrome, Edge and Firefox majors every four
   weeks (a third change the canvas, an eighth the audio, for everyone on that major, on
   that date), Safari and iOS 18 in mid-September, Android 15 and monthly patches, app
   updates every two weeks; each device installs them after its own lag. Over time: GPU
   drivers (a new canvas, the same renderer string), fonts installed, a week abroad, a
   language added; per visit: a docked laptop, zoom, a private window, a blocked canvas or
   audio probe, and a new IP address (home broadband, a carrier NAT, an office NAT).
3. The real service runs in-process (fresh data directory, the repository's config/, the demo
   tenant); every visit goes POST /v1/sessions -> /v1/collect -> /v1/score on the simulated
   clock, and the answers are compared with the truth, beside an exact hash of the stable
   attributes computed here from the same payloads.

Figures (definitions in `metrics`, `users`, `calibration`): continuity, mean tracking days
(FP-STALKER's published mean is 54.5 days), false merges per device class, over-confident
look-alike merges, the cross-browser user-ID link rate and false user links, continuity per
event, and the reliability of device_confidence (table, Brier score, PNG diagram). Progress
goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import trio

from .calibration import plot
from .pairs import export_pairs
from .report import format_report, json_document
from .run import REPO, Config, build, code_version, simulate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.drift",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d = Config()
    p.add_argument("--devices", type=int, default=d.devices, help="browsers and app installs")
    p.add_argument("--days", type=float, default=d.days)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--fleet", type=int, default=d.fleet, help="laptops of one disk image")
    p.add_argument("--iphones", type=int, default=d.iphones, help="identical iPhones")
    p.add_argument("--sdk-fraction", type=float, default=d.sdk_fraction)
    p.add_argument(
        "--world",
        choices=("real", "catalogue"),
        default=d.world,
        help="machines from real traffic (browserforge) or the hand-written catalogue",
    )
    p.add_argument("--json", type=Path, help="also write every figure here")
    p.add_argument("--plot", type=Path, help="the reliability diagram (PNG); default: "
                   "runs/drift/reliability-seed<SEED>.png")  # fmt: skip
    p.add_argument("--no-plot", action="store_true")
    p.add_argument("--export-pairs", type=Path, help="write pairs of visits with the truth "
                   "(JSONL) for fitting a linker")  # fmt: skip
    p.add_argument("--export-only", action="store_true", help="export the pairs, run nothing")
    args = p.parse_args(argv)
    if args.devices < 1 or args.days <= 0:
        p.error("--devices must be >= 1 and --days > 0")
    if args.fleet < 0 or args.iphones < 0 or args.fleet + args.iphones > args.devices:
        p.error("--fleet and --iphones must be >= 0 and add up to at most --devices")
    if not 0 <= args.sdk_fraction <= 1:
        p.error("--sdk-fraction must be between 0 and 1")
    if args.export_only and not args.export_pairs:
        p.error("--export-only needs --export-pairs FILE")
    cfg = Config(
        args.devices,
        args.days,
        args.seed,
        args.fleet,
        args.iphones,
        args.sdk_fraction,
        world=args.world,
    )
    world = build(cfg)
    if args.export_pairs:
        counts = export_pairs(args.export_pairs, world.visits, world.classes, world.looks,
                              cfg.seed)  # fmt: skip
        written = ", ".join(f"{k} {n}" for k, n in counts.items())
        print(f"[drift] pairs written to {args.export_pairs}: {written}", file=sys.stderr)
        if args.export_only:
            return 0

    def progress(done: int, total: int) -> None:
        print(f"[drift] {done}/{total} visits ({100 * done // total}%)", file=sys.stderr)

    rep = trio.run(partial(simulate, cfg, world=world, progress=progress))
    rep.summary["code"] = code_version()
    if not args.no_plot:
        path = args.plot or REPO / "runs" / "drift" / f"reliability-seed{cfg.seed}.png"
        tables = {name: m["reliability"] for name, m in rep.metrics.items()}
        plot(tables, path, f"device_confidence, seed {cfg.seed}, {cfg.days:g} days")
        rep.summary["plot"] = str(path)
    if args.export_pairs:
        rep.summary["pairs"] = str(args.export_pairs)
    print(format_report(rep))
    if args.json:
        args.json.write_text(json_document(rep))
    return 0
