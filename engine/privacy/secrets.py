"""The server secret: 32 random bytes kept in the data directory, and keys derived from it."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import msgspec


class Keys(msgspec.Struct, frozen=True):
    token: bytes  # signs session tokens
    hashing: bytes  # keyed hashes of MACs, device IDs, BSSIDs, IPs
    device: bytes  # derives tenant-scoped public device and user IDs


def load_or_create_secret(data_dir: Path) -> bytes:
    path = data_dir / "secret.key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes()
    else:
        secret = os.urandom(32)
        with os.fdopen(fd, "wb") as f:
            f.write(secret)
            f.flush()
            os.fsync(f.fileno())
    if len(secret) != 32:
        raise ValueError(f"{path}: must hold exactly 32 bytes; restore it from backup")
    return secret


def derive_keys(secret: bytes) -> Keys:
    def sub(label: bytes) -> bytes:
        return hmac.new(secret, label, hashlib.sha256).digest()

    return Keys(token=sub(b"token"), hashing=sub(b"hashing"), device=sub(b"device"))
