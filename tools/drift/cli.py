"""Device-ID accuracy on a drift simulation with known truth, measured through the public API.

    python -m tools.drift [--devices 300] [--sessions-per-device 6] [--seed 7] [--days 30]
                          [--twin-fraction 0.2] [--sdk-fraction 0.2] [--json out.json]

1. Generates synthetic devices from a seeded `random.Random`: Windows, macOS and Linux
   desktops and laptops, Android phones, iPhones and iPads on the web, and Android and iOS
   app installs (SDK). Attributes are coherent: real user-agent templates, real screen sizes
   and WebGL renderer strings per model; canvas, audio and font hashes are functions of what
   renders them (GPU, OS, driver and browser rendering generation; OS and CPU; the font set),
   so devices that share a stack share the hashes. A fraction of the devices are twins: a
   company's identical laptops or phones, one OS image, one office IP.
2. Between two sessions of a device, drift events happen with per-session probabilities
   (`Rates`): browser and OS updates, a font installed, an external monitor, zoom, travel,
   a language added, a GPU driver update, a private window, an app update or reinstall, an
   IP change. SDK battery and free storage change every session (noise, not an event).
3. Starts the real service in-process (fresh data directory, the repository's config/),
   drives every session in time order over `--days` simulated days (the service clock is
   set to the simulated time): POST /v1/sessions -> /v1/collect -> /v1/score as the demo
   tenant, and compares the returned device_id with the truth.

Metrics (`compute_metrics`): the returning-session link rate (recall), the false merge rate,
ID fragmentation and purity, recall per drift event, false merges of twins, look-alikes and
unique devices, and the mean device_confidence per outcome. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import trio

from .report import format_report, json_document
from .run import Config, code_version, simulate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.drift",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--devices", type=int, default=300)
    p.add_argument("--sessions-per-device", type=int, default=6)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--days", type=float, default=30.0)
    p.add_argument("--twin-fraction", type=float, default=0.2)
    p.add_argument("--sdk-fraction", type=float, default=0.2)
    p.add_argument("--json", type=Path, help="also write the metrics here")
    args = p.parse_args(argv)
    if args.devices < 1 or args.sessions_per_device < 1:
        p.error("--devices and --sessions-per-device must be >= 1")
    if not 0 <= args.twin_fraction <= 1 or not 0 <= args.sdk_fraction <= 1:
        p.error("--twin-fraction and --sdk-fraction must be between 0 and 1")
    cfg = Config(
        args.devices, args.sessions_per_device, args.seed, args.days, args.twin_fraction,
        args.sdk_fraction,
    )  # fmt: skip

    def progress(done: int, total: int) -> None:
        print(f"[drift] {done}/{total} sessions ({100 * done // total}%)", file=sys.stderr)

    rep = trio.run(partial(simulate, cfg, progress=progress))
    rep.summary["code"] = code_version()
    print(format_report(rep))
    if args.json:
        args.json.write_text(json_document(rep))
    return 0
