"""The scoring tests use the session tests' Service on RocksDB (tests/sessions/support.py)."""

from tests.sessions.conftest import domain

__all__ = ["domain"]
