"""`anonscore reports list|revoke --tenant T [--since ...]`: the operator's view of one
tenant's feedback, and the revocation of its fraud and damage reports (reports.py).

The command opens the store the service uses (the RocksDB regions under --data-dir, which a
running service holds, so stop it first; or the cluster named by --store, beside running
services). Revoking writes an audit entry in the store and a log line.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from engine.config import Config


def add_reports_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="reports_command", metavar="ACTION", required=True)
    for name, text in (
        ("list", "print the tenant's report log (label, when, revoked or not)"),
        ("revoke", "take the tenant's fraud and damage reports out of the shared evidence"),
    ):
        s = sub.add_parser(name, help=text, description=text)
        s.add_argument("--tenant", required=True, help="the tenant id (a table of tenants.toml)")
        s.add_argument(
            "--since",
            help="only reports filed at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z)",
        )
        s.add_argument("--data-dir", type=Path, default=Path("data"))
        s.add_argument("--config-dir", type=Path, default=Path("config"))
        s.add_argument("--store", default="", help="redis://HOST:PORT of the cluster store")


def _since(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("--since must be an RFC 3339 time such as 2026-12-01T00:00:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def main_reports(args: argparse.Namespace) -> int:
    from engine.store.operator import run_tenant_command

    try:
        since = _since(args.since)
    except ValueError as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return 2
    return run_tenant_command(args, lambda config: _run(args, config, since))


async def _run(args: argparse.Namespace, config: Config, since: float | None) -> int:
    from engine.reputation.reports import list_reports, revoke_reports
    from engine.store.operator import command_regions

    async with command_regions(args, config) as regions:
        total = 0
        for region, store in regions.stores.items():
            if args.reports_command == "list":
                for _, entry in await list_reports(store, args.tenant, since):
                    revoked = f" revoked {_stamp(entry.revoked_at)}" if entry.revoked_at else ""
                    print(f"{_stamp(entry.at)} {region} {entry.label} {entry.session}{revoked}")
                    total += 1
            else:
                total += await revoke_reports(store, config, args.tenant, time.time(), since)
        noun = "reports listed" if args.reports_command == "list" else "reports revoked"
        print(f"{total} {noun} for tenant '{args.tenant}'", file=sys.stderr)
        return 0
