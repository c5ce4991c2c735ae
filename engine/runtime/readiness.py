"""Ready means ready: without IP data the service is up but not ready, until it has some.

Why: without the IP data every network signal is off (no AS numbers, no countries, no
hosting ASNs), and a service that said ready would score on half its evidence, silently.
So `serve` without a build in `ip_data_dir` listens and answers `/readyz` 503 with the
reason (`AppState.waiting_for`) while it waits for `anonscore update-data` to make one, or,
with `--build-ip-data`, builds it itself (its progress logged and in the reason).
`--allow-no-ip-data` skips all this (the shipped lists alone). docs/deploy.md.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import trio

from engine.http.appstate import AppState
from engine.ipdata import IpDataError, load_ip_data
from engine.privacy import IpReducer

if TYPE_CHECKING:
    from engine.runtime.server import ServeOptions

log = logging.getLogger("anonscore.server")

IP_DATA_POLL_S = 5.0


async def until_ip_data(
    state: AppState, opts: ServeOptions, reducer: IpReducer, directory: str, shutdown: trio.Event
) -> None:
    """With `--build-ip-data`, build it now (progress on the console and in /readyz);
    else, or when that fails, wait for `anonscore update-data` to build it."""
    if opts.build_ip_data:
        from engine.ipdata.update import update_data

        def say(line: str) -> None:  # from the building thread: one attribute, replaced
            state.waiting_for = f"building ip data: {line}"
            log.info(f"ip data: {line}")

        say(f"into {directory}")
        try:
            await trio.to_thread.run_sync(
                lambda: update_data(Path(directory), source=opts.ip_data_source, say=say)
            )
        except (IpDataError, OSError) as exc:
            state.waiting_for = (
                f"building ip data failed ({type(exc).__name__}: {exc}); run anonscore "
                "update-data, or start with --allow-no-ip-data"
            )
    if not opts.build_ip_data or state.waiting_for.startswith("building ip data failed"):
        log.error(state.waiting_for)
    first = 0.0 if opts.build_ip_data else None
    await _wait_for_ip_data(reducer, directory, shutdown, first=first)


async def _wait_for_ip_data(
    reducer: IpReducer, directory: str, shutdown: trio.Event, first: float | None = None
) -> None:
    """Look for a build in `directory` every IP_DATA_POLL_S until there is one (`anonscore
    update-data` made it), then use it; or until shutdown."""
    pause = IP_DATA_POLL_S if first is None else first
    while not shutdown.is_set():
        with trio.move_on_after(pause):
            await shutdown.wait()
        pause = IP_DATA_POLL_S
        data = await trio.to_thread.run_sync(load_ip_data, Path(directory))
        if data.meta is not None:
            reducer.data = data
            log.info("ip data found", extra={"path": directory, "build": data.build_id})
            return
