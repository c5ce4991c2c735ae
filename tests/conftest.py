from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import trio

from tests.support import Running, copy_config, start
from tools import redis_cluster as rc

if TYPE_CHECKING:
    from playwright.sync_api import Playwright


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return copy_config(tmp_path / "config")


STORES = ["rocksdb", "redis"]


@pytest.fixture(params=STORES)
async def svc(
    request: pytest.FixtureRequest, nursery: trio.Nursery, tmp_path: Path, config_dir: Path
) -> AsyncIterator[Running]:
    """The service on each store: the embedded RocksDB, and a Redis Cluster (three masters
    on loopback, emptied before each test); the same tests, the same expected answers."""
    if request.param == "redis":
        use_empty_cluster(request, config_dir)
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running


def ensure_up(cluster: rc.Cluster) -> None:
    """Every master answering and the cluster ok: a fault test that killed one and could
    not bring it back must not fail every test after it."""
    for index, node in enumerate(cluster.nodes):
        try:
            rc.command(node.port, "PING")
        except (OSError, rc.ClusterError):
            rc.restart(cluster, index)
    rc.wait_ok(cluster)


def use_empty_cluster(request: pytest.FixtureRequest, config_dir: Path) -> None:
    """The session's Redis cluster, up and emptied, as the store of `config_dir`."""
    cluster: rc.Cluster = request.getfixturevalue("redis_nodes")
    ensure_up(cluster)
    for node in cluster.nodes:
        rc.command(node.port, "FLUSHALL")
    set_store(config_dir, cluster.seed)


def set_store(config_dir: Path, url: str) -> None:
    path = config_dir / "service.toml"
    path.write_text(path.read_text() + f'\nstore = "{url}"\n')


@pytest.fixture(scope="session")
def redis_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rc.Cluster]:
    """Three Redis masters in cluster mode (AOF on) on free loopback ports, for the whole run;
    started by the first test that asks (about 2 s), stopped at the end."""
    cluster = rc.start(tmp_path_factory.mktemp("redis"), rc.free_base_port())
    yield cluster
    rc.stop(cluster)


@pytest.fixture
def spare_redis_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rc.Cluster]:
    """A cluster of the test's own, for the tests that kill a master: a node slow to come
    back on a busy machine never fails the tests that share `redis_nodes`."""
    cluster = rc.start(tmp_path_factory.mktemp("spare-redis"), rc.free_base_port())
    yield cluster
    rc.stop(cluster)


@pytest.fixture(scope="session")
def redis_cluster(redis_nodes: rc.Cluster) -> str:
    """The seed URL of that cluster, as `--store` takes it: redis://127.0.0.1:PORT."""
    return redis_nodes.seed


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright for the whole session (tests/browser, tests/firstparty): its sync API
    allows one at a time in a thread, so every module that drives Chromium shares it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw
