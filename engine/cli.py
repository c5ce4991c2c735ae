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
attributes and reason codes, without personal data. See docs/index.md and /openapi.json.
"""

EPILOG = """\
examples:
  anonscore serve                          # 127.0.0.1:8080, ./data, ./config
  anonscore serve --port 9000 --data-dir /var/lib/anonscore
  anonscore check-config --config-dir ./config
  anonscore reload                         # re-read config/ in the running service (SIGHUP)
  anonscore reload --allow-destructive     # ... even if it removes a tenant or lowers retention
  anonscore hash-key                       # api_key_hash for a new tenant's API key
  anonscore update-data                    # rebuild the IP data (then: anonscore reload)
  anonscore train --data-dir ./data        # fit the weights on feedback: a candidate model
  anonscore backtest velocity              # a rule over the stored sessions, vs feedback
  anonscore reports list --tenant demo     # one tenant's report log
  anonscore reports revoke --tenant demo --since 2026-12-01T00:00:00Z
  anonscore webhooks log --tenant demo     # one tenant's webhook delivery log
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="anonscore",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    _serve_parser(sub)
    _config_parsers(sub)
    _data_parsers(sub)
    return p


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`serve`: where to listen, where the data, config and secret are, the store, workers."""
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
        help="RocksDB store (default ./data)",
    )
    s.add_argument(
        "--secret-file",
        type=Path,
        default=None,
        help="the server secret, kept apart from the data (default: $ANONSCORE_SECRET, "
        "else $ANONSCORE_SECRET_FILE, else secret/anonscore.key beside --config-dir; "
        "created 0600 on first start; docs/operating-secrets.md)",
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
        "for TLS; a password in ANONSCORE_STORE_PASSWORD (docs/operating.md, Storage)",
    )
    s.add_argument(
        "--workers",
        type=int,
        default=1,
        help="run N processes on the port, each with its own engine (needs the cluster store)",
    )
    s.add_argument(
        "--allow-no-ip-data",
        action="store_true",
        help="be ready without IP data, matching the shipped lists only (no AS numbers, no "
        "countries); without it /readyz answers 503 until `anonscore update-data` has built "
        "it (docs/deploy.md)",
    )
    s.add_argument(
        "--build-ip-data",
        action="store_true",
        help="no IP data yet: build it at start (downloads from npm, as update-data does; "
        "progress on the console, /readyz 503 meanwhile)",
    )
    s.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)
    s.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)


def _config_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`check-config`, `reload` and `hash-key`: the operator's config commands."""
    c = sub.add_parser(
        "check-config",
        help="validate config/ and exit (0 if valid); with a running service's --data-dir, "
        "also print what a reload would change",
    )
    c.add_argument("--config-dir", type=Path, default=Path("config"))
    c.add_argument("--data-dir", type=Path, default=Path("data"))

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
    r.add_argument(
        "--allow-destructive",
        action="store_true",
        help="let this reload remove tenants or lower a retention (the service refuses "
        "such a change otherwise, and keeps its config)",
    )

    h = sub.add_parser(
        "hash-key",
        help="print the api_key_hash line for an API key "
        "(read from stdin or prompted, never from the command line)",
    )
    h.add_argument("--stdin", action="store_true", help="read the key from standard input")


def _data_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`update-data`, `train`, `backtest`, `reports`, `webhooks`: commands over the data."""
    from engine.ipdata.update import add_arguments as ip_data_arguments

    u = sub.add_parser(
        "update-data",
        help="rebuild the IP data (AS numbers, countries, hosting, VPN, Tor lists)",
        description="Build a new IP data table beside the current one and switch to it "
        "atomically; the running service takes it on `anonscore reload`.",
    )
    ip_data_arguments(u)

    from engine.scoring.training.cli import add_backtest_arguments, add_train_arguments

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

    from engine.reputation.cli import add_reports_arguments

    rp = sub.add_parser(
        "reports",
        help="list or revoke one tenant's fraud reports (with an audit entry)",
        description="The operator's view of one tenant's feedback. `revoke` takes its fraud "
        "and damage reports out of the shared evidence (device and network reputation, "
        "other tenants' corroboration) and records it in the audit trail.",
    )
    add_reports_arguments(rp)

    from engine.webhooks.cli import add_webhooks_arguments

    wh = sub.add_parser(
        "webhooks",
        help="one tenant's webhook delivery log (docs/webhooks.md)",
        description="Each delivery attempt of the tenant's webhook events: time, event id "
        "and type, attempt, outcome, HTTP status or error; never a payload.",
    )
    add_webhooks_arguments(wh)


def _plugin_names() -> frozenset[str]:
    from engine.scoring.plugin_host import PluginHost, build_plugin_manager

    return PluginHost(build_plugin_manager()).names


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 2
    if args.command == "serve":
        return _serve(args)
    if args.command == "check-config":
        return _check(args.config_dir, args.data_dir)
    if args.command == "reload":
        return _reload(args)
    if args.command == "update-data":
        from engine.ipdata.update import main as update_data

        return update_data(args)
    if args.command in ("train", "backtest"):
        from engine.scoring.training.cli import main_backtest, main_train

        return main_train(args) if args.command == "train" else main_backtest(args)
    if args.command == "reports":
        from engine.reputation.cli import main_reports

        return main_reports(args)
    if args.command == "webhooks":
        from engine.webhooks.cli import main_webhooks

        return main_webhooks(args)
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


def _check(config_dir: Path, data_dir: Path) -> int:
    from engine import confdiff
    from engine.config import load_config

    try:
        cfg = load_config(config_dir, plugin_names=_plugin_names())
    except ConfigError as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return 1
    print(f"{config_dir}: valid ({len(cfg.tenants)} tenants, model {cfg.model.version})")
    running = confdiff.read_applied(data_dir)
    if running is None:
        return 0
    change = confdiff.change(running, confdiff.summary(cfg))
    lines = change.lines()
    print(f"against the config the service in {data_dir} runs: " + ("" if lines else "no change"))
    for line in lines:
        print(f"  {line}")
    if change.destructive:
        print("  a reload refuses this change unless run as `anonscore reload --allow-destructive`")
    return 0


WORKERS_GRACE_S = 2.0


def _reload(args: argparse.Namespace) -> int:
    """Signal only: the service reads, checks and applies the files itself (once), so what
    was checked is what runs. The outcome comes back through <data-dir>/reload.json."""
    import time

    from engine import confdiff
    from engine.runtime.reloading import read_status
    from engine.runtime.server import pid_file

    before = read_status(args.data_dir)
    try:
        pid = int(pid_file(args.data_dir).read_text().strip())
    except (FileNotFoundError, ValueError):
        pid = 0
    allowed = None
    try:
        if pid and args.allow_destructive:
            allowed = confdiff.allow_destructive(args.data_dir, args.wait)
        if not pid:
            raise ProcessLookupError
        os.kill(pid, signal.SIGHUP)
        outcome = _reload_outcome(args, pid, before)
        if allowed is not None:  # --workers N: each worker reloads; the last may be a bit
            time.sleep(WORKERS_GRACE_S)  # behind the first, whose answer we just read
        return outcome
    except ProcessLookupError:
        print(
            f"anonscore: no running service found for --data-dir {args.data_dir}", file=sys.stderr
        )
        return 1
    finally:
        if allowed is not None:
            allowed.unlink(missing_ok=True)  # one-shot: the next reload asks again


def _reload_outcome(args: argparse.Namespace, pid: int, before: object) -> int:
    """Wait for the service's answer in <data-dir>/reload.json and print it."""
    import time

    from engine.runtime.reloading import read_status

    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        status = read_status(args.data_dir)
        if status is not None and status != before:
            changes = status.get("changes")
            for line in changes if isinstance(changes, list) else []:
                print(f"  {line}")
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
    from engine.runtime.server import ServeOptions, serve
    from engine.store import StoreLocked, StoreUnavailable

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
        secret_file=args.secret_file,
        store=args.store,
        listen_fd=args.listen_fd,
        worker=args.worker,
        allow_no_ip_data=args.allow_no_ip_data,
        build_ip_data=args.build_ip_data,
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
    from engine.runtime.workers import run_workers

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
    if args.secret_file is not None:
        passed += ["--secret-file", str(args.secret_file)]
    if args.allow_no_ip_data:
        passed.append("--allow-no-ip-data")
    if args.build_ip_data:  # N builds into one directory at once: not that
        print(
            "anonscore: --build-ip-data builds in one process; run anonscore update-data "
            "first, then --workers N",
            file=sys.stderr,
        )
        return 2
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
