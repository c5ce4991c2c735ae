"""The store several worker processes share, when there is one: what cross-worker state
(the deployment's secret, quota windows) is kept in.

A RocksDB directory belongs to one process; a cluster store is shared by every worker of
the deployment, so what must be one for all of them (engine/runtime/shared_secret.py,
engine/http/quotas.py) lives there. With regions on one shared cluster the regions' views
are prefixed (`PrefixedStore`); these records are the deployment's, not a region's, so
they go to the cluster itself, unprefixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable


@runtime_checkable
class SharedStore(Protocol):
    """The operations only a shared (cluster) store offers (engine/store/_redis.py)."""

    async def put_if_absent(self, key: bytes, value: bytes) -> bytes: ...

    async def admit_window(
        self, keys: list[bytes], limits: list[int], window_s: float, token: bytes
    ) -> tuple[int, float]: ...


def shared_store(stores: Mapping[str, object]) -> SharedStore | None:
    """The cluster behind the first region's store, or None on RocksDB."""
    if not stores:
        return None
    first = next(iter(stores.values()))
    inner = getattr(first, "inner", first)
    return inner if isinstance(inner, SharedStore) else None
