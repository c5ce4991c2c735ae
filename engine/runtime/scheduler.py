"""Every periodic job of the service, in one place: what runs, how often, under which lease.

- `sweep`, every `sweep_interval_s`, lease `sweep`: sessions, tombstones and logs past
  their purge time (the due day buckets: engine/lifecycle/expiry.py), then velocity.
- `records`, every `record_sweep_interval_s`, lease `records`: derived records past their
  tenants' retention (a scan of each kind: engine/lifecycle/retention.py).
- `erasure`, every `JOURNAL_GRACE_S`, no lease: erasures a crash interrupted, finished
  (engine/lifecycle/records.py).

A job with a lease runs, on a store several processes share, in the one process holding it
(engine/lifecycle/leases.py, kept in the first region's store; the term is 1.5 periods, so
another process takes over a term after the holder stops); a job without one runs in every
process. The webhook sender (engine/webhooks/sender.py) is the one periodic task outside
this table: it owns an HTTP client and the deliveries in flight, and its own lease.

A round that raises never takes the service down: it is logged (the exception's type, never
its message, which could name data), counted in `anonscore_background_errors{task=<job>}`,
and the job runs again at its next period. Rounds start a period apart, not a period after
the last one ended. Each job runs in its own task, so a slow or
failing job delays no other. Periods are read at each round: a config reload changes them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import trio

from engine.lifecycle import leases
from engine.lifecycle.records import JOURNAL_GRACE_S
from engine.metrics import Metrics
from engine.store import AsyncKeyValueStore

log = logging.getLogger("anonscore.scheduler")


class Job:
    """One periodic job. `run` does a round at `now` and returns how many records it
    changed; `period` is read before each round."""

    __slots__ = ("lease", "name", "period", "run")

    def __init__(
        self,
        name: str,
        period: Callable[[], float],
        run: Callable[[float], Awaitable[int]],
        *,
        lease: str | None = None,
    ) -> None:
        self.name = name
        self.period = period
        self.run = run
        self.lease = lease


class Context:
    """What every job needs from the service: the store that holds the leases (None while
    the service is not ready: no round then), the clock, metrics and the shutdown event."""

    def __init__(
        self,
        home: Callable[[], AsyncKeyValueStore | None],
        clock: Callable[[], float],
        metrics: Metrics,
        shutdown: trio.Event,
    ) -> None:
        self.home = home
        self.clock = clock
        self.metrics = metrics
        self.shutdown = shutdown


async def run_jobs(jobs: Sequence[Job], ctx: Context) -> None:
    """Run every job until `ctx.shutdown`, each in its own task."""
    async with trio.open_nursery() as nursery:
        for job in jobs:
            nursery.start_soon(run_job, job, ctx)


async def run_job(job: Job, ctx: Context) -> None:
    """Rounds of `job` every period until shutdown (see the module docstring)."""
    while not ctx.shutdown.is_set():
        period = job.period()
        started = trio.current_time()
        await round_of(job, ctx, period)
        # rounds start a period apart (the next one at once after a round that took
        # longer), so the holder renews its lease a period after the last renewal, within
        # the term of 1.5 periods, however long its rounds take up to a period
        with trio.move_on_at(started + period):
            await ctx.shutdown.wait()


async def round_of(job: Job, ctx: Context, period: float) -> int | None:
    """One round: None when it did not run (not ready, the lease held elsewhere, or it
    failed), else how many records it changed."""
    home = ctx.home()
    if home is None:
        return None
    try:
        now = ctx.clock()
        if job.lease is not None and not await leases.hold(home, job.lease, now, period * 1.5):
            return None
        changed = await job.run(now)
    except Exception as exc:  # logged and counted; the next period tries again
        log.error("periodic job failed", extra={"job": job.name, "exc": type(exc).__name__})
        ctx.metrics.background_errors.labels(job.name).inc()
        return None
    if changed:
        log.info("periodic job changed records", extra={"job": job.name, "count": changed})
    return changed


def service_jobs(
    sweep: Callable[[float], Awaitable[int]],
    velocity: Callable[[float], Awaitable[int]],
    records: Callable[[float], Awaitable[int]],
    erasures: Callable[[float], Awaitable[int]],
    interval: Callable[[], float],
    record_interval: Callable[[], float],
    metrics: Metrics,
) -> list[Job]:
    """The service's jobs (the module docstring's table), over its operations."""

    async def sweep_round(now: float) -> int:
        removed = await sweep(now)
        if removed:
            metrics.swept.inc(removed)
        return removed + await velocity(now)

    async def erasure_round(now: float) -> int:
        finished = await erasures(now)
        if finished:
            log.warning("interrupted erasures finished", extra={"count": finished})
        return finished

    return [
        Job("sweep", interval, sweep_round, lease="sweep"),
        Job("records", record_interval, records, lease="records"),
        Job("erasure", lambda: JOURNAL_GRACE_S, erasure_round),
    ]
