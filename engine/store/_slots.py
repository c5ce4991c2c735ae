"""Redis Cluster's key-to-slot rule, computed here so that a write set can be split by slot
before anything is sent: each slot's group becomes one MULTI/EXEC on the node that owns it.

The rule (Redis Cluster specification): slot = CRC16-XMODEM(k) mod 16384, where k is the part
of the key between the first `{` and the next `}` when that part is non-empty (the hash
tag), else the whole key. Keys that share a tag share a slot, hence a node and a transaction.
"""

from __future__ import annotations

SLOTS = 16384


def _table() -> tuple[int, ...]:
    out = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        out.append(crc & 0xFFFF)
    return tuple(out)


_CRC16 = _table()


def crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def hash_tag(key: bytes) -> bytes:
    """The bytes that decide the key's slot: its hash tag, or the whole key."""
    open_at = key.find(b"{")
    if open_at >= 0:
        close_at = key.find(b"}", open_at + 1)
        if close_at > open_at + 1:
            return key[open_at + 1 : close_at]
    return key


def key_slot(key: bytes) -> int:
    return crc16(hash_tag(key)) % SLOTS


def prefix_slot(prefix: bytes) -> int | None:
    """The one slot of every key that starts with `prefix`, when the prefix holds the whole
    first hash tag (`d:{abc}` or `d:{abc}:`); else None (the keys may be on any node)."""
    open_at = prefix.find(b"{")
    if open_at < 0:
        return None
    close_at = prefix.find(b"}", open_at + 1)
    if close_at <= open_at + 1:  # no closing brace yet, or an empty tag `{}`
        return None
    return key_slot(prefix)


def glob_escape(prefix: bytes) -> bytes:
    """`prefix` as a literal in a SCAN MATCH pattern (`*`, `?`, `[`, `]`, `\\` escaped)."""
    out = bytearray()
    for byte in prefix:
        if byte in b"*?[]\\":
            out += b"\\"
        out.append(byte)
    return bytes(out)
