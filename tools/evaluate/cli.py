"""Evaluate a population run: how well the service's scores separate fraud from honest
applicants, with the ground truth that only the simulator knows.

    python -m tools.evaluate runs/pop-1/ [--out REPORT_DIR]

Reads `scores.jsonl`, `truth.jsonl` and `run.json` from the run directory (written by
`python -m tools.population`) and writes `report.md`, `metrics.json` and the figures
(`roc.png`, `reliability.png`, `scores.png`) to REPORT_DIR (default: RUN_DIR/report/):
AUC, the share of fraud caught when the lender declines 1% and 5% of applicants, the Brier
score and a reliability diagram, precision and recall per reason code and per flag, fraud
caught per pattern, and honest applicants declined per segment. With --candidate MODEL, the
candidate model scores the same stored strengths and the report shows where the two
disagree (the shadow comparison, offline).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import load
from .report import write


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dir", type=Path, help="output directory of python -m tools.population")
    p.add_argument("--out", type=Path, help="report directory (default RUN_DIR/report/)")
    p.add_argument(
        "--candidate",
        type=Path,
        help="a model file (anonscore train's output) to compare with the live model on the "
        "same stored strengths: where the two disagree",
    )
    args = p.parse_args(argv)
    try:
        run = load(args.run_dir)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or args.run_dir / "report"
    candidate = None
    if args.candidate is not None:
        from .candidate import candidate_scores, compare

        try:
            model, scores, missing = candidate_scores(args.run_dir, run, args.candidate)
        except (OSError, ValueError) as exc:
            print(f"error: {args.candidate}: {exc}", file=sys.stderr)
            return 2
        candidate = compare(run, model, scores, missing)
    m = write(run, out, candidate)
    d1, d5 = m["decline"]["1%"], m["decline"]["5%"]
    print(
        f"population seed {m['seed']}, model {m['model']}: {m['sessions']} sessions, "
        f"{m['fraud']} fraud; AUC {m['auc']:.3f}; caught at 1% {100 * d1['caught']:.1f}%, "
        f"at 5% {100 * d5['caught']:.1f}%; Brier {m['brier']:.4f} -> {out}/report.md"
    )
    if candidate is not None:
        print(
            f"candidate {candidate['version']}: AUC {candidate['auc']:.3f}; caught at 1% "
            f"{100 * candidate['caught_1pct']:.1f}%, at 5% {100 * candidate['caught_5pct']:.1f}%;"
            f" Brier {candidate['brier']:.4f}"
        )
    return 0
