"""`anonscore webhooks log --tenant T`: a tenant's webhook delivery log (sender.py), for the
operator answering "did you send it?": each attempt's time, event id and type, attempt
number, outcome, HTTP status and error; never a payload. It opens the store as
`anonscore reports` does (RocksDB: stop the service first; or the cluster with --store),
and prints how many events wait in the outbox."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from engine.config import Config


def add_webhooks_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    text = "print the tenant's last delivery attempts (no payloads)"
    s = sub.add_parser("log", help=text, description=text)
    s.add_argument("--tenant", required=True, help="the tenant id (a table of tenants.toml)")
    s.add_argument("--last", type=int, default=100, help="how many attempts (default 100)")
    s.add_argument("--data-dir", type=Path, default=Path("data"))
    s.add_argument("--config-dir", type=Path, default=Path("config"))
    s.add_argument("--store", default="", help="redis://HOST:PORT of the cluster store")


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def main_webhooks(args: argparse.Namespace) -> int:
    from engine.store.operator import run_tenant_command

    return run_tenant_command(args, lambda config: _run(args, config))


async def _run(args: argparse.Namespace, config: Config) -> int:
    from engine.schema import WebhookEvent
    from engine.store.keys import OUTBOX_PREFIX, decode
    from engine.store.operator import command_regions
    from engine.webhooks.sender import delivery_log

    async with command_regions(args, config) as regions:
        stores = list(regions.stores.values())
        for a in await delivery_log(stores, args.tenant, max(args.last, 1)):
            detail = a.error or str(a.status)
            print(f"{_stamp(a.at)} {a.event} {a.type} #{a.attempt} {a.outcome} {detail}")
        waiting = 0
        for store in stores:
            rows = await store.scan(OUTBOX_PREFIX, limit=100_000)
            waiting += sum(decode(raw, WebhookEvent).tenant == args.tenant for _, raw in rows)
        print(f"{waiting} events waiting for tenant '{args.tenant}'", file=sys.stderr)
        return 0
