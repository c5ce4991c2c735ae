"""Shared test helpers: a realistic web payload, a running service, store snapshots."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import httpx
import msgspec
import trio

from engine.runtime.server import Handle, ServeOptions, serve
from engine.store.keys import SWEEP_BOOKKEEPING

REPO = Path(__file__).resolve().parent.parent
ORIGIN = "http://127.0.0.1:8080"
JSON = {"Content-Type": "application/json"}
OPERATOR = {"Authorization": "Bearer demo_operator_token"}  # config/service.toml's demo token

CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

WEB_ATTRIBUTES: dict[str, Any] = {
    "device": {
        "screen_width": 1920,
        "screen_height": 1080,
        "pixel_ratio": 1.25,
        "color_depth": 24,
        "hardware_concurrency": 8,
        "device_memory": 8,
        "touch_points": 0,
        "webgl_vendor": "Google Inc. (NVIDIA)",
        "webgl_renderer": "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 "
        "vs_5_0 ps_5_0, D3D11)",
        "canvas_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "audio_hash": "124.04347527516074",
        "fonts_hash": "c3ab8ff13720e8ad9047dd39466b3c89",
        "fonts_count": 52,
        "plugins_count": 5,
    },
    "software": {
        "user_agent": CHROME_WIN,
        "platform": "Win32",
        "languages": ["en-GB", "en"],
        "timezone": "Europe/London",
        "timezone_offset_min": 0,
        "do_not_track": False,
        "webdriver": False,
    },
    "network": {"connection_type": "4g", "downlink_mbps": 10.0, "rtt_ms": 50},
    "behaviour": {
        "time_on_page_ms": 95000,
        "history_length": 3,
        "pages_visited": 2,
        "referrer_host": "www.example.com",
        "fields": [
            {
                "name": "full_name",
                "chars_typed": 14,
                "chars_pasted": 0,
                "corrections": 1,
                "focus_ms": 5200,
            },
            {
                "name": "amount",
                "chars_typed": 4,
                "chars_pasted": 0,
                "corrections": 0,
                "focus_ms": 1900,
            },
        ],
    },
}


ANDROID_ATTRIBUTES: dict[str, Any] = {
    "device": {
        "manufacturer": "samsung",
        "brand": "samsung",
        "model": "SM-S918B",
        "hardware": "qcom",
        "product": "dm3qxxx",
        "build_fingerprint": "samsung/dm3qxxx/dm3q:14/UP1A.231005.007/"
        "S918BXXU3BWK5:user/release-keys",
        "sensors": ["LSM6DSO Accelerometer", "AK09918 Magnetometer"],
        "battery_level": 0.64,
        "battery_charging": False,
        "storage_total_mb": 244198,
        "storage_free_mb": 120331,
        "screen_width": 1080,
        "screen_height": 2340,
        "device_id_hash": "5f1c9a2be44d0c7a",
    },
    "software": {
        "user_agent": "Dalvik/2.1.0 (Linux; U; Android 14; SM-S918B Build/UP1A.231005.007)",
        "os": "Android",
        "os_version": "14",
        "app_id": "com.example.loans",
        "app_version": "5.12.0 (51200)",
        "languages": ["de-DE"],
        "timezone": "Europe/Berlin",
        "timezone_offset_min": 60,
    },
    "network": {
        "connection_type": "cellular",
        "carrier": "Telekom.de",
        "sim_country": "de",
        "wifi_on": False,
        "bluetooth_on": True,
        "vpn_active": False,
    },
}


def _with(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    attrs = copy.deepcopy(base)
    for key, value in overrides.items():
        group, _, name = key.partition("__")
        attrs.setdefault(group, {})[name] = value
    return attrs


def web_attributes(**overrides: Any) -> dict[str, Any]:
    """A deep copy of WEB_ATTRIBUTES with `group__field=value` overrides."""
    return _with(WEB_ATTRIBUTES, overrides)


def android_attributes(**overrides: Any) -> dict[str, Any]:
    """A deep copy of ANDROID_ATTRIBUTES (an SDK payload) with `group__field=value` overrides."""
    return _with(ANDROID_ATTRIBUTES, overrides)


def copy_config(dst: Path, *, extra_origin: str | None = None) -> Path:
    shutil.copytree(REPO / "config", dst)
    if extra_origin:
        path = dst / "tenants.toml"
        text = path.read_text().replace(
            'allowed_origins = ["http://127.0.0.1:8080"',
            f'allowed_origins = ["{extra_origin}", "http://127.0.0.1:8080"',
        )
        path.write_text(text)
    return dst


class Running:
    """A service running in this test's nursery, with an httpx client bound to it."""

    def __init__(self, handle: Handle, client: httpx.AsyncClient) -> None:
        self.handle = handle
        self.client = client
        self.url = f"http://127.0.0.1:{handle.port}"

    @property
    def service(self) -> Any:
        return self.handle.state.service

    def sh(self, session_id: str) -> str:
        """The store's name for a session (a keyed hash of its token)."""
        from engine.sessions.tokens import session_hash

        return session_hash(self.service.keys.hashing, session_id)

    async def session(self, site_key: str = "demo_site") -> str:
        r = await self.client.post(
            "/v1/sessions", json={"site_key": site_key}, headers={"Origin": ORIGIN}
        )
        assert r.status_code == 201, r.text
        return str(r.json()["session_id"])

    async def collect(
        self,
        sid: str,
        attributes: dict[str, Any] | None = None,
        site_key: str = "demo_site",
        channel: str = "web",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        payload = web_attributes() if attributes is None else attributes
        body = {"session_id": sid, "site_key": site_key, "channel": channel, "attributes": payload}
        sent = {"Origin": ORIGIN, **(headers or {})}
        # As a browser (or an SDK's HTTP stack) does: the header is the payload's user agent.
        ua = payload.get("software", {}).get("user_agent")
        if ua and not any(k.lower() == "user-agent" for k in sent):
            sent["User-Agent"] = ua
        return await self.client.post("/v1/collect", json=body, headers=sent)

    async def score(self, sid: str, key: str = "demo_key") -> httpx.Response:
        return await self.client.post(
            "/v1/score", json={"session_id": sid}, headers={"Authorization": f"Bearer {key}"}
        )

    async def flow(
        self,
        attributes: dict[str, Any] | None = None,
        site_key: str = "demo_site",
        key: str = "demo_key",
        **kw: Any,
    ) -> dict[str, Any]:
        sid = await self.session(site_key)
        r = await self.collect(sid, attributes, site_key=site_key, **kw)
        assert r.status_code == 202, r.text
        r = await self.score(sid, key)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def snapshot(self) -> dict[bytes, bytes]:
        """Every key and value in every region's store, byte for byte."""
        out: dict[bytes, bytes] = {}
        for store in self.service.stores.values():
            rows = dict(await store.scan(b"", limit=10_000_000))
            # each store's own sweep cursor (engine/lifecycle/expiry.py): no data, not a record
            rows = {k: v for k, v in rows.items() if not k.startswith(SWEEP_BOOKKEEPING)}
            assert not set(rows) & set(out), "one key in two regions"
            out.update(rows)
        return out


async def start(nursery: trio.Nursery, data_dir: Path, config_dir: Path) -> Running:
    opts = ServeOptions(host="127.0.0.1", port=0, data_dir=data_dir, config_dir=config_dir)
    handle: Handle = await nursery.start(serve, opts)
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{handle.port}", timeout=10)
    return Running(handle, client)


def decode(resp: httpx.Response) -> Any:
    return msgspec.json.decode(resp.content)


def tenant_setting(config_dir: Path, tenant: str, line: str) -> None:
    """Add a `key = value` line to one tenant's table in config_dir/tenants.toml."""
    path = config_dir / "tenants.toml"
    header = f"[tenants.{tenant}]\n"
    text = path.read_text()
    assert header in text, tenant
    path.write_text(text.replace(header, f"{header}{line}\n", 1))


def service_setting(config_dir: Path, line: str) -> None:
    """Add a `key = value` line to config_dir/service.toml."""
    path = config_dir / "service.toml"
    path.write_text(path.read_text() + f"\n{line}\n")
