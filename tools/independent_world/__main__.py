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


# Options of the population: (Options field, type, help); the default is Options'.
_POPULATION = (
    ("devices", int, "physical devices, farms' phones counted in"),
    ("days", float, "length of the world"),
    ("seed", int, "same seed, same file"),
    ("episodes", float, "application episodes per honest person, mean"),
    ("stackers", float, "share of persons stacking credit"),
    ("returning", float, "share of persons who are returning fraud"),
    ("farms", int, "device farms"),
    ("farm_phones", int, "phones per farm, mean"),
    ("office_share", float, "share of persons with an office desktop"),
)


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
    gen.add_argument(
        "--start", default="2026-05-04", help="first day, UTC, YYYY-MM-DD (default %(default)s)"
    )
    defaults = Options()
    for name, kind, text in _POPULATION:
        gen.add_argument(
            f"--{name.replace('_', '-')}",
            type=kind,
            default=getattr(defaults, name),
            help=f"{text} (default %(default)s)",
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


def _check(args: argparse.Namespace) -> str | None:
    """The first option out of range, said as the rule and the fix."""
    try:
        datetime.strptime(args.start, "%Y-%m-%d")
    except ValueError:
        return "--start must be a day as YYYY-MM-DD, e.g. 2026-05-04"
    if str(args.out) != "-" and not args.out.parent.is_dir():
        return "--out must be in an existing folder (create it first)"
    if args.devices < 1:
        return "--devices must be at least 1"
    if args.days < 7:
        return "--days must be at least 7 (an application episode spans days)"
    if args.farms < 0 or args.farm_phones < 2:
        return "--farms must be >= 0 and --farm-phones >= 2"
    for name in ("stackers", "returning", "office_share"):
        if not 0 <= getattr(args, name) <= 1:
            return f"--{name.replace('_', '-')} is a share: give a number from 0 to 1"
    for f in fields(Rates):
        value = getattr(args, f"rate_{f.name}")
        if value < 0 or (f.name.endswith("_share") and value > 1):
            return f"--rate-{f.name.replace('_', '-')} must be >= 0 (a share at most 1)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "stats":
        return _stats.main(args.file)
    problem = _check(args)
    if problem:
        parser.error(problem)
    start = datetime.strptime(args.start, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
    rates = Rates(**{f.name: getattr(args, f"rate_{f.name}") for f in fields(Rates)})
    opts = Options(
        start=start, rates=rates, **{name: getattr(args, name) for name, _, _ in _POPULATION}
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
