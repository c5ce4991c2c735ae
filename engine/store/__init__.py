"""The store: one small key-value interface, with RocksDB (rocksdict) as the embedded default
and a Redis/Valkey Cluster for more than one process or machine.

Layering: `_interface` (WriteSet, the protocols) and `_errors` stand alone; `_rocks` and
`_redis` each implement the interface and are the only modules that touch their library;
`keys` is the key layout and the record codecs over it; `regions` opens a store per region.
"""

from engine.store._errors import StoreUnavailable
from engine.store._interface import AsyncKeyValueStore, KeyValueStore, WriteSet
from engine.store._redis import RedisClusterStore
from engine.store._rocks import AsyncRocksStore, RocksStore, StoreLocked
from engine.store._tx import NeedKeys, Snapshot, direct_view, random_bytes, transact

__all__ = [
    "AsyncKeyValueStore",
    "AsyncRocksStore",
    "KeyValueStore",
    "NeedKeys",
    "RedisClusterStore",
    "RocksStore",
    "Snapshot",
    "StoreLocked",
    "StoreUnavailable",
    "WriteSet",
    "direct_view",
    "random_bytes",
    "transact",
]
