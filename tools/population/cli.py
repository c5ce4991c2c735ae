"""Simulated lending traffic with known truth, through the service's public API.

    python -m tools.population [--seed 1] [--applicants 20000] [--days 14]
                               [--fraud-rate 0.02] [--out runs/pop-SEED/] [--small] [--force]

Honest applicants (web, Android and iOS apps; returning customers, offices, travellers,
VPN users, password-manager paste) and 17 fraud patterns (`--list-patterns`) apply at five
lenders over the simulated days. The real service runs in-process on a fresh store in the
output directory, with its clock set to the simulated time; lenders report fraud and
repaid loans back through /v1/feedback after a delay. The output directory gets
`scores.jsonl` (the service's answers), `truth.jsonl` (the ground truth: for
`python -m tools.evaluate` only), `run.json`, and the service's `config/` and `data/`.
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import trio

from .fraud import PATTERNS
from .plan import Settings, chosen
from .run import simulate

# A small run: few sessions, so a higher fraud rate (every pattern needs one campaign).
SMALL = {"applicants": 1500, "days": 4.0, "fraud_rate": 0.1}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.population",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--applicants", type=int, help="sessions in all (default 20000; small 1500)")
    p.add_argument("--days", type=float, help="simulated days (default 14; small 4)")
    p.add_argument("--fraud-rate", type=float, help="target fraud share (default 0.02)")
    p.add_argument("--patterns", default="", help="comma-separated fraud patterns (default all)")
    p.add_argument("--out", type=Path, help="output directory (default runs/pop-SEED/)")
    p.add_argument(
        "--small", action="store_true", help="a small run: 1500 sessions, 4 days, 10%% fraud"
    )
    p.add_argument("--force", action="store_true", help="replace a run already in --out")
    p.add_argument("--list-patterns", action="store_true", help="describe the fraud patterns")
    args = p.parse_args(argv)
    if args.list_patterns:
        for pat in PATTERNS:
            print(f"{pat.name} (weight {pat.weight:g}): {pat.doc}\n")
        return 0
    base = Settings(**SMALL) if args.small else Settings()  # type: ignore[arg-type]
    cfg = Settings(
        seed=args.seed,
        applicants=args.applicants if args.applicants is not None else base.applicants,
        days=args.days if args.days is not None else base.days,
        fraud_rate=args.fraud_rate if args.fraud_rate is not None else base.fraud_rate,
        patterns=tuple(x.strip() for x in args.patterns.split(",") if x.strip()),
    )
    if cfg.applicants < 1 or cfg.days <= 0:
        p.error("--applicants must be >= 1 and --days > 0")
    if not 0 < cfg.fraud_rate < 1:
        p.error("--fraud-rate must be between 0 and 1")
    out = args.out or Path("runs") / f"pop-{cfg.seed}"

    def progress(text: str) -> None:
        print(f"[population] {text}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    try:
        chosen(cfg.patterns)
        meta = trio.run(partial(simulate, cfg, out, force=args.force, progress=progress))
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pop = meta["population"]
    print(
        f"population seed {cfg.seed}: {pop['sessions']} sessions, {pop['fraud_sessions']} "
        f"fraudulent ({100 * pop['fraud_rate']:.2f}%), {len(pop['by_tenant'])} tenants, "
        f"{cfg.days:g} days; model {meta['model_version']}; "
        f"{time.perf_counter() - t0:.1f} s -> {out}/"
    )
    return 0
