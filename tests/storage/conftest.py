"""Every store behind the async interface, for the behaviour tests that both must pass."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.store import AsyncKeyValueStore, AsyncRocksStore, RedisClusterStore
from tools import redis_cluster as rc


@pytest.fixture(params=["rocks", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    """The store's kind; for "redis", an empty cluster (FLUSHALL on every master)."""
    if request.param == "redis":
        cluster: rc.Cluster = request.getfixturevalue("redis_nodes")
        for node in cluster.nodes:
            rc.command(node.port, "FLUSHALL", "SYNC")
    return str(request.param)


@pytest.fixture
async def store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncKeyValueStore]:
    opened: AsyncKeyValueStore
    if backend == "rocks":
        opened = AsyncRocksStore.open(tmp_path / "data")
    else:
        opened = await RedisClusterStore.connect(request.getfixturevalue("redis_cluster"))
    yield opened
    await opened.aclose()
