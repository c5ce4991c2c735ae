"""One server secret per deployment: on a cluster store, the cluster holds it.

Why: workers in containers or on other machines start with empty data directories. Each
used to make its own secret beside its config, so a session collected through one was
unknown to the next (a 202, then a 404) and their device hashes never met. On a cluster
store the secret lives in the cluster, under `z:{deployment}secret` in the first region's
store: the first worker to start writes it (SET NX, so of workers racing exactly one wins)
and every other reads it. A worker configured with its own secret (`--secret-file`,
`ANONSCORE_SECRET`, `ANONSCORE_SECRET_FILE`, or the default file where it exists) offers
that one; if the cluster already holds another, the worker refuses to start (serving would
sign tokens no other worker accepts). Without a configured secret nothing is written to the
worker's disk. On RocksDB (one process owns the store) the secret stays where
engine/privacy/secrets.py puts it. docs/operating-secrets.md says what this means for
backups (the cluster's backups then carry the secret).
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from engine.errors import ConfigError
from engine.privacy.secrets import (
    LEGACY_NAME,
    SECRET_ENV,
    load_secret,
    secret_file_of,
)
from engine.store.shared import SharedStore

SECRET_KEY = b"z:{deployment}secret"


def configured_secret(data_dir: Path, config_dir: Path, secret_file: Path | None) -> bytes | None:
    """The secret this worker was given (environment, a file that exists, or a legacy copy
    in the data directory), or None: nothing is created here."""
    if secret_file is not None or os.environ.get(SECRET_ENV):
        return load_secret(data_dir, config_dir, secret_file)
    if secret_file_of(config_dir, None).exists() or (data_dir / LEGACY_NAME).exists():
        return load_secret(data_dir, config_dir, None)
    return None


async def deployment_secret(store: SharedStore, configured: bytes | None) -> bytes:
    """The deployment's secret, held in `store`: `configured` (or a new random one) when the
    store holds none yet; refused when the store holds one that differs from `configured`."""
    offered = configured if configured is not None else os.urandom(32)
    held = await store.put_if_absent(SECRET_KEY, offered)
    if len(held) != 32:
        raise ConfigError(
            "the cluster's server secret (z:{deployment}secret) is not 32 bytes; restore it "
            "from the secret's backup (docs/operating-secrets.md)"
        )
    if configured is not None and not hmac.compare_digest(held, configured):
        raise ConfigError(
            "this worker's server secret differs from the one the cluster holds for the "
            "deployment; remove this worker's secret (--secret-file, ANONSCORE_SECRET, "
            "ANONSCORE_SECRET_FILE or the default file) so that it reads the cluster's, or "
            "give it the deployment's secret (docs/operating-secrets.md)"
        )
    return held
