"""The server secret (32 random bytes) and the keys derived from it, kept apart from the data.

A copy of the data directory must not carry the key that links its records to people, so
the secret lives elsewhere: in `ANONSCORE_SECRET` (64 hex digits, from the environment), in
a file named by `--secret-file` or `ANONSCORE_SECRET_FILE`, or by default in
`secret/anonscore.key` beside the config directory, created 0600 on first start. A secret
an earlier version kept in `<data-dir>/secret.key` is moved to the secret file on start,
with a warning; one that differs from the configured secret stops the start-up, as either
choice would break the sessions signed with the other (never silently forked).
docs/operating-secrets.md says how to back the two up apart.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from pathlib import Path

import msgspec

from engine.errors import ConfigError

log = logging.getLogger("anonscore.secrets")
SECRET_ENV = "ANONSCORE_SECRET"
SECRET_FILE_ENV = "ANONSCORE_SECRET_FILE"
LEGACY_NAME = "secret.key"  # where versions before 0.9 kept it: inside the data directory


class Keys(msgspec.Struct, frozen=True):
    token: bytes  # signs session tokens
    hashing: bytes  # keyed hashes of MACs, device IDs, BSSIDs, session tokens
    device: bytes  # derives tenant-scoped public device and user IDs


def default_secret_file(config_dir: Path) -> Path:
    """`secret/anonscore.key` beside the config directory (outside the data directory)."""
    return config_dir.absolute().parent / "secret" / "anonscore.key"


def secret_file_of(config_dir: Path, secret_file: Path | None) -> Path:
    """The secret file to use: `secret_file`, else `ANONSCORE_SECRET_FILE`, else the default."""
    if secret_file is not None:
        return secret_file
    from_env = os.environ.get(SECRET_FILE_ENV)
    return Path(from_env) if from_env else default_secret_file(config_dir)


def load_secret(data_dir: Path, config_dir: Path, secret_file: Path | None = None) -> bytes:
    """The server secret, from the environment or its file (created on first start); a
    legacy copy in the data directory is moved out, or refused when it differs."""
    legacy = _read_exact(data_dir / LEGACY_NAME) if (data_dir / LEGACY_NAME).exists() else None
    env = os.environ.get(SECRET_ENV)
    if env and secret_file is None:
        try:
            secret = bytes.fromhex(env.strip())
        except ValueError:
            secret = b""
        if len(secret) != 32:
            raise ConfigError(f"{SECRET_ENV} must be 64 hex digits (32 bytes)")
        _check_legacy(data_dir, legacy, secret, f"${SECRET_ENV}")
        return secret
    path = secret_file_of(config_dir, secret_file)
    if path.absolute().is_relative_to(data_dir.absolute()):
        log.warning(
            "the secret file is inside the data directory: a copy of the data carries it "
            "(docs/operating-secrets.md)",
            extra={"path": str(path)},
        )
    if path.exists():
        secret = _read_exact(path)
        _check_legacy(data_dir, legacy, secret, str(path))
        return secret
    secret = legacy if legacy is not None else os.urandom(32)
    created = _create_exclusive(path, secret)
    secret = created if created is not None else _read_exact(path)
    if legacy is not None:
        _check_legacy(data_dir, legacy, secret, str(path))
    return secret


def find_secret(data_dir: Path, config_dir: Path, secret_file: Path | None = None) -> bytes | None:
    """The secret the service would use, read only (for tools): None where there is none."""
    env = os.environ.get(SECRET_ENV)
    if env and secret_file is None:
        try:
            return bytes.fromhex(env.strip())
        except ValueError:
            return None
    for path in (secret_file_of(config_dir, secret_file), data_dir / LEGACY_NAME):
        if path.exists():
            return _read_exact(path)
    return None


def _check_legacy(data_dir: Path, legacy: bytes | None, secret: bytes, where: str) -> None:
    """A legacy secret equal to the one in use is removed from the data directory; one
    that differs stops the start-up (sessions are signed with one of them)."""
    if legacy is None:
        return
    path = data_dir / LEGACY_NAME
    if not hmac.compare_digest(legacy, secret):
        raise ConfigError(
            f"{path} holds a different server secret than {where}; sessions were signed "
            f"with one of them: keep that one and remove the other (docs/operating-secrets.md)"
        )
    path.unlink(missing_ok=True)
    log.warning(
        "the server secret was moved out of the data directory; back it up apart from the "
        "data (docs/operating-secrets.md)",
        extra={"path": where},
    )


def _create_exclusive(path: Path, secret: bytes) -> bytes | None:
    """Write `secret` to `path` unless it exists (another process won: None). The file
    appears whole or not at all (written aside, then linked), so no reader sees it half."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secret)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return None
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return secret


def _read_exact(path: Path) -> bytes:
    secret = path.read_bytes()
    if len(secret) != 32:
        raise ConfigError(f"{path}: must hold exactly 32 bytes; restore it from backup")
    return secret


def derive_keys(secret: bytes) -> Keys:
    def sub(label: bytes) -> bytes:
        return hmac.new(secret, label, hashlib.sha256).digest()

    return Keys(token=sub(b"token"), hashing=sub(b"hashing"), device=sub(b"device"))
