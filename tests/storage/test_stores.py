"""The async interface's behaviour, the same tests on RocksDB and on a real Redis cluster."""

from __future__ import annotations

import time

import pytest
import trio

from engine.store import AsyncKeyValueStore, WriteSet
from engine.store._slots import key_slot

EVERY_BYTE = bytes(range(256))


def _writes(puts: dict[bytes, bytes] | None = None, deletes: tuple[bytes, ...] = ()) -> WriteSet:
    w = WriteSet()
    for key in deletes:
        w.delete(key)
    for key, value in (puts or {}).items():
        w.put(key, value)
    return w


async def test_put_get_delete(store: AsyncKeyValueStore) -> None:
    await store.apply(_writes({b"a:1": b"one", b"a:2": b"two"}))
    assert await store.get(b"a:1") == b"one"
    assert await store.get(b"absent") is None
    assert await store.get_many([b"a:2", b"absent", b"a:1"]) == [b"two", None, b"one"]
    assert await store.get_many([]) == []
    await store.apply(_writes({b"a:2": b"deux"}, deletes=(b"a:1", b"never-written")))
    assert await store.get_many([b"a:1", b"a:2"]) == [None, b"deux"]
    await store.apply(WriteSet())  # nothing to do
    await store.flush()


async def test_a_write_set_spread_over_many_slots_is_applied_whole(
    store: AsyncKeyValueStore,
) -> None:
    keys = [b"spread:%03d" % i for i in range(200)]
    assert len({key_slot(k) * 3 // 16384 for k in keys}) == 3  # on every master of three
    await store.apply(_writes({k: k[::-1] for k in keys}))
    assert await store.get_many(keys) == [k[::-1] for k in keys]
    await store.apply(_writes(deletes=tuple(keys[::2])))
    kept = [None if i % 2 == 0 else k[::-1] for i, k in enumerate(keys)]
    assert await store.get_many(keys) == kept


async def test_applying_the_same_write_set_twice_is_applying_it_once(
    store: AsyncKeyValueStore,
) -> None:
    await store.apply(_writes({b"r:gone": b"x"}))
    w = _writes({b"r:1": b"a", b"r:{t}2": b"b"}, deletes=(b"r:gone",))
    w.put(b"r:{t}3", b"c", expire_at=time.time() + 60)
    await store.apply(w)
    await store.apply(w)
    assert await store.get_many([b"r:1", b"r:{t}2", b"r:{t}3", b"r:gone"]) == [
        b"a",
        b"b",
        b"c",
        None,
    ]


async def test_values_and_keys_with_every_byte(store: AsyncKeyValueStore) -> None:
    keys = [b"bin:" + EVERY_BYTE, b"bin:\x00", b"bin:\xff\r\n", b"bin:{\x00}\x00"]
    await store.apply(_writes({k: EVERY_BYTE + k for k in keys} | {b"empty": b""}))
    assert await store.get_many(keys) == [EVERY_BYTE + k for k in keys]
    assert await store.get(b"empty") == b""
    scanned = await store.scan(b"bin:")
    assert scanned == sorted((k, EVERY_BYTE + k) for k in keys)


async def test_scan_by_prefix_in_key_order_with_limit_and_start(
    store: AsyncKeyValueStore,
) -> None:
    keys = [b"p:%03d" % i for i in range(150)]  # spread over the three masters
    await store.apply(_writes({k: b"v" + k for k in keys} | {b"p": b"-", b"q:000": b"-"}))
    assert await store.scan(b"p:") == [(k, b"v" + k) for k in keys[:150]]
    assert [k for k, _ in await store.scan(b"p:", limit=5)] == keys[:5]
    assert [k for k, _ in await store.scan(b"p:", start=b"p:140")] == keys[140:]
    assert [k for k, _ in await store.scan(b"p:", start=b"p:05", limit=3)] == keys[50:53]
    assert [k for k, _ in await store.scan(b"p:", start=b"a")] == keys  # start below prefix
    assert await store.scan(b"p:", limit=0) == []
    assert await store.scan(b"none:") == []
    # paging: the last key + b"\0" starts the next page; every key once, in order
    pages: list[bytes] = []
    start = None
    while page := await store.scan(b"p:", start=start, limit=40):
        pages += [k for k, _ in page]
        start = page[-1][0] + b"\0"
    assert pages == keys


async def _key_pages(
    store: AsyncKeyValueStore, prefix: bytes, below: bytes | None = None, batch: int = 1000
) -> list[list[bytes]]:
    return [page async for page in store.key_pages(prefix, below=below, batch=batch)]


async def test_key_pages_give_every_key_of_a_prefix_in_one_pass(
    store: AsyncKeyValueStore,
) -> None:
    keys = [b"kp:%04d" % i for i in range(1500)]
    others = [b"kp", b"kq:0001", b"k:0001"]
    await store.apply(_writes({k: b"v" for k in keys + others}))
    pages = await _key_pages(store, b"kp:", batch=200)
    assert all(0 < len(page) <= 200 for page in pages)
    assert len(pages) >= 1500 // 200
    seen = [k for page in pages for k in page]
    assert set(seen) == set(keys)  # a key may come twice on Redis; none is missing or extra
    below = [k for page in await _key_pages(store, b"kp:", below=b"kp:0300") for k in page]
    assert set(below) == set(keys[:300])
    tagged = [b"kt:{dev1}:%02d" % i for i in range(30)]
    await store.apply(_writes({k: b"v" for k in [*tagged, b"kt:{dev10}:00"]}))
    assert [k for page in await _key_pages(store, b"kt:{dev1}:", batch=7) for k in page] == tagged
    assert await _key_pages(store, b"none:") == []


async def test_a_sweep_can_delete_the_keys_it_is_given(store: AsyncKeyValueStore) -> None:
    keys = [b"ks:%04d" % i for i in range(700)]
    await store.apply(_writes({k: b"v" for k in keys}))
    seen: set[bytes] = set()
    async for page in store.key_pages(b"ks:", batch=50):
        seen.update(page)
        await store.apply(_writes(deletes=tuple(page)))
    assert seen == set(keys)
    assert await store.scan(b"ks:") == []


async def test_scan_of_a_hash_tagged_prefix(store: AsyncKeyValueStore) -> None:
    tagged = [b"i:{dev7}:%02d" % i for i in range(30)]
    others = [b"i:{dev70}:00", b"i:{dev7:00", b"i:{dev}7:00"]
    await store.apply(_writes({k: b"v" for k in tagged + others}))
    assert [k for k, _ in await store.scan(b"i:{dev7}")] == tagged
    assert [k for k, _ in await store.scan(b"i:{dev7}:", start=b"i:{dev7}:25")] == tagged[25:]
    assert [k for k, _ in await store.scan(b"i:{dev7}", limit=2)] == tagged[:2]
    assert [k for k, _ in await store.scan(b"i:{dev7")] == sorted([*tagged, *others[:2]])


async def test_scan_prefix_is_literal_not_a_pattern(store: AsyncKeyValueStore) -> None:
    keys = [b"g:*a", b"g:?b", b"g:[c]", b"g:\\d", b"g:x", b"g:xx"]
    await store.apply(_writes(dict.fromkeys(keys, b"v")))
    for key in keys:
        expected = [k for k in sorted(keys) if k.startswith(key)]
        assert [k for k, _ in await store.scan(key)] == expected


async def test_expiry_is_native_on_redis_and_ignored_on_rocks(
    store: AsyncKeyValueStore, backend: str
) -> None:
    now = time.time()
    w = WriteSet()
    w.put(b"e:past", b"v", expire_at=now - 1)
    w.put(b"e:soon", b"v", expire_at=now + 0.3)
    w.put(b"e:later", b"v", expire_at=now + 3600)
    w.put(b"e:kept", b"v", expire_at=now - 1)
    w.put(b"e:kept", b"v2")  # the last put wins, with its (absent) expiry
    await store.apply(w)
    assert await store.get(b"e:later") == b"v"
    assert await store.get(b"e:kept") == b"v2"
    if backend == "rocks":
        assert await store.get_many([b"e:past", b"e:soon"]) == [b"v", b"v"]
        return
    assert await store.get(b"e:past") is None
    assert await store.get(b"e:soon") == b"v"
    with trio.fail_after(3):  # the server's clock, not ours: poll until it drops the key
        while True:
            if await store.get(b"e:soon") is None:
                break
            await trio.sleep(0.02)
    assert time.time() >= now + 0.3 - 0.05


def test_expire_at_out_of_range_is_refused_when_put() -> None:
    w = WriteSet()
    for bad in (0.0, -1.0, 1e12, float("nan"), float("inf")):
        with pytest.raises(
            ValueError, match=r"expire_at must be Unix seconds in \(0, 1e11\), or None"
        ):
            w.put(b"k", b"v", expire_at=bad)
    assert len(w) == 0
