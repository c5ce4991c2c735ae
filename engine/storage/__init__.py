"""Storage: one small key-value interface, with RocksDB (rocksdict) as the embedded default."""

from engine.storage._interface import KeyValueStore, WriteSet
from engine.storage._rocks import RocksStore

__all__ = ["KeyValueStore", "RocksStore", "WriteSet"]
