"""The IP data on live traffic: real addresses from the shipped data, sent as the trusted
X-Forwarded-For hop, give the right flags and AS numbers; tenant settings change the answer.

`demo` runs the default settings; `demo2` gets `ignore_asns = [16509]` (AWS),
`extra_datacenter_asns = [7922]` (Comcast) and `extra_vpn_asns = [3320]` (Deutsche Telekom).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support import Running, copy_config

SETTINGS = """
[tenants.demo2.plugins.network_risk]
settings = { ignore_asns = [16509], extra_datacenter_asns = [7922], extra_vpn_asns = [3320] }
"""
NETWORK_FLAGS = ("datacenter_ip", "vpn", "tor", "proxy")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    config = copy_config(tmp_path / "config")
    with open(config / "tenants.toml", "a") as f:
        f.write(SETTINGS)
    return config


async def score_from(svc: Running, ip: str, tenant: str = "demo") -> dict[str, Any]:
    site, key = ("demo_site", "demo_key") if tenant == "demo" else ("demo2_site", "demo2_key")
    return await svc.flow(site_key=site, key=key, headers={"X-Forwarded-For": ip})


def raised(answer: dict[str, Any]) -> set[str]:
    return {flag for flag in NETWORK_FLAGS if answer["flags"][flag]}


@pytest.mark.parametrize(
    ("ip", "asn", "flags", "provider"),
    [
        ("3.5.140.2", 16509, {"datacenter_ip"}, "Amazon AWS"),  # AWS, Seoul
        ("34.120.0.1", 396982, {"datacenter_ip"}, "Google Cloud"),
        ("212.227.1.1", 8560, {"datacenter_ip"}, "IONOS SE"),
        ("185.220.100.240", 205100, {"tor"}, None),  # a Tor exit in 185.220.100.0/22
        ("23.144.160.67", 32727, {"vpn"}, "Mullvad VPN"),  # a published VPN server
        ("24.1.1.1", 7922, set(), None),  # Comcast, residential
        ("2a02:8108::1", 31334, set(), None),  # Vodafone Germany, IPv6
    ],
)
async def test_real_addresses(
    svc: Running, ip: str, asn: int | None, flags: set[str], provider: str | None
) -> None:
    answer = await score_from(svc, ip)
    assert raised(answer) == flags
    attributes = answer["attributes"]
    assert attributes["ip_asn"] == asn
    assert attributes["ip_provider"] == provider
    assert attributes["ip_tor_exit"] is ("tor" in flags)
    codes = {r["code"] for r in answer["reasons"]}
    assert ("TOR_EXIT" in codes) is ("tor" in flags)
    assert ("DATACENTER_ASN" in codes) is ("datacenter_ip" in flags)


async def test_the_address_is_not_stored(svc: Running) -> None:
    answer = await score_from(svc, "185.220.100.240")
    record = await svc.service.session_record(answer["session_id"])
    assert (record.ip_prefix, record.ip_tor_exit, record.ip_asn) == (
        "185.220.100.0/24",
        True,
        205100,
    )
    dump = b"".join(k + v for k, v in (await svc.snapshot()).items())
    assert b"185.220.100.240" not in dump


async def test_tenant_settings_change_the_answer(svc: Running) -> None:
    aws = await score_from(svc, "3.5.140.2", "demo2")
    assert raised(aws) == set()  # ignore_asns: AWS, published range and all
    assert aws["attributes"]["ip_asn"] == 16509
    assert aws["attributes"]["ip_asn_kind"] is None
    comcast = await score_from(svc, "24.1.1.1", "demo2")
    assert raised(comcast) == {"datacenter_ip"}  # extra_datacenter_asns
    assert comcast["attributes"]["ip_provider"] == "Comcast Cable Communications, LLC"
    telekom = await score_from(svc, "91.0.0.1", "demo2")
    assert raised(telekom) == {"vpn"}  # extra_vpn_asns
    google = await score_from(svc, "34.120.0.1", "demo2")
    assert raised(google) == {"datacenter_ip"}  # not ignored: only AWS is
    # the same addresses through the tenant without settings
    assert raised(await score_from(svc, "3.5.140.2")) == {"datacenter_ip"}
    assert raised(await score_from(svc, "24.1.1.1")) == set()
    assert raised(await score_from(svc, "91.0.0.1")) == set()
