"""The `anonscore` command line."""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import signal
import sys
from pathlib import Path

from engine.errors import ConfigError

DESCRIPTION = """\
anonscore: a privacy-first device-risk scoring service.

Clients' pages run the collector (/collector.js); their back-ends call /v1/score with the
session id and their API key, and get a score, stochastic device and user IDs, fraud flags,
attributes and reason codes, without personal data. See README.md and /openapi.json.
"""

EPILOG = """\
examples:
  anonscore serve                          # 127.0.0.1:8080, ./data, ./config
  anonscore serve --port 9000 --data-dir /var/lib/anonscore
  anonscore check-config --config-dir ./config
  anonscore reload                         # re-read config/ in the running service (SIGHUP)
  anonscore hash-key                       # api_key_hash for a new tenant's API key
  anonscore update-data                    # rebuild the IP data (then: anonscore reload)
  anonscore train --data-dir ./data        # fit the weights on feedback: a candidate model
  anonscore backtest velocity              # a rule over the stored sessions, vs feedback
  anonscore reports list --tenant demo     # one tenant's report log
  anonscore reports revoke --tenant demo --since 2026-12-01T00:00:00Z
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="anonscore",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser(
        "serve",
        help="run the service (HTTP API, collector, engine)",
        description="Run the service until Ctrl-C or SIGTERM. GET /readyz "
        "answers 200 once it can score. SIGHUP reloads config/.",
    )
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    s.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data"),
        help="RocksDB store and server secret (default ./data)",
    )
    s.add_argument(
        "--config-dir",
        type=Path,
        default=Path("config"),
        help="tenants.toml, service.toml, model.toml (default ./config)",
    )
    s.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    s.add_argument(
        "--store",
        default="",
        help="redis://HOST:PORT: keep the state in a Redis/Valkey Cluster (any node) instead "
        "of the embedded RocksDB in --data-dir (default: service.toml's store); rediss:// "
        "for TLS; a password in ANONSCORE_STORE_PASSWORD (README, Storage)",
    )
    s.add_argument(
        "--workers",
        type=int,
        default=1,
        help="run N processes on the port, each with its own engine (needs the cluster store)",
    )
    s.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)
    s.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)

    c = sub.add_parser("check-config", help="validate config/ and exit (0 if valid)")
    c.add_argument("--config-dir", type=Path, default=Path("config"))

    r = sub.add_parser(
        "reload",
        help="tell the running service (found through <data-dir>/anonscore.pid) to re-read "
        "its config; it reads each file once, checks it and applies it, or keeps the running "
        "config; prints the outcome",
    )
    r.add_argument("--data-dir", type=Path, default=Path("data"))
    r.add_argument(
        "--wait", type=float, default=15.0, help="seconds to wait for the outcome (default 15)"
    )

    h = sub.add_parser(
        "hash-key",
        help="print the api_key_hash line for an API key "
        "(read from stdin or prompted, never from the command line)",
    )
    h.add_argument("--stdin", action="store_true", help="read the key from standard input")

    from engine.ipdata.update import add_arguments as ip_data_arguments

    u = sub.add_parser(
        "update-data",
        help="rebuild the IP data (AS numbers, countries, hosting, VPN, Tor lists)",
        description="Build a new IP data table beside the current one and switch to it "
        "atomically; the running service takes it on `anonscore reload`.",
    )
    ip_data_arguments(u)

    from engine.training.cli import add_backtest_arguments, add_train_arguments

    t = sub.add_parser(
        "train",
        help="fit the reason-code weights and bias on the labelled sessions of a store; "
        "writes a candidate model file",
        description="Regularised logistic regression over the rule strengths each scored "
        "session had, labelled by feedback (fraud, damage: 1; good, or no report after "
        "--assume-good-after-days: 0). Opens the store read-only, beside the running "
        "service. Reports the model in force and the candidate on the newest sessions.",
    )
    add_train_arguments(t)
    b = sub.add_parser(
        "backtest",
        help="run one plugin's rules over the stored sessions and measure them against "
        "feedback (hits, precision, recall); live traffic is not touched",
    )
    add_backtest_arguments(b)

    from engine.reports_cli import add_reports_arguments

    rp = sub.add_parser(
        "reports",
        help="list or revoke one tenant's fraud reports (with an audit entry)",
        description="The operator's view of one tenant's feedback. `revoke` takes its fraud "
        "and damage reports out of the shared evidence (device and network reputation, "
        "other tenants' corroboration) and records it in the audit trail.",
    )
    add_reports_arguments(rp)
    return p


def _plugin_names() -> frozenset[str]:
    from engine.plugins import PluginHost, build_plugin_manager

    return PluginHost(build_plugin_manager()).names


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 2
    if args.command == "serve":
        return _serve(args)
    if args.command == "check-config":
        return _check(args.config_dir)
    if args.command == "reload":
        return _reload(args)
    if args.command == "update-data":
        from engine.ipdata.update import main as update_data

        return update_data(args)
    if args.command in ("train", "backtest"):
        from engine.training.cli import main_backtest, main_train

        return main_train(args) if args.command == "train" else main_backtest(args)
    if args.command == "reports":
        from engine.reports_cli import main_reports

        return main_reports(args)
    if args.command == "hash-key":
        from engine.config import format_api_key_hash

        key = sys.stdin.readline().strip() if args.stdin else getpass.getpass("API key: ")
        if len(key) < 16:
            print(
                "anonscore: an API key must be at least 16 characters; use a random one, "
                "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'",
                file=sys.stderr,
            )
            return 2
        print(f'api_key_hash = "{format_api_key_hash(key)}"')
        return 0
    return 2


def _check(config_dir: Path) -> int:
    from engine.config import load_config

    try:
        cfg = load_config(config_dir, plugin_names=_plugin_names())
    except ConfigError as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return 1
    print(f"{config_dir}: valid ({len(cfg.tenants)} tenants, model {cfg.model.version})")
    return 0


def _reload(args: argparse.Namespace) -> int:
    """Signal only: the service reads, checks and applies the files itself (once), so what
    was checked is what runs. The outcome comes back through <data-dir>/reload.json."""
    import time

    from engine.reloading import read_status
    from engine.server import pid_file

    before = read_status(args.data_dir)
    try:
        pid = int(pid_file(args.data_dir).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        print(
            f"anonscore: no running service found for --data-dir {args.data_dir}", file=sys.stderr
        )
        return 1
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        status = read_status(args.data_dir)
        if status is not None and status != before:
            if status.get("outcome") == "applied":
                print(f"reloaded by pid {pid}: {status.get('message')}")
                return 0
            print(
                f"anonscore: reload refused, the service keeps its config: {status.get('message')}",
                file=sys.stderr,
            )
            return 1
        time.sleep(0.1)
    print(
        f"anonscore: reload signalled to pid {pid}; no outcome after {args.wait:.0f} s "
        "(see the service log)",
        file=sys.stderr,
    )
    return 1


def _serve(args: argparse.Namespace) -> int:
    import trio

    from engine.logs import setup_logging
    from engine.server import ServeOptions, serve
    from engine.storage import StoreUnavailable
    from engine.storage._rocks import StoreLocked

    setup_logging(args.log_level)
    if args.workers < 1:
        print("anonscore: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1:
        return _workers(args)
    opts = ServeOptions(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        config_dir=args.config_dir,
        store=args.store,
        listen_fd=args.listen_fd,
        worker=args.worker,
    )
    try:
        trio.run(serve, opts)
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # start-up failures arrive alone or inside a nursery's group
        cause = _leaf(exc)
        if isinstance(cause, (ConfigError, StoreLocked, StoreUnavailable, ValueError)):
            print(f"anonscore: {cause}", file=sys.stderr)
            return 1
        if isinstance(cause, OSError):
            if cause.errno == errno.EADDRINUSE:
                where, hint = f"on {args.host}:{args.port}", "; is another service using it?"
            elif cause.filename:
                where, hint = f"with {cause.filename}", ""
            else:
                where, hint = f"on {args.host}:{args.port}", ""
            print(
                f"anonscore: cannot start {where}: {cause.strerror or cause}{hint}", file=sys.stderr
            )
            return 1
        raise
    return 0


def _workers(args: argparse.Namespace) -> int:
    from engine.config import load_config
    from engine.workers import run_workers

    try:
        store = args.store or load_config(args.config_dir).service.store
    except ConfigError as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return 1
    if not store:
        print(
            "anonscore: --workers above 1 needs a shared store: RocksDB allows one process per "
            'data directory; set store = "redis://HOST:PORT" in service.toml or pass --store',
            file=sys.stderr,
        )
        return 2
    passed = [
        "--data-dir",
        str(args.data_dir),
        "--config-dir",
        str(args.config_dir),
        "--log-level",
        args.log_level,
        "--store",
        store,
    ]
    try:
        return run_workers(args.workers, (args.host, args.port), passed, args.data_dir)
    except OSError as exc:
        print(
            f"anonscore: cannot start on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr
        )
        return 1


def _leaf(exc: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


if __name__ == "__main__":
    sys.exit(main())
