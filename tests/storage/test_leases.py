"""Sweep leases (engine/lifecycle/leases.py): on a shared store one process sweeps at a time,
another takes over once the holder's term has passed; a store one process owns needs none."""

from __future__ import annotations

import msgspec
import trio

from engine.lifecycle.leases import hold
from engine.schema import SweepLease
from engine.store import AsyncKeyValueStore
from engine.store.keys import LEASE_PREFIX, lease_key

T0 = 1_800_000_000.0


async def test_one_holder_at_a_time(store: AsyncKeyValueStore, backend: str) -> None:
    if backend == "rocks":  # one process per directory: always yes, nothing written
        assert await hold(store, "sweep", T0, 60, holder="a", settle=0.05)
        assert await hold(store, "sweep", T0, 60, holder="b", settle=0.05)
        assert await store.scan(LEASE_PREFIX) == []
        return
    assert await hold(store, "sweep", T0, 60, holder="a", settle=0.05)
    assert not await hold(store, "sweep", T0 + 10, 60, holder="b", settle=0.05)
    assert await hold(store, "sweep", T0 + 30, 60, holder="a", settle=0.05)  # renewed to +90
    assert not await hold(store, "sweep", T0 + 80, 60, holder="b", settle=0.05)
    assert await hold(store, "records", T0 + 80, 60, holder="b", settle=0.05)  # another lease
    assert await hold(store, "sweep", T0 + 91, 60, holder="b", settle=0.05)  # a's term is over
    lease = msgspec.msgpack.decode(await store.get(lease_key("sweep")), type=SweepLease)
    assert lease == SweepLease("b", T0 + 151)


async def test_processes_starting_together_elect_one(
    store: AsyncKeyValueStore, backend: str
) -> None:
    """Eight processes ask at the same moment (workers started together): exactly one
    holds the lease on a shared store."""
    won: list[str] = []

    async def ask(name: str) -> None:
        if await hold(store, "sweep", T0, 60, holder=name, settle=0.3):
            won.append(name)

    async with trio.open_nursery() as nursery:
        for i in range(8):
            nursery.start_soon(ask, f"worker-{i}")
    assert len(won) == (8 if backend == "rocks" else 1)
