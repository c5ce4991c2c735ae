"""Issue 20: a tenant's first-party proxy vouches for X-Forwarded-For with a secret header.

A CDN or proxy without fixed addresses cannot be listed in `trusted_proxies`; with the
tenant's proxy secret (only its hash in config) its X-Forwarded-For is believed for that
tenant's collector requests. Without the secret, with a wrong one, or with another tenant's,
a forwarded address is ignored and the peer stays the client.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from engine.config import format_api_key_hash, load_config
from engine.errors import ConfigError
from tests.support import Running, copy_config, start

SECRET = "first-party-proxy-secret-demo"
OTHER = "the-other-tenants-secret"
IP = "198.51.100.23"


def with_secrets(config_dir: Path, demo: list[str], demo2: list[str]) -> None:
    service = config_dir / "service.toml"
    text = re.sub(r"(?m)^trusted_proxies = .*$", "trusted_proxies = []", service.read_text())
    service.write_text(text)
    tenants = config_dir / "tenants.toml"
    text = tenants.read_text()
    for tid, hashes in (("demo", demo), ("demo2", demo2)):
        listed = ", ".join(f'"{h}"' for h in hashes)
        text = text.replace(
            f"[tenants.{tid}]\n", f"[tenants.{tid}]\nproxy_secret_hashes = [{listed}]\n", 1
        )
    tenants.write_text(text)


@pytest.fixture
async def proxied(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config_dir = copy_config(tmp_path / "config")
    with_secrets(
        config_dir,
        [format_api_key_hash("an-old-secret"), format_api_key_hash(SECRET)],
        [format_api_key_hash(OTHER)],
    )
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running


async def prefix_seen(svc: Running, headers: dict[str, str]) -> str | None:
    sid = await svc.session()
    r = await svc.collect(sid, headers=headers)
    assert r.status_code == 202, r.text
    record = await svc.service.session_record(sid)
    return record.ip_prefix  # type: ignore[no-any-return]


async def test_the_tenants_secret_vouches_for_the_forwarded_address(proxied: Running) -> None:
    seen = await prefix_seen(proxied, {"X-Forwarded-For": IP, "Anonscore-Proxy-Secret": SECRET})
    assert seen == "198.51.100.0/24"


async def test_without_the_secret_a_forwarded_address_is_ignored(proxied: Running) -> None:
    # outside trusted_proxies (emptied here), the peer (loopback) stays the client
    assert await prefix_seen(proxied, {"X-Forwarded-For": IP}) == "127.0.0.0/24"
    wrong = {"X-Forwarded-For": IP, "Anonscore-Proxy-Secret": SECRET + "x"}
    assert await prefix_seen(proxied, wrong) == "127.0.0.0/24"
    # another tenant's secret does not vouch for this tenant's (demo) requests
    other = {"X-Forwarded-For": IP, "Anonscore-Proxy-Secret": OTHER}
    assert await prefix_seen(proxied, other) == "127.0.0.0/24"


def test_a_malformed_secret_hash_is_refused_naming_the_field(tmp_path: Path) -> None:
    config_dir = copy_config(tmp_path / "config")
    with_secrets(config_dir, ["md5:abc"], [])
    with pytest.raises(ConfigError, match="tenant 'demo': proxy_secret_hashes must be"):
        load_config(config_dir)
