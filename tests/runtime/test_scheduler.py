"""The one scheduler of periodic jobs (engine/runtime/scheduler.py): every job at its own
period, a failing round logged, counted and retried without stopping the others, nothing
run before the service is ready. On a real RocksDB store (whose leases always say yes);
time is Trio's mock clock, so the periods pass without waiting."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
import trio.testing

from engine.metrics import Metrics
from engine.runtime.scheduler import Context, Job, run_jobs, service_jobs
from engine.store import AsyncKeyValueStore, AsyncRocksStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AsyncKeyValueStore]:
    opened = AsyncRocksStore.open(tmp_path / "data")
    yield opened
    await opened.aclose()


def _errors(metrics: Metrics, job: str) -> float:
    value = metrics.registry.get_sample_value("anonscore_background_errors_total", {"task": job})
    return value or 0.0


async def test_a_failing_job_is_counted_retried_and_stops_no_other(
    store: AsyncKeyValueStore,
    autojump_clock: trio.testing.MockClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics, shutdown = Metrics(), trio.Event()
    rounds: dict[str, list[float]] = {"good": [], "bad": []}

    async def good(now: float) -> int:
        rounds["good"].append(now)
        return 1

    async def bad(now: float) -> int:
        rounds["bad"].append(now)
        if len(rounds["bad"]) <= 3:
            raise RuntimeError("a bug in the job, naming nothing")
        return 0

    jobs = [Job("good", lambda: 10.0, good, lease="good"), Job("bad", lambda: 60.0, bad)]
    ctx = Context(lambda: store, trio.current_time, metrics, shutdown)
    with caplog.at_level(logging.INFO, logger="anonscore.scheduler"):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(run_jobs, jobs, ctx)
            await trio.sleep(600)
            shutdown.set()
    assert len(rounds["bad"]) >= 5  # failed three times, ran again each period
    assert _errors(metrics, "bad") == 3
    assert _errors(metrics, "good") == 0
    assert len(rounds["good"]) >= 50  # every 10 s all along, whatever "bad" did
    failures = [r for r in caplog.records if r.getMessage() == "periodic job failed"]
    assert len(failures) == 3
    assert all("naming nothing" not in r.getMessage() for r in caplog.records)
    assert {getattr(r, "exc", None) for r in failures} == {"RuntimeError"}


async def test_nothing_runs_before_the_service_is_ready(
    store: AsyncKeyValueStore, autojump_clock: trio.testing.MockClock
) -> None:
    metrics, shutdown = Metrics(), trio.Event()
    ready = False
    ran: list[float] = []

    async def job(now: float) -> int:
        ran.append(now)
        return 0

    ctx = Context(lambda: store if ready else None, trio.current_time, metrics, shutdown)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(run_jobs, [Job("j", lambda: 5.0, job)], ctx)
        await trio.sleep(100)
        assert ran == []
        ready = True
        await trio.sleep(100)
        shutdown.set()
    assert 15 <= len(ran) <= 21


async def test_the_service_jobs_count_swept_sessions_and_take_new_periods(
    store: AsyncKeyValueStore, autojump_clock: trio.testing.MockClock
) -> None:
    """The table of the module docstring: sweep (sessions then velocity), records, erasure;
    the period is read at each round, so a reload that changes it takes effect."""
    metrics, shutdown = Metrics(), trio.Event()
    calls: list[str] = []
    period = {"sweep": 3600.0}

    def op(name: str, changed: int) -> object:
        async def run(now: float) -> int:
            calls.append(name)
            return changed

        return run

    jobs = service_jobs(
        op("sweep", 2),  # type: ignore[arg-type]
        op("velocity", 0),  # type: ignore[arg-type]
        op("records", 0),  # type: ignore[arg-type]
        op("erasures", 0),  # type: ignore[arg-type]
        lambda: period["sweep"],
        lambda: 86_400.0,
        metrics,
    )
    assert [(j.name, j.lease) for j in jobs] == [
        ("sweep", "sweep"),
        ("records", "records"),
        ("erasure", None),
    ]
    ctx = Context(lambda: store, trio.current_time, metrics, shutdown)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(run_jobs, jobs, ctx)
        await trio.sleep(1)
        assert calls.count("sweep") == 1
        assert calls.count("records") == 1
        period["sweep"] = 60.0  # a reload: from the next round on
        await trio.sleep(3600 + 60 * 10 + 1)
        shutdown.set()
    assert 10 <= calls.count("sweep") <= 13
    assert calls.count("velocity") == calls.count("sweep")  # after each sweep
    assert calls.count("records") == 1
    swept = metrics.registry.get_sample_value("anonscore_sessions_swept_total")
    assert swept == 2 * calls.count("sweep")
