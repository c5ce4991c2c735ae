"""`python -m tools.adversary`: run the adversary harness against a running service.

    python -m tools.adversary run --base-url http://127.0.0.1:8080 --out results.jsonl \\
        [--kits K,...] [--costumes C,...] [--modes headless,headful] \\
        [--controls NAME,...|none] [--variants N] [--repeat N] \\
        [--summary FILE.md] [--plot FILE.png]
    python -m tools.adversary report --results results.jsonl [--summary F] [--plot F]

`run` prints the summary table on stdout and writes it (and the plot) where asked; `report`
makes both again from a results file. The service must allow its own origin for the demo
tenant (the shipped config allows http://127.0.0.1:8080, where `tools/run serve` listens).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tools.adversary._common import Target, read_results
from tools.adversary._controls import CONTROL_NAMES
from tools.adversary._kits import COSTUMES, KITS
from tools.adversary._report import plot_scores, summary_table
from tools.adversary._run import Plan, run

MODES = ("headless", "headful")


def _choice(
    known: Sequence[str], what: str, allow_none: bool = False
) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        if allow_none and text == "none":
            return []
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"{what} must be a comma-separated list of: {', '.join(known)}"
                + (" (or none)" if allow_none else "")
            )
        return names

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.adversary", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    go = sub.add_parser("run", help="make, score and record sessions")
    go.add_argument("--base-url", required=True, help="the service, e.g. http://127.0.0.1:8080")
    go.add_argument("--out", type=Path, required=True, help="results, JSON Lines")
    go.add_argument("--kits", type=_choice(KITS, "--kits", True), default=list(KITS))
    go.add_argument("--costumes", type=_choice(COSTUMES, "--costumes"), default=list(COSTUMES))
    go.add_argument("--modes", type=_choice(MODES, "--modes"), default=list(MODES))
    go.add_argument(
        "--controls", type=_choice(CONTROL_NAMES, "--controls", True), default=list(CONTROL_NAMES)
    )
    go.add_argument("--variants", type=int, default=0, help="window set-ups per control (0: all)")
    go.add_argument("--repeat", type=int, default=1, help="sessions per kit x costume x mode")
    go.add_argument("--site-key", default="demo_site")
    go.add_argument("--api-key", default="demo_key")
    go.add_argument("--seed", type=int, default=1, help="the controls' typing rhythm")
    rep = sub.add_parser("report", help="summary table and plot from a results file")
    rep.add_argument("--results", type=Path, required=True)
    for each in (go, rep):
        each.add_argument("--summary", type=Path, help="write the Markdown summary here")
        each.add_argument("--plot", type=Path, help="write a PNG plot of scores here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        if args.variants < 0:
            print("--variants must be >= 0", file=sys.stderr)
            return 2
        if args.repeat < 1:
            print("--repeat must be >= 1", file=sys.stderr)
            return 2
        target = Target(args.base_url.rstrip("/"), args.site_key, args.api_key)
        plan = Plan(
            args.kits,
            args.costumes,
            args.modes,
            args.controls,
            args.variants,
            args.seed,
            args.repeat,
        )
        results = run(target, plan, args.out)
    else:
        results = read_results(args.results)
    table = summary_table(results)
    sys.stdout.write(table)
    if args.summary:
        args.summary.write_text(table)
    if args.plot and results:
        plot_scores(results, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
