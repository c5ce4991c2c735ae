"""The drift simulation's figures through the registry alone (`replay`: no HTTP, ten times
faster than `python -m tools.drift`, the same IDs), in the form of `external`'s summary, so
every world is reported alike:

    python -m tools.drift.offline [--world real|catalogue] [--seed 8] [--devices 300]
                                  [--json FILE] [--plot FILE] [--export FILE]

`--export` also writes the world's visits as JSON Lines (`external.export`), for another
linker or for `python -m tools.drift.external`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .calibration import plot
from .external import confident_foreign, export, summary
from .replay import replay
from .run import Config, build, measure


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.drift.offline", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    d = Config()
    p.add_argument("--world", choices=("real", "catalogue"), default=d.world)
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--devices", type=int, default=d.devices)
    p.add_argument("--days", type=float, default=d.days)
    p.add_argument("--json", type=Path)
    p.add_argument("--plot", type=Path)
    p.add_argument("--export", type=Path)
    args = p.parse_args(argv)
    cfg = Config(devices=args.devices, days=args.days, seed=args.seed, world=args.world)
    world = build(cfg)
    if args.export:
        export(world.visits, args.export)
    obs, _ = replay(world.visits, world.classes)
    m = measure(obs)
    events = {e: {"n": v["n"], "continuity": v["continuity"]}
              for e, v in m["continuity"]["by_event"].items()}  # fmt: skip
    figures = {**m, "confident_false_merges": confident_foreign(obs, world.looks),
               "by_file_event": events}  # fmt: skip
    name = f"{args.world} world, seed {args.seed}, {args.devices} devices, {args.days:g} days"
    print(summary(figures, name))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))
    if args.plot:
        plot({"linker": figures["reliability"]}, args.plot, f"device_confidence, {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
