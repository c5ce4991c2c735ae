"""Command line: `python -m tools.independent_world generate --out FILE [options]`, and
`python -m tools.independent_world stats FILE` to count what a written world holds.

Why: the world is used as a black box by whoever validates the device linker; a file of
JSON Lines with the ground truth beside each payload is the whole interface.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from tools.independent_world import _stats
from tools.independent_world._timeline import Rates
from tools.independent_world._world import Options, generate

FORMAT = """\
Output: JSON Lines, one visit per line, sorted by time; each line an object with exactly
these keys:
  t           unix seconds (float)
  tenant      "demo", "demo2" or "demo3" (three lenders; site keys <tenant>_site)
  device      ground-truth device id (one physical machine or phone)
  person      ground-truth person id (a person may own several devices; "farmN" is a farm)
  browser     ground-truth browser-install id on that device ("<device>/b0", "/b1" for a
              second browser, "/app-<tenant>" for a lender's app)
  ip          the client's public IPv4 or IPv6 address (real ranges of named operators)
  headers     HTTP headers the browser or app sends: User-Agent, Accept-Language, and for
              Chromium browsers Sec-CH-UA, Sec-CH-UA-Mobile, Sec-CH-UA-Platform
  channel     "web", "android" or "ios"
  attributes  the collector/SDK payload of POST /v1/collect (engine/schema.py Attributes)
  events      drift since this install's previous visit: fonts_installed, trip_abroad,
              docked_monitor, zoom, os_minor_update, browser_major_update,
              new_ip_every_visit, cookie_clear, browser_switch (empty when none)
  label       "honest" or "fraud"
See tools/independent_world/README.md for the sources, the rates and what the world holds.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.independent_world",
        description="An independent world of devices and their visits to three lenders.",
        epilog=FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser(
        "generate",
        help="write the visits as JSON Lines",
        epilog=FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gen.add_argument("--out", type=Path, required=True, help="file to write ('-': stdout)")
    defaults = Options()
    gen.add_argument(
        "--devices",
        type=int,
        default=defaults.devices,
        help="physical devices, farms' phones included (default %(default)s)",
    )
    gen.add_argument(
        "--days",
        type=float,
        default=defaults.days,
        help="length of the world (default %(default)s)",
    )
    gen.add_argument(
        "--seed", type=int, default=defaults.seed, help="same seed, same file (default %(default)s)"
    )
    gen.add_argument(
        "--start", default="2026-05-04", help="first day, UTC, YYYY-MM-DD (default %(default)s)"
    )
    gen.add_argument(
        "--episodes",
        type=float,
        default=defaults.episodes,
        help="application episodes per honest person, mean (default %(default)s)",
    )
    gen.add_argument(
        "--stackers",
        type=float,
        default=defaults.stackers,
        help="share of persons stacking credit (default %(default)s)",
    )
    gen.add_argument(
        "--returning",
        type=float,
        default=defaults.returning,
        help="share of persons who are returning fraud (default %(default)s)",
    )
    gen.add_argument(
        "--farms", type=int, default=defaults.farms, help="device farms (default %(default)s)"
    )
    gen.add_argument(
        "--farm-phones",
        type=int,
        default=defaults.farm_phones,
        help="phones per farm, mean (default %(default)s)",
    )
    gen.add_argument(
        "--office-share",
        type=float,
        default=defaults.office_share,
        help="share of persons with an office desktop (default %(default)s)",
    )
    for f in fields(Rates):
        gen.add_argument(
            f"--rate-{f.name.replace('_', '-')}",
            type=float,
            default=f.default,
            dest=f"rate_{f.name}",
            help=f"{f.metadata['help']} (default %(default)s)",
        )
    stats = sub.add_parser("stats", help="count what a written world holds (JSON)")
    stats.add_argument("file", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "stats":
        return _stats.main(args.file)
    start = datetime.strptime(args.start, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    rates = Rates(**{f.name: getattr(args, f"rate_{f.name}") for f in fields(Rates)})
    opts = Options(
        devices=args.devices,
        days=args.days,
        seed=args.seed,
        start=start,
        episodes=args.episodes,
        stackers=args.stackers,
        returning=args.returning,
        farms=args.farms,
        farm_phones=args.farm_phones,
        office_share=args.office_share,
        rates=rates,
    )
    began = time.perf_counter()
    encoder = msgspec.json.Encoder()
    out = sys.stdout.buffer if str(args.out) == "-" else args.out.open("wb")
    count = 0
    try:
        for visit in generate(opts):
            out.write(encoder.encode(visit) + b"\n")
            count += 1
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    print(f"{count} visits written in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
