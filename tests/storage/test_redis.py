"""The cluster store on a real three-master cluster: transactions per slot, native expiry,
a dead master, one-pass sweeps, a password, an ACL user and TLS."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import pytest
import trio
import trustme
from glide import (
    GlideClusterClient,
    GlideClusterClientConfiguration,
    NodeAddress,
    RequestError,
)

from engine.store import RedisClusterStore, StoreUnavailable, WriteSet
from engine.store._redis import _groups
from engine.store._slots import key_slot
from engine.store.regions import PrefixedStore
from tools import redis_cluster as rc


@pytest.fixture
async def redis(redis_nodes: rc.Cluster) -> AsyncIterator[RedisClusterStore]:
    for node in redis_nodes.nodes:
        rc.command(node.port, "FLUSHALL", "SYNC")
    store = await RedisClusterStore.connect(redis_nodes.seed)
    yield store
    await store.aclose()


def _port(cluster: rc.Cluster, key: bytes) -> int:
    return cluster.nodes[rc.master_of(cluster, key_slot(key))].port


def _calls(cluster: rc.Cluster, command: str) -> int:
    total = 0
    for node in cluster.nodes:
        stats = rc.command(node.port, "INFO", "commandstats")
        assert isinstance(stats, bytes)
        for line in stats.splitlines():
            if line.startswith(b"cmdstat_%s:calls=" % command.encode()):
                total += int(line.split(b"=")[1].split(b",")[0])
    return total


def test_key_slots_agree_with_the_server(redis_nodes: rc.Cluster) -> None:
    port = redis_nodes.nodes[0].port
    keys = [b"", b"foo", b"{}x", b"{a}{b}", b"x{}{y}", b"}{z}", b"{\x00\xff}q", bytes(range(256))]
    keys += [b"s:{%d}tail" % i for i in range(50)]
    for key in keys:
        assert key_slot(key) == rc.command(port, "CLUSTER", "KEYSLOT", key), key


async def test_each_slot_with_several_writes_is_one_transaction_in_slot_order(
    redis: RedisClusterStore, redis_nodes: rc.Cluster
) -> None:
    w = WriteSet()
    for i in range(12):
        w.put(b"s:{dev%d}:profile%d" % (i % 4, i), b"p%d" % i)
    w.delete(b"s:{dev0}:old")
    # single writes in slots of their own: one pipelined batch, no transaction
    for i in range(5):
        w.put(b"b:{band%d}" % i, b"list")
    atomic, single = _groups(w)
    slots = [slot for slot, _ in atomic]
    assert slots == sorted({key_slot(b"{dev%d}" % i) for i in range(4)})
    assert all(batch.is_atomic for _, batch in atomic)
    assert single is not None
    assert not single.is_atomic
    multi, exec_ = _calls(redis_nodes, "multi"), _calls(redis_nodes, "exec")
    await redis.apply(w)
    assert _calls(redis_nodes, "multi") - multi == 4
    assert _calls(redis_nodes, "exec") - exec_ == 4
    keys = sorted(w.puts)
    assert await redis.get_many(keys) == [w.puts[k] for k in keys]


async def test_a_group_refused_by_the_server_leaves_nothing(redis_nodes: rc.Cluster) -> None:
    """A group is MULTI/EXEC: one bad command and EXEC aborts it whole (a pipeline would have
    written the others). Our own groups hold only SET and DEL, which cannot fail so."""
    for node in redis_nodes.nodes:
        rc.command(node.port, "FLUSHALL", "SYNC")
    w = WriteSet()
    w.put(b"{t}:a", b"1")
    w.put(b"{t}:b", b"2", expire_at=time.time() + 60)
    [(slot, batch)], single = _groups(w)
    assert single is None
    assert slot == key_slot(b"t")
    batch.custom_command(["SET", b"{t}:c"])  # wrong arity: refused while queued
    node = redis_nodes.nodes[0]
    config = GlideClusterClientConfiguration([NodeAddress("127.0.0.1", node.port)])
    client = await GlideClusterClient.create(config)
    try:
        with pytest.raises(RequestError, match="wrong number of arguments"):
            await client.exec(batch, raise_on_error=True)
        assert await client.mget([b"{t}:a", b"{t}:b", b"{t}:c"]) == [None, None, None]
    finally:
        await client.close()


async def test_expiry_is_absolute_and_in_the_same_write(
    redis: RedisClusterStore, redis_nodes: rc.Cluster
) -> None:
    at = time.time() + 1000
    w = WriteSet()
    w.put(b"x:{s}1", b"v", expire_at=at)
    w.put(b"x:{s}2", b"v")
    await redis.apply(w)
    port = _port(redis_nodes, b"x:{s}1")
    assert rc.command(port, "PEXPIRETIME", b"x:{s}1") == int(at * 1000) + (at * 1000 % 1 > 0)
    assert rc.command(port, "PEXPIRETIME", b"x:{s}2") == -1
    again = WriteSet()
    again.put(b"x:{s}1", b"v2")  # a whole-value put without expiry clears the old one
    await redis.apply(again)
    assert rc.command(port, "PEXPIRETIME", b"x:{s}1") == -1


async def test_a_dead_master_is_store_unavailable_then_service_resumes(
    spare_redis_nodes: rc.Cluster,
) -> None:
    # a cluster of its own (tests/conftest.py): a node slow to come back on a busy machine
    # never fails the tests that share the session's cluster
    redis_nodes = spare_redis_nodes
    redis = await RedisClusterStore.connect(redis_nodes.seed)
    try:
        await _dead_master(redis, redis_nodes)
    finally:
        await redis.aclose()


async def _dead_master(redis: RedisClusterStore, redis_nodes: rc.Cluster) -> None:
    keys = [b"f:%d" % i for i in range(30)]
    w = WriteSet()
    for key in keys:
        w.put(key, b"acknowledged")
    await redis.apply(w)
    victim = rc.master_of(redis_nodes, key_slot(keys[0]))
    dead = [k for k in keys if rc.master_of(redis_nodes, key_slot(k)) == victim]
    alive = [k for k in keys if k not in dead]
    rc.kill(redis_nodes, victim)
    refused: list[str] = []

    async def refused_in_time(call: Awaitable[object], name: str) -> None:
        # the 500 ms request timeout, not a hang (bounded loosely: the machine may be busy)
        with trio.fail_after(3), pytest.raises(StoreUnavailable, match="retry shortly"):
            await call
        refused.append(name)

    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(refused_in_time, redis.get(dead[0]), "get")
            nursery.start_soon(refused_in_time, redis.get_many(keys), "get_many")
            nursery.start_soon(refused_in_time, redis.apply(_put(dead[0])), "apply")
            nursery.start_soon(refused_in_time, redis.scan(b"f:"), "scan")
            nursery.start_soon(refused_in_time, _drain(redis.key_pages(b"f:")), "key_pages")
        assert sorted(refused) == ["apply", "get", "get_many", "key_pages", "scan"]
        # the other masters serve on at once: with glide's cluster scan in flight (the
        # `scan` above, before it became plain SCAN calls per master), requests to healthy
        # masters timed out for over 40 s in about one run of three
        with trio.fail_after(3):
            while True:
                try:
                    value = await redis.get(alive[0])
                    break
                except StoreUnavailable:
                    await trio.sleep(0.1)
        assert value == b"acknowledged"
    finally:
        await trio.to_thread.run_sync(rc.restart, redis_nodes, victim)
    # the client reconnects on its own, and the restarted master reloads its AOF: poll until
    # every acknowledged key answers (a busy machine can take seconds to settle)
    values: list[bytes | None] = []
    with trio.move_on_after(20):
        while values != [b"acknowledged"] * len(keys):
            try:
                values = await redis.get_many(keys)
            except StoreUnavailable:
                pass
            await trio.sleep(0.05)
    assert values == [b"acknowledged"] * len(keys)  # SIGKILL lost nothing acknowledged (AOF)


async def test_a_sweep_walks_the_cluster_once_not_once_a_page(
    redis: RedisClusterStore, redis_nodes: rc.Cluster
) -> None:
    """`key_pages` (the retention sweeps, the erasure resume) is one cluster SCAN however
    many pages it gives; paging with `scan` walks every master again for each page."""
    keys = [b"v:%05d" % i for i in range(3000)]
    w = WriteSet()
    for key in keys:
        w.put(key, b"x")
    await redis.apply(w)
    before = _calls(redis_nodes, "scan")
    pages = [page async for page in redis.key_pages(b"v:", batch=100)]
    one_pass = _calls(redis_nodes, "scan") - before
    assert len(pages) == 30
    assert {k for page in pages for k in page} == set(keys)
    before = _calls(redis_nodes, "scan")
    start: bytes | None = None
    while page := await redis.scan(b"v:", start=start, limit=100):
        start = page[-1][0] + b"\0"
    paged = _calls(redis_nodes, "scan") - before
    assert one_pass * 10 <= paged, (one_pass, paged)
    # a region's share of a shared cluster gives its own keys, without its prefix
    eu = PrefixedStore(redis, "eu")
    await eu.apply(_put(b"v:eu-only"))
    assert [k async for page in eu.key_pages(b"v:") for k in page] == [b"v:eu-only"]


async def _drain(pages: AsyncIterator[list[bytes]]) -> None:
    async for _ in pages:
        pass


def _put(key: bytes) -> WriteSet:
    w = WriteSet()
    w.put(key, b"new")
    return w


async def test_an_unreachable_cluster_is_store_unavailable() -> None:
    port = rc.free_base_port(1)
    with trio.fail_after(2), pytest.raises(StoreUnavailable, match="cannot reach the store"):
        await RedisClusterStore.connect(f"redis://127.0.0.1:{port}")


async def test_a_cluster_with_a_password_and_an_acl_user(tmp_path: Path) -> None:
    """The login a production cluster asks for: the password in the URL (percent-encoded),
    in ANONSCORE_STORE_PASSWORD, or an ACL user's; a missing or wrong one is refused with
    a message that says so and never quotes it."""
    password = "s3cr:t p@ss/%"
    cluster = await trio.to_thread.run_sync(
        lambda: rc.start(tmp_path / "redis", rc.free_base_port(), password=password)
    )
    try:
        store = await RedisClusterStore.connect(cluster.seed)  # password in the URL
        await store.apply(_put(b"a:{1}"))
        await store.aclose()
        for node in cluster.nodes:
            rc.command(node.port, "ACL", "SETUSER", "scorer", "on", ">other pw", "~*", "+@all")
        acl = cluster.address.replace("redis://", "redis://scorer:other%20pw@")
        store = await RedisClusterStore.connect(acl)
        assert await store.get(b"a:{1}") == b"new"
        await store.aclose()
        with pytest.MonkeyPatch.context() as env:
            env.setenv("ANONSCORE_STORE_PASSWORD", password)
            store = await RedisClusterStore.connect(cluster.address)
            assert await store.get(b"a:{1}") == b"new"
            await store.aclose()
        wrong = cluster.address.replace("redis://", "redis://:wrong-one@")
        for url in (cluster.address, wrong):
            with pytest.raises(StoreUnavailable, match="refused the login") as info:
                await RedisClusterStore.connect(url)
            assert "wrong-one" not in str(info.value)
            assert password not in str(info.value)
    finally:
        await trio.to_thread.run_sync(rc.stop, cluster)


async def test_a_cluster_over_tls(tmp_path: Path) -> None:
    """rediss:// with the cluster's private authority (`?ca=`): every operation works over
    TLS, the bus included; plain TCP, or TLS without trusting that authority, is refused
    as unreachable."""
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    files = rc.TlsFiles(tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem")
    ca.cert_pem.write_to_path(str(files.ca))
    issued.cert_chain_pems[0].write_to_path(str(files.cert))
    issued.private_key_pem.write_to_path(str(files.key))
    cluster = await trio.to_thread.run_sync(
        lambda: rc.start(tmp_path / "redis", rc.free_base_port(), tls=files)
    )
    try:
        assert cluster.seed.startswith("rediss://")
        store = await RedisClusterStore.connect(cluster.seed)
        w = WriteSet()
        for i in range(60):  # on every master
            w.put(b"t:%d" % i, b"v%d" % i)
        await store.apply(w)
        assert await store.get_many([b"t:1", b"t:59"]) == [b"v1", b"v59"]
        assert len({k async for page in store.key_pages(b"t:") for k in page}) == 60
        await store.aclose()
        plain = cluster.seed.replace("rediss://", "redis://").partition("?")[0]
        untrusted = cluster.seed.partition("?")[0]  # the system's roots do not know our CA
        for url in (plain, untrusted):
            with trio.fail_after(10), pytest.raises(StoreUnavailable, match="cannot reach"):
                await RedisClusterStore.connect(url)
    finally:
        await trio.to_thread.run_sync(rc.stop, cluster)
