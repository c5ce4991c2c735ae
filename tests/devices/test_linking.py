"""Device linking through the public API: the same device keeps its ID through drift,
different devices do not merge, identical machines are linked without confidence, and
erasure removes a device from every index. (The rules themselves: test_matching.py, the
registry without HTTP: test_registry.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio

from tests.support import Running, copy_config, start, web_attributes
from tests.support import android_attributes as android


def chrome(major: int) -> str:
    return (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.0.0 Safari/537.36"
    )


WEB_DRIFT: dict[str, dict[str, Any]] = {
    "browser update": {"software__user_agent": chrome(132)},
    "canvas changed by the update": {
        "software__user_agent": chrome(132),
        "device__canvas_hash": "0" * 64,
    },
    "font installed": {"device__fonts_hash": "f" * 32, "device__fonts_count": 53},
    "external monitor": {"device__screen_width": 2560, "device__screen_height": 1440},
    "zoom": {"device__pixel_ratio": 1.5},
    "travel": {"software__timezone": "Europe/Madrid", "software__timezone_offset_min": 60},
    "driver update": {
        "device__webgl_renderer": "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 "
        "(0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11 31.0.15.5222)",
        "device__canvas_hash": "1" * 64,
    },
    "audio changed by the update, a font installed": {
        "software__user_agent": chrome(133),
        "device__audio_hash": "35.73833402246237",
        "device__fonts_hash": "e" * 32,
        "device__fonts_count": 54,
    },
    "private window (canvas and audio noise, fewer fonts)": {
        "device__canvas_hash": "d" * 64,
        "device__audio_hash": "35.1",
        "device__fonts_hash": "d" * 32,
        "device__fonts_count": 40,
    },
    "canvas blocked": {"device__canvas_hash": None},
    "canvas and audio blocked": {"device__canvas_hash": None, "device__audio_hash": None},
}


@pytest.mark.parametrize("drift", sorted(WEB_DRIFT))
async def test_web_device_keeps_its_id_through_drift(svc: Running, drift: str) -> None:
    first = await svc.flow()
    later = await svc.flow(web_attributes(**WEB_DRIFT[drift]))
    assert later["device_id"] == first["device_id"], drift
    assert 0.5 <= later["device_confidence"] < 1.0


async def test_a_known_monitor_agrees_after_an_update(svc: Running) -> None:
    docked = {"device__screen_width": 2560, "device__screen_height": 1440}
    first = await svc.flow()
    await svc.flow(web_attributes(**docked, device__pixel_ratio=1.0))
    update = {"software__user_agent": chrome(132), "device__canvas_hash": "0" * 64}
    later = await svc.flow(web_attributes(**docked, **update, device__pixel_ratio=1.0))
    assert later["device_id"] == first["device_id"]


async def test_drift_accumulates_without_losing_the_device(svc: Running) -> None:
    first = await svc.flow()
    steps: list[dict[str, Any]] = [
        {"software__user_agent": chrome(132)},
        {"device__fonts_hash": "f" * 32, "device__fonts_count": 53},
        {"device__screen_width": 2560, "device__screen_height": 1440},
        {"software__user_agent": chrome(133), "device__canvas_hash": "0" * 64},
        {"software__timezone": "Europe/Madrid", "software__timezone_offset_min": 60},
        {"device__pixel_ratio": 1.5},
        {"software__user_agent": chrome(134), "device__audio_hash": "99.1"},
    ]
    attrs: dict[str, Any] = {}
    for step in steps:
        attrs.update(step)
        assert (await svc.flow(web_attributes(**attrs)))["device_id"] == first["device_id"]


@pytest.mark.parametrize(
    "change",
    [
        {"device__fonts_hash": "0" * 32, "device__fonts_count": 12},  # not a few fonts more
        {"software__user_agent": chrome(120)},  # browsers do not go back a version
        {"software__platform": "Linux x86_64"},
        {"device__touch_points": 10},
        {
            "software__user_agent": chrome(131).replace(
                "Windows NT 10.0; Win64; x64", "X11; Linux x86_64"
            )
        },
        {"software__user_agent": chrome(131) + " Edg/131.0.0.0"},  # another browser
        {
            "device__webgl_renderer": "ANGLE (AMD, AMD Radeon RX 6600 (0x000073FF) Direct3D11 "
            "vs_5_0 ps_5_0, D3D11)"
        },
        {
            "software__user_agent": chrome(132),
            "device__canvas_hash": "0" * 64,
            "software__timezone": "Asia/Tokyo",
            "software__languages": ["ja-JP"],
        },
    ],
)
async def test_unexplained_changes_make_another_device(
    svc: Running, change: dict[str, Any]
) -> None:
    first = await svc.flow()
    other = await svc.flow(web_attributes(**change))
    assert other["device_id"] != first["device_id"]
    assert other["device_confidence"] == 0.0


async def test_identical_machines_are_linked_without_confidence(svc: Running) -> None:
    """One disk image on many laptops: nothing tells them apart, so their sessions share an
    ID, and the crowd sketch (one fingerprint, many networks, many sessions) brings the
    confidence under 0.5."""
    answers = []
    for i in range(12):
        answers.append(await svc.flow(headers={"X-Forwarded-For": f"198.51.{i}.10"}))
    assert len({a["device_id"] for a in answers}) == 1
    assert answers[1]["device_confidence"] > 0.5  # two sessions: maybe one machine
    assert all(a["device_confidence"] < 0.5 for a in answers[6:])


async def test_a_persistent_session_keeps_identical_machines_apart(tmp_path: Path) -> None:
    """demo2 has persistent sessions on: identical machines with their own stay apart."""
    async with trio.open_nursery() as nursery:
        svc = await start(nursery, tmp_path / "data", copy_config(tmp_path / "config"))
        try:
            ids = []
            for machine in ("a" * 24, "b" * 24, "a" * 24, "b" * 24):
                attrs = web_attributes(software__persistent_session=machine)
                answer = await svc.flow(attrs, site_key="demo2_site", key="demo2_key")
                ids.append((answer["device_id"], answer["device_confidence"]))
            assert ids[0][0] == ids[2][0] != ids[1][0] == ids[3][0]
            assert ids[2][1] == ids[3][1] == 0.99
        finally:
            await svc.client.aclose()
            nursery.cancel_scope.cancel()


async def test_an_iphone_never_becomes_a_windows_pc(svc: Running) -> None:
    phone = await svc.flow(web_attributes(
        software__user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    ))  # fmt: skip
    for i in range(5):
        pc = await svc.flow(web_attributes(device__canvas_hash=f"{i}" * 64))
        assert pc["device_id"] != phone["device_id"]


async def test_different_devices_get_different_ids(svc: Running) -> None:
    laptop = await svc.flow()
    other = web_attributes(
        device__canvas_hash="a" * 64,
        device__audio_hash="124.08072766105033",
        device__fonts_hash="b" * 32,
        device__webgl_renderer="ANGLE (Intel, Intel(R) UHD "
        "Graphics 620 (0x00005917) Direct3D11 vs_5_0 ps_5_0, D3D11)",
        device__hardware_concurrency=4,
        device__screen_width=1366,
        device__screen_height=768,
    )
    phone = web_attributes(
        software__user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
        software__platform="iPhone",
        device__webgl_renderer="Apple GPU",
        device__webgl_vendor="Apple Inc.",
        device__canvas_hash="c" * 64,
        device__audio_hash="35.10893",
        device__fonts_hash="d" * 32,
        device__touch_points=5,
        device__screen_width=393,
        device__screen_height=852,
        device__pixel_ratio=3,
    )
    ids = {
        laptop["device_id"],
        (await svc.flow(other))["device_id"],
        (await svc.flow(phone))["device_id"],
    }
    assert len(ids) == 3


async def test_one_shared_component_is_not_enough(svc: Running) -> None:
    first = await svc.flow()
    # same GPU model and screen (a common laptop), everything that identifies differs
    twin = web_attributes(
        device__canvas_hash="9" * 64,
        device__audio_hash="1.5",
        device__fonts_hash="8" * 32,
        device__fonts_count=80,
    )
    assert (await svc.flow(twin))["device_id"] != first["device_id"]


async def test_a_phone_rotated_is_the_same_phone(svc: Running) -> None:
    phone = web_attributes(device__screen_width=393, device__screen_height=852)
    first = await svc.flow(phone)
    rotated = web_attributes(device__screen_width=852, device__screen_height=393)
    assert (await svc.flow(rotated))["device_id"] == first["device_id"]


@pytest.mark.parametrize(
    "drift",
    [
        {
            "device__build_fingerprint": "samsung/dm3qxxx/dm3q:14/UP1A.231005.007/"
            "S918BXXU4CXA1:user/release-keys",
            "software__os_version": "14.1",
        },
        {"device__storage_free_mb": 90000, "software__app_version": "5.13.0"},
        {"network__carrier": "Vodafone.de", "software__timezone": "Europe/Vienna"},
    ],
)
async def test_sdk_device_keeps_its_id(svc: Running, drift: dict[str, Any]) -> None:
    first = await svc.flow(android(), channel="android")
    later = await svc.flow(android(**drift), channel="android")
    assert later["device_id"] == first["device_id"]


async def test_another_install_id_is_another_device(svc: Running) -> None:
    # Android keeps its ID across reinstalls of one app; another one means a reset or
    # another phone, and phones of one model are alike in everything else
    first = await svc.flow(android(), channel="android")
    other = await svc.flow(android(device__device_id_hash="0d1e2f3a4b5c6d7e"), channel="android")
    assert other["device_id"] != first["device_id"]


async def test_another_phone_of_the_same_model_is_another_device(svc: Running) -> None:
    first = await svc.flow(android(), channel="android")
    other = android(
        device__device_id_hash="77aa88bb99cc00dd",
        device__storage_free_mb=5000,
        device__build_fingerprint="samsung/dm3qxxx/dm3q:13/TP1A.220624.014/"
        "S918BXXU1AWBD:user/release-keys",
        device__storage_total_mb=488397,
        network__carrier="O2 - DE",
    )
    assert (await svc.flow(other, channel="android"))["device_id"] != first["device_id"]


async def test_erasure_removes_the_device_from_every_index(svc: Running) -> None:
    first = await svc.flow()
    before = await svc.snapshot()
    assert any(k.startswith(b"b:") for k in before)
    assert any(k.startswith(b"u:") for k in before)
    r = await svc.client.post(
        "/v1/erasure",
        json={"device_id": first["device_id"]},
        headers={"Authorization": "Bearer demo_key"},
    )
    assert r.json() == {"deleted": 1}
    left = await svc.snapshot()
    assert not any(k.startswith((b"b:", b"u:", b"d:", b"m:", b"i:")) for k in left)
    assert any(k.startswith(b"k:") for k in left)  # the crowd sketch holds no device
    again = await svc.flow()
    assert again["device_id"] != first["device_id"]
    assert again["device_confidence"] == 0.0


async def test_erasure_at_one_tenant_leaves_another_tenants_confidence(svc: Running) -> None:
    """Issue 17: a device reported as fraud at demo is erased at demo2 and comes back to
    both; at demo its next visit keeps its confidence and its fraud report."""
    first = await svc.flow()
    before = await svc.flow()
    r = await svc.client.post(
        "/v1/feedback",
        json={"session_id": before["session_id"], "label": "fraud"},
        headers={"Authorization": "Bearer demo_key"},
    )
    assert r.status_code == 202, r.text
    other = await svc.flow(site_key="demo2_site", key="demo2_key")
    r = await svc.client.post(
        "/v1/erasure",
        json={"device_id": other["device_id"]},
        headers={"Authorization": "Bearer demo2_key"},
    )
    assert r.status_code == 200, r.text
    await svc.flow(site_key="demo2_site", key="demo2_key")  # back at the erasing tenant
    after = await svc.flow()
    assert after["device_id"] == first["device_id"]
    assert after["device_confidence"] >= before["device_confidence"] - 0.05
    assert after["flags"]["known_fraud_device"] is True
