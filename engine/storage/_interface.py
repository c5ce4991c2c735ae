"""The storage interface every backend implements.

Point reads and atomic write sets are synchronous: on the embedded store they cost a few
microseconds, less than a thread hop, so they run inline and a read-modify-write with no
`await` in between is atomic under Trio. Scans, flushes and anything slow are `async` and
leave the event loop.
"""

from __future__ import annotations

from typing import Protocol


class WriteSet:
    """Puts and deletes applied together, all or nothing."""

    __slots__ = ("deletes", "puts")

    def __init__(self) -> None:
        self.puts: dict[bytes, bytes] = {}
        self.deletes: set[bytes] = set()

    def put(self, key: bytes, value: bytes) -> None:
        self.deletes.discard(key)
        self.puts[key] = value

    def delete(self, key: bytes) -> None:
        self.puts.pop(key, None)
        self.deletes.add(key)

    def __len__(self) -> int:
        return len(self.puts) + len(self.deletes)


class KeyValueStore(Protocol):
    def get(self, key: bytes) -> bytes | None:
        """Return the value stored under `key`, or None."""

    def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        """Return the values of several keys, in order (None where absent)."""

    def apply(self, writes: WriteSet) -> None:
        """Apply every put and delete of `writes` atomically (write-ahead logged)."""

    async def scan(
        self, prefix: bytes, *, start: bytes | None = None, limit: int = 1000
    ) -> list[tuple[bytes, bytes]]:
        """Return up to `limit` (key, value) pairs whose key starts with `prefix`, in key
        order, from `start` (inclusive) when given. Runs off the event loop."""

    async def flush(self) -> None:
        """Persist memtables and the WAL to disk (for shutdown and checkpoints)."""

    def close(self) -> None:
        """Release the store. No call may follow."""
