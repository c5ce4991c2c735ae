"""The device MAC as the data policy allows it: only for an operator-set legacy SDK
integration (service.toml legacy_device_mac), and only from SDK versions up to its cut-off."""

from __future__ import annotations

from tests.support import Running, android_attributes

MAC = "3c:22:fb:12:34:56"


async def _collect(svc: Running, site: str, sdk: str | None) -> dict[str, object]:
    sid = await svc.session(site)
    attrs = android_attributes(device__mac_hash=MAC, software__sdk_version=sdk)
    if sdk is None:
        del attrs["software"]["sdk_version"]
    r = await svc.collect(sid, attrs, site_key=site, channel="android")
    assert r.status_code == 202, r.text
    record = await svc.service.session_record(sid)
    return {"dropped": r.json()["dropped"], "mac": record.attributes.device.mac_hash}


async def test_only_a_legacy_sdk_of_the_legacy_tenant_keeps_the_mac(svc: Running) -> None:
    kept = await _collect(svc, "demo2_site", "2.9.4")
    assert kept["dropped"] == []
    assert isinstance(kept["mac"], str)
    assert kept["mac"].startswith("k1:")  # truncated and keyed-hashed, never as sent
    assert MAC not in kept["mac"]
    for sdk in ("3.0.0", None):
        newer = await _collect(svc, "demo2_site", sdk)
        assert newer["dropped"] == ["device.mac_hash"]
        assert newer["mac"] is None
    # a tenant without the operator's legacy setting never keeps it
    other = await _collect(svc, "demo_site", "2.9.4")
    assert other["dropped"] == ["device.mac_hash"]
    assert other["mac"] is None
