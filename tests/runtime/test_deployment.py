"""A deployment of several workers on one cluster, as containers run it (issue 21): empty,
separate data directories and no secret file; one secret for all (held in the cluster), a
worker configured with another refused; quotas counted once for all workers; and a service
without IP data not ready until it has it."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import cast

import pytest
import trio

from engine.errors import ConfigError
from engine.privacy.secrets import default_secret_file
from engine.runtime import readiness, server
from engine.runtime.shared_secret import SECRET_KEY
from engine.store._slots import key_slot
from tests.conftest import ensure_up, set_store
from tests.hostile.conftest import set_service
from tests.ipdata.support import write_packages
from tests.support import REPO, Running, copy_config, start
from tools import redis_cluster as rc


def _empty(cluster: rc.Cluster) -> None:
    ensure_up(cluster)
    for node in cluster.nodes:
        rc.command(node.port, "FLUSHALL")


def _worker_config(tmp_path: Path, name: str, seed: str, quota: str = "") -> Path:
    config = copy_config(tmp_path / name / "config")
    set_store(config, seed)
    if quota:
        path = config / "tenants.toml"
        path.write_text(path.read_text() + quota)
        set_service(config, trusted_proxies=["127.0.0.1"])
    return config


async def _two_workers(
    nursery: trio.Nursery, tmp_path: Path, seed: str, quota: str = ""
) -> tuple[Running, Running]:
    a = await start(nursery, tmp_path / "a" / "data", _worker_config(tmp_path, "a", seed, quota))
    b = await start(nursery, tmp_path / "b" / "data", _worker_config(tmp_path, "b", seed, quota))
    return a, b


async def test_two_workers_share_the_clusters_secret(
    redis_nodes: rc.Cluster, nursery: trio.Nursery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANONSCORE_SECRET", raising=False)
    monkeypatch.delenv("ANONSCORE_SECRET_FILE", raising=False)
    _empty(redis_nodes)
    a, b = await _two_workers(nursery, tmp_path, redis_nodes.seed)
    async with a.client, b.client:
        # a session made on one worker, collected on the other, scored on the first
        sid = await a.session()
        r = await b.collect(sid)
        assert r.status_code == 202, r.text
        r = await a.score(sid)
        assert r.status_code == 200, r.text
        first = r.json()["device_id"]
        # the same device through the other worker: the same ID
        sid2 = await b.session()
        assert (await a.collect(sid2)).status_code == 202
        r = await b.score(sid2)
        assert r.status_code == 200, r.text
        assert r.json()["device_id"] == first
        # nothing written beside either worker's config
        for name in ("a", "b"):
            assert not default_secret_file(tmp_path / name / "config").exists()
        assert a.service.keys == b.service.keys
        master = redis_nodes.nodes[rc.master_of(redis_nodes, key_slot(SECRET_KEY))]
        held = rc.command(master.port, "GET", SECRET_KEY)
        assert isinstance(held, bytes)
        assert len(held) == 32

        # a third worker given its own secret refuses to start, and says what to do
        other = tmp_path / "other.key"
        other.write_bytes(b"\x01" * 32)
        monkeypatch.setenv("ANONSCORE_SECRET_FILE", str(other))
        config = _worker_config(tmp_path, "c", redis_nodes.seed)
        with pytest.raises(ConfigError, match="differs from the one the cluster holds"):
            await start(nursery, tmp_path / "c" / "data", config)
        # given the deployment's secret, it joins
        other.write_bytes(held)
        config = _worker_config(tmp_path, "d", redis_nodes.seed)
        c = await start(nursery, tmp_path / "d" / "data", config)
        async with c.client:
            r = await c.score(sid)
            assert r.status_code == 200, r.text
            assert r.json()["device_id"] == first


QUOTA = """
[tenants.demo.quotas]
sessions_per_minute = 7
collects_per_minute = 0
per_network_per_minute = 0
"""


async def test_a_quota_is_one_budget_for_all_workers(
    redis_nodes: rc.Cluster, nursery: trio.Nursery, tmp_path: Path
) -> None:
    _empty(redis_nodes)
    a, b = await _two_workers(nursery, tmp_path, redis_nodes.seed, QUOTA)
    async with a.client, b.client:
        codes = []
        for i in range(20):
            worker = (a, b)[i % 2]
            r = await worker.client.post(
                "/v1/sessions",
                json={"site_key": "demo_site"},
                headers={"Origin": "http://127.0.0.1:8080", "X-Forwarded-For": "81.2.3.4"},
            )
            codes.append(r.status_code)
            if r.status_code == 429:
                assert r.headers["Retry-After"].isdigit()
        assert codes.count(201) == 7, codes
        assert codes.count(429) == 13, codes
        assert codes[:7] == [201] * 7


async def test_a_network_quota_is_one_budget_for_all_workers(
    redis_nodes: rc.Cluster, nursery: trio.Nursery, tmp_path: Path
) -> None:
    _empty(redis_nodes)
    quota = QUOTA.replace("sessions_per_minute = 7", "sessions_per_minute = 0").replace(
        "per_network_per_minute = 0", "per_network_per_minute = 5"
    )
    a, b = await _two_workers(nursery, tmp_path, redis_nodes.seed, quota)
    async with a.client, b.client:
        codes: dict[str, list[int]] = {"81.2.3.4": [], "81.2.4.4": []}
        for i in range(12):
            for ip, got in codes.items():
                r = await (a, b)[i % 2].client.post(
                    "/v1/sessions",
                    json={"site_key": "demo_site"},
                    headers={"Origin": "http://127.0.0.1:8080", "X-Forwarded-For": ip},
                )
                got.append(r.status_code)
        for got in codes.values():  # each /24 its own budget, shared by both workers
            assert got.count(201) == 5, codes
        # the network's name in the store is a keyed hash, not the address
        keys: list[bytes] = []
        for node in redis_nodes.nodes:
            keys += cast(list[bytes], rc.command(node.port, "KEYS", "c:*"))
        assert keys
        assert not any(b"81.2" in k for k in keys)


async def test_not_ready_without_ip_data_until_it_is_built(
    nursery: trio.Nursery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readiness, "IP_DATA_POLL_S", 0.05)
    config = copy_config(tmp_path / "config")
    ipdata = tmp_path / "ipdata"
    set_service(config, ip_data_dir=str(ipdata))
    running = await start(nursery, tmp_path / "data", config)
    async with running.client:
        r = await running.client.get("/readyz")
        assert r.status_code == 503
        assert "no ip data" in r.json()["reason"]
        assert "--allow-no-ip-data" in r.json()["reason"]
        r = await running.client.post("/v1/sessions", json={"site_key": "demo_site"})
        assert r.status_code == 503
        # `anonscore update-data` builds it there: the service picks it up
        shutil.copytree(REPO / "var" / "ipdata", ipdata, symlinks=True)
        with trio.fail_after(30):
            # as an orchestrator's probe does: ask until ready
            while (await running.client.get("/readyz")).status_code != 200:  # noqa: ASYNC110
                await trio.sleep(0.05)
        assert (await running.client.get("/readyz")).json()["ip_data"]["built"] is not None


async def test_lists_only_when_allowed(nursery: trio.Nursery, tmp_path: Path) -> None:
    config = copy_config(tmp_path / "config")
    set_service(config, ip_data_dir=str(tmp_path / "none"))
    opts = server.ServeOptions(
        port=0, data_dir=tmp_path / "data", config_dir=config, allow_no_ip_data=True
    )
    handle = await nursery.start(server.serve, opts)
    assert handle.state.readiness() is None
    assert handle.state.service.ip.data.meta is None


def test_the_wheel_states_its_data_needs() -> None:
    """The wheel's summary (from pyproject.toml) names the IP data and how to build it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "anonscore update-data" in project["description"]
    assert "docs/deploy.md" in project["description"]
    assert (REPO / "docs" / "deploy.md").exists()


async def test_build_ip_data_at_start(
    nursery: trio.Nursery, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`--build-ip-data`: no build there, so one is made at start (here from local npm
    package directories instead of the registry), with its progress logged."""
    source = tmp_path / "npm"
    write_packages(source)
    config = copy_config(tmp_path / "config")
    set_service(config, ip_data_dir=str(tmp_path / "ipdata"))
    opts = server.ServeOptions(
        port=0,
        data_dir=tmp_path / "data",
        config_dir=config,
        build_ip_data=True,
        ip_data_source=source,
    )
    caplog.set_level("INFO", logger="anonscore.server")
    handle = await nursery.start(server.serve, opts)
    with trio.fail_after(60):
        while handle.state.readiness() is not None:  # noqa: ASYNC110 (the build's thread)
            await trio.sleep(0.05)
    assert handle.state.service.ip.data.meta is not None
    assert any(r.getMessage().startswith("ip data: ") for r in caplog.records)
