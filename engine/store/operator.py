"""An operator's command over one tenant's records in the store (`anonscore reports`,
`anonscore webhooks`): the config loaded and the tenant checked, the regions' stores opened
beside a stopped service (RocksDB allows one process) or on the cluster, and closed; an
error said in one line with what to do, and an exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import trio

from engine.config import Config, load_config
from engine.errors import ConfigError
from engine.store.regions import Regions, open_regions


def run_tenant_command(args: argparse.Namespace, body: Callable[[Config], Awaitable[int]]) -> int:
    """Load `args.config_dir`, check `args.tenant` is in it, run `body(config)` under Trio.
    2 for a bad config or tenant, 1 when the store cannot be opened, else `body`'s code."""
    try:
        config = load_config(args.config_dir)
    except ConfigError as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return 2
    if args.tenant not in config.tenants:
        print(
            f"anonscore: tenant '{args.tenant}' is not in {args.config_dir}/tenants.toml; "
            "give a tenant id from it",
            file=sys.stderr,
        )
        return 2
    try:
        return trio.run(body, config)
    except OSError as exc:
        print(
            f"anonscore: cannot open the store ({exc}); a running service holds the RocksDB "
            "store: stop it first, or give the cluster store with --store",
            file=sys.stderr,
        )
        return 1


@asynccontextmanager
async def command_regions(args: argparse.Namespace, config: Config) -> AsyncIterator[Regions]:
    """The regions' stores of `--store` (else service.toml's, else RocksDB in
    `--data-dir`), closed at the end; failing to open is an OSError with its first line."""
    url = args.store or config.service.store
    try:
        regions = await open_regions(config.service, args.data_dir, url)
    except Exception as exc:  # rocksdict raises its own exception type on a held LOCK
        raise OSError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    try:
        yield regions
    finally:
        await regions.aclose()
