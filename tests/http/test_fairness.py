"""Connections per client prefix (engine/http/fairness.py) and the limits' config; the cap
over the real server is in tests/hostile/test_fairness.py."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from engine.config import load_config
from engine.errors import ConfigError
from engine.http.fairness import ClientSlots
from tests.hostile.conftest import set_service
from tests.support import copy_config


def test_prefixes_group_addresses() -> None:
    slots = ClientSlots(2)  # IPv4 /32, IPv6 /64
    assert slots.key(("10.0.0.1", 1)) != slots.key(("10.0.0.2", 1))
    assert slots.key(("2001:db8::1", 1, 0, 0)) == slots.key(("2001:db8::ffff:1", 1, 0, 0))
    assert slots.key(("2001:db8:0:1::1", 1, 0, 0)) != slots.key(("2001:db8::1", 1, 0, 0))
    assert slots.key(("::ffff:10.0.0.1", 1, 0, 0)) == slots.key(("10.0.0.1", 1))
    assert slots.key(("fe80::1%eth0", 1, 0, 2)) == slots.key(("fe80::2", 1, 0, 2))
    wide = ClientSlots(2, v4_prefix=24, v6_prefix=48)
    assert wide.key(("10.0.0.1", 1)) == wide.key(("10.0.0.200", 1))
    assert wide.key(("2001:db8:0:1::1", 1, 0, 0)) == wide.key(("2001:db8::1", 1, 0, 0))
    assert slots.key("/run/anonscore.sock") is None  # no IP: not capped


def test_the_cap_per_prefix_and_exempt_proxies() -> None:
    proxy = ipaddress.ip_network("10.9.0.0/16")
    slots = ClientSlots(2, exempt=[proxy])
    client = slots.key(("10.0.0.1", 1))
    assert slots.take(client)
    assert slots.take(client)
    assert not slots.take(client)
    assert slots.refused == 1
    assert slots.take(slots.key(("10.0.0.2", 1)))  # another client has its own slots
    slots.give_back(client)
    assert slots.take(client)
    assert slots.key(("10.9.3.4", 1)) is None
    assert all(slots.take(slots.key(("10.9.3.4", 1))) for _ in range(10))
    for _ in range(2):
        slots.give_back(client)
    assert client is not None
    assert slots.held(client) == 0


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "body_timeout_s",
            30,
            "body_timeout_s is replaced by body_grace_s and min_body_bytes_per_s "
            "(a minimum body rate); see docs/http.md",
        ),
        ("client_prefix_v4", 33, "client_prefix_v4 must be between 8 and 32"),
        ("client_prefix_v6", 8, "client_prefix_v6 must be between 16 and 128"),
        ("max_connections_per_client", 0, "max_connections_per_client must be between 1"),
        ("min_body_bytes_per_s", 0, "min_body_bytes_per_s must be between 1"),
    ],
)
def test_the_limits_are_checked_at_load(tmp_path: Path, key: str, value: int, message: str) -> None:
    config_dir = copy_config(tmp_path / "config")
    set_service(config_dir, **{key: value})
    with pytest.raises(ConfigError) as info:
        load_config(config_dir)
    assert message in str(info.value)
