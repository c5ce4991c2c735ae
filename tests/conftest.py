from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trio

from tests.support import Running, copy_config, start
from tools import redis_cluster as rc


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return copy_config(tmp_path / "config")


@pytest.fixture
async def svc(nursery: trio.Nursery, tmp_path: Path, config_dir: Path) -> AsyncIterator[Running]:
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running


@pytest.fixture(scope="session")
def redis_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rc.Cluster]:
    """Three Redis masters in cluster mode (AOF on) on free loopback ports, for the whole run;
    started by the first test that asks (about 2 s), stopped at the end."""
    cluster = rc.start(tmp_path_factory.mktemp("redis"), rc.free_base_port())
    yield cluster
    rc.stop(cluster)


@pytest.fixture(scope="session")
def redis_cluster(redis_nodes: rc.Cluster) -> str:
    """The seed URL of that cluster, as `--store` takes it: redis://127.0.0.1:PORT."""
    return redis_nodes.seed
