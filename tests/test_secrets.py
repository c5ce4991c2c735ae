"""The server secret lives apart from the data; a legacy copy in the data directory is moved
out, never forked (issue 15: a copy of the data directory carried the secret)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
import trio

from engine.errors import ConfigError
from engine.privacy.secrets import SECRET_ENV, SECRET_FILE_ENV, derive_keys, load_secret
from tests.support import copy_config, start


def test_first_start_creates_the_secret_beside_the_config_not_in_the_data(tmp_path: Path) -> None:
    secret = load_secret(tmp_path / "data", tmp_path / "config")
    path = tmp_path / "secret" / "anonscore.key"
    assert path.read_bytes() == secret
    assert len(secret) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (tmp_path / "data" / "secret.key").exists()
    assert load_secret(tmp_path / "data", tmp_path / "config") == secret  # read, not remade


def test_a_legacy_secret_is_moved_out_of_the_data_directory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_bytes(b"\x05" * 32)
    with caplog.at_level(logging.WARNING):
        assert load_secret(data, tmp_path / "config") == b"\x05" * 32
    assert "moved out of the data directory" in caplog.text
    assert not (data / "secret.key").exists()
    assert (tmp_path / "secret" / "anonscore.key").read_bytes() == b"\x05" * 32


def test_a_legacy_secret_that_differs_stops_the_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_bytes(b"\x05" * 32)
    other = tmp_path / "elsewhere.key"
    other.write_bytes(b"\x06" * 32)
    with pytest.raises(ConfigError, match="holds a different server secret than"):
        load_secret(data, tmp_path / "config", other)
    assert (data / "secret.key").read_bytes() == b"\x05" * 32  # nothing removed


def test_the_secret_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "07" * 32)
    assert load_secret(tmp_path / "data", tmp_path / "config") == b"\x07" * 32
    assert not (tmp_path / "secret").exists()
    monkeypatch.setenv(SECRET_ENV, "07" * 31)
    with pytest.raises(ConfigError, match="ANONSCORE_SECRET must be 64 hex digits"):
        load_secret(tmp_path / "data", tmp_path / "config")
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv(SECRET_FILE_ENV, str(tmp_path / "k" / "s.key"))
    secret = load_secret(tmp_path / "data", tmp_path / "config")
    assert (tmp_path / "k" / "s.key").read_bytes() == secret


async def test_the_service_keeps_the_legacy_secret_its_sessions_were_signed_with(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_bytes(b"\x09" * 32)
    running = await start(nursery, data, copy_config(tmp_path / "config"))
    async with running.client:
        assert running.service.keys == derive_keys(b"\x09" * 32)
        assert not (data / "secret.key").exists()
        assert (tmp_path / "secret" / "anonscore.key").read_bytes() == b"\x09" * 32
