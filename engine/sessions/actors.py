"""The Trio engine: actors that own the state, fed through a bounded inbox.

Handlers submit a job and wait for it inside their own deadline (a cancel scope set by the
caller). A full inbox makes them wait: back-pressure, not memory growth. A job whose
requester has already given up is skipped, so a timed-out request leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import trio

T = TypeVar("T")
log = logging.getLogger("anonscore.engine")


class Job(Generic[T]):
    __slots__ = ("abandoned", "done", "error", "fn", "result")

    def __init__(self, fn: Callable[[], Awaitable[T]]) -> None:
        self.fn = fn
        self.done = trio.Event()
        self.abandoned = False
        self.result: Any = None
        self.error: BaseException | None = None


class Engine:
    """The requester side: `await engine.run(fn)` from inside a request's deadline."""

    def __init__(self, inbox: trio.MemorySendChannel[Job[Any]]) -> None:
        self._inbox = inbox

    def queued(self) -> int:
        return self._inbox.statistics().current_buffer_used

    async def _submit(self, job: Job[T]) -> T:
        try:
            await self._inbox.send(job)
            await job.done.wait()
        finally:
            if not job.done.is_set():
                job.abandoned = True
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    async def run_async(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run an operation (it awaits the store) on an actor, within the caller's deadline."""
        return await self._submit(Job(fn))


async def actor(inbox: trio.MemoryReceiveChannel[Job[Any]]) -> None:
    async with inbox:
        async for job in inbox:
            if job.abandoned:
                continue
            try:
                job.result = await job.fn()
            except Exception as exc:
                job.error = exc
            finally:
                job.done.set()


async def run_engine(
    queue_depth: int,
    actors: int,
    *,
    task_status: trio.TaskStatus[Engine] = trio.TASK_STATUS_IGNORED,
) -> None:
    inbox_tx, inbox_rx = trio.open_memory_channel[Job[Any]](queue_depth)
    async with trio.open_nursery() as nursery:
        async with inbox_rx:
            for _ in range(actors):
                nursery.start_soon(actor, inbox_rx.clone())
        task_status.started(Engine(inbox_tx))
