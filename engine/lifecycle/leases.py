"""Which process runs a background sweep, when several share one store.

With `anonscore serve --workers N`, on one machine or several, every worker has a sweeper,
and a sweep reads the whole store. Without a lease each of them would sweep everything, the
record sweep at every start of every worker. A lease is a typed record (`SweepLease`:
holder, until) under `l:{lease}<name>`, with the same expiry. A sweeper that finds no lease,
its own or an expired one, writes itself in, waits `settle` seconds and reads it back: the
process whose write came last holds it, and every other one skips that round. The store
offers no compare-and-set, and needs none here: two writers that each see their own write
after `settle` would need writes more than `settle` apart to cross, and the later one
overwrites the earlier before its reader looks. The holder renews at each of its rounds;
the term is longer than a round, so another process takes over a term after the holder
stops. At worst two processes sweep the same round, which is safe (a sweep's every change
can be repeated), only wasteful.

A store only one process can open (RocksDB) needs no lease: `hold` says yes at once and
writes nothing.
"""

from __future__ import annotations

import os
import time

import msgspec
import trio

from engine.schema import SweepLease
from engine.store import AsyncKeyValueStore, WriteSet, direct_view
from engine.store.keys import decode, encode, lease_key

SETTLE_S = 1.0
HOLDER = os.urandom(8).hex()  # this process


async def hold(
    store: AsyncKeyValueStore,
    name: str,
    now: float,
    term: float,
    *,
    holder: str = HOLDER,
    settle: float = SETTLE_S,
) -> bool:
    """True when `holder` may run the sweep `name` now (see the module docstring); it then
    holds it until `now + term`. Raises StoreUnavailable when the store fails."""
    if direct_view(store) is not None:
        return True
    key = lease_key(name)
    current = _read(await store.get(key))
    if current is not None and current.holder != holder and current.until > now:
        return False
    w = WriteSet()
    # the record's own expiry is wall-clock time (the store's), whatever clock `now` is on
    lease = SweepLease(holder, now + term)
    w.put(key, encode(lease), expire_at=time.time() + term)
    await store.apply(w)
    if current is not None and current.holder == holder and current.until > now:
        return True  # a renewal: nobody else writes while the lease is ours
    await trio.sleep(settle)
    after = _read(await store.get(key))
    return after is not None and after.holder == holder


def _read(raw: bytes | None) -> SweepLease | None:
    if raw is None:
        return None
    try:
        return decode(raw, SweepLease)
    except msgspec.DecodeError:
        return None  # unreadable: taken over as if absent
