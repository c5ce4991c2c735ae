"""The `anonscore train` and `anonscore backtest` commands (wired in engine/cli.py)."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import trio

from engine.errors import ConfigError

if TYPE_CHECKING:
    from engine.config import Config
    from engine.scoring.model import ScoringModel
    from engine.scoring.plugin_host import PluginHost
    from engine.scoring.training.train import TrainReport
    from engine.store.regions import AllRegions


class _Opened(NamedTuple):
    host: PluginHost
    config: Config
    store: AllRegions
    model: ScoringModel
    now: float  # --now, or the time of the run


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument(
        "--out",
        type=Path,
        help="where to write the candidate model (default: <config-dir>/model.candidate.toml)",
    )
    p.add_argument(
        "--l2",
        type=float,
        default=1.0,
        help="how strongly weights are held to the ones in force (default 1.0)",
    )
    p.add_argument(
        "--holdout",
        type=float,
        default=0.2,
        help="newest share of the sessions kept out of the fit to measure it (default 0.2)",
    )
    p.add_argument(
        "--floor",
        type=float,
        default=0.8,
        help="a code whose weight in force puts it at this score or above alone (a strong "
        "signal: the top band) keeps at least this score alone (default 0.8; 0: off)",
    )
    p.add_argument("--version", help="model_version of the candidate (default: date + digest)")


def add_backtest_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("plugin", help="the plugin's name (as in `anonscore check-config`)")
    _common(p)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, default=Path("data"), help="the store (read-only)")
    p.add_argument("--config-dir", type=Path, default=Path("config"))
    p.add_argument(
        "--assume-good-after-days",
        type=float,
        default=14.0,
        help="a scored session with no report after this long counts as good (default 14)",
    )
    p.add_argument(
        "--now", type=float, help="the time to judge 'after' against (default: now; Unix s)"
    )


def _open(args: argparse.Namespace) -> _Opened | None:
    """The store (read-only), config, plugins and model the command works on; None after
    saying why they cannot be opened (the command then exits 1)."""
    try:
        return _opened(args)
    except (ConfigError, FileNotFoundError) as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return None


def _opened(args: argparse.Namespace) -> _Opened:
    from engine.config import load_config
    from engine.scoring.model import ScoringModel
    from engine.scoring.plugin_host import PluginHost, build_plugin_manager
    from engine.store.regions import AllRegions

    host = PluginHost(build_plugin_manager())
    config = load_config(args.config_dir, plugin_names=host.names)
    host.codes = frozenset(config.model.weights)
    store = AllRegions.open(args.data_dir)
    now = args.now if args.now is not None else time.time()
    return _Opened(host, config, store, ScoringModel(config.model), now)


def main_train(args: argparse.Namespace) -> int:
    from engine.scoring.training.data import load_dataset
    from engine.scoring.training.train import model_toml, train

    opened = _open(args)
    if opened is None:
        return 1
    store, model, now = opened.store, opened.model, opened.now
    try:
        print(f"reading labelled sessions from {args.data_dir} ...", file=sys.stderr)
        data = trio.run(
            lambda: load_dataset(
                store, model, now, assume_good_after_days=args.assume_good_after_days
            )
        )
    finally:
        store.close()
    try:
        report = train(
            data,
            model,
            l2=args.l2,
            holdout=args.holdout,
            version=args.version,
            floor=args.floor,
        )
    except ValueError as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return 1
    out = args.out or args.config_dir / "model.candidate.toml"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(model_toml(report, str(args.data_dir)))
    os.replace(tmp, out)
    print(_train_summary(report, model.version))
    print(f"\ncandidate written to {out}")
    return 0


def _train_summary(report: TrainReport, live_version: str) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    lines = [f"sessions: {report.rows} ({counts}); base rate {report.base_rate:.4f}"]
    if report.candidate.n:
        lines.append("held out (newest share)         AUC    Brier  caught@1%  caught@5%")
        for name, q in (
            (f"live {live_version}", report.live),
            (report.model.version, report.candidate),
        ):
            lines.append(
                f"  {name:<28} {_f(q.auc):>6} {_f(q.brier):>8} {_f(q.caught_at_1pct):>10}"
                f" {_f(q.caught_at_5pct):>10}   (n={q.n}, fraud={q.positives})"
            )
    else:
        lines.append("no held-out share (--holdout 0): every labelled session was fitted")
    lines.append(
        f"bias {report.model.bias:.2f} (no signal: {1 / (1 + math.exp(-report.model.bias)):.4f})"
    )
    lines.append("largest changes of a code's score alone (in force -> trained):")
    lines += [f"  {code:<28} {a:>7.3f} -> {b:>7.3f}" for code, a, b in report.moved]
    if report.floored:
        lines.append("raised to stay in the top band alone (--floor): " + ", ".join(report.floored))
    return "\n".join(lines)


def main_backtest(args: argparse.Namespace) -> int:
    from engine.scoring.training.backtest import backtest

    opened = _open(args)
    if opened is None:
        return 1
    store, now = opened.store, opened.now
    try:
        report = trio.run(
            lambda: backtest(
                store,
                opened.host,
                opened.config,
                args.plugin,
                now,
                assume_good_after_days=args.assume_good_after_days,
            )
        )
    except ValueError as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(
        f"plugin {report.plugin}: {report.sessions} labelled sessions ({report.positives} "
        f"fraud, {report.negatives} good), {report.unlabelled} still open (not counted)"
    )
    print(f"{'code':<28}{'flag':<18}{'hits':>7}{'fraud':>7}{'precision':>11}{'recall':>8}")
    for r in [*report.rules, report.any_hit]:
        print(
            f"{r.code:<28}{r.flag or '-':<18}{r.hits:>7}{r.hits_positive:>7}"
            f"{_f(r.precision):>11}{_f(r.recall):>8}"
        )
    print(
        "(rules that read velocity or device history are measured without them: the store "
        "keeps the session, not the counters of the moment it was scored)"
    )
    return 0


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
