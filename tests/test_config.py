"""Config loading: bad files stop start-up with a message naming file, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import format_api_key_hash, load_config
from engine.errors import ConfigError
from tests.support import REPO, copy_config


def test_shipped_config_loads() -> None:
    cfg = load_config(REPO / "config")
    assert set(cfg.tenants) >= {"demo", "demo2"}
    assert cfg.tenants["demo"].optional == frozenset()
    assert cfg.tenants["demo2"].optional == frozenset(
        {
            "typing_rhythm",
            "wifi_router_mac",
            "bluetooth_details",
            "persistent_session",
            "geolocation",
        }
    )
    assert cfg.tenant_for_api_key("demo_key") is cfg.tenants["demo"]
    assert cfg.tenant_for_api_key("demo2_key") is cfg.tenants["demo2"]
    assert cfg.tenant_for_api_key("demo_key ") is None
    assert cfg.by_site_key["demo_site"].allowed_origins == {
        "http://127.0.0.1:8080",
        "http://localhost:8080",
    }


def _edit(cfg: Path, name: str, old: str, new: str) -> None:
    path = cfg / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "tenants.toml",
            "optional = []",
            'optional = ["typing_rythm"]',
            "tenants.toml: tenant 'demo': unknown optional attribute 'typing_rythm'; known: "
            "typing_rhythm, wifi_router_mac",
        ),
        (
            "tenants.toml",
            'site_key = "demo2_site"',
            'site_key = "demo_site"',
            "tenant 'demo2': site_key is already used by tenant 'demo'",
        ),
        (
            "tenants.toml",
            "retention_days = 730",
            "retention_days = 9999",
            "tenant 'demo': retention_days must be between 30 and 730",
        ),
        (
            "tenants.toml",
            'region = "eu"',
            'region = "eu"\nphone_regions = ["PL", "XX"]',
            "tenant 'demo': phone_regions must be ISO 3166 alpha-2 codes such as \"DE\", each once",
        ),
        (  # issue 15: a file cut before this line fell silently to a 30-day default
            "tenants.toml",
            "retention_days = 730\n",
            "",
            "tenants.toml: tenant 'demo': retention_days is missing; every tenant states how "
            "long its data is kept (30 to 730 days)",
        ),
        (
            "tenants.toml",
            'region = "eu"',
            'region = "mars"',
            "tenant 'demo': region 'mars' is not in service.toml regions",
        ),
        (
            "tenants.toml",
            'site_key = "demo_site"',
            "site_key = 5",
            "tenants.toml: Expected `str`, got `int` - at `tenants.demo.site_key`",
        ),
        (
            "tenants.toml",
            'name = "Demo lender',
            'colour = "red"\nname = "Demo lender',
            "tenants.toml: Object contains unknown field `colour` - at `tenants.demo`",
        ),
        (
            "tenants.toml",
            'api_key_hash = "sha256:a49a',
            'api_key_hash = "md5:a49a',
            "tenant 'demo': api_key_hash must be 'sha256:<64 hex digits>'",
        ),
        ("tenants.toml", "[tenants.demo]", "[tenants.demo", "tenants.toml: not valid TOML"),
        (
            "service.toml",
            "request_deadline_ms = 2000",
            "request_deadline_ms = 0",
            "service.toml: request_deadline_ms must be between 10 and 60000",
        ),
        (
            "service.toml",
            'trusted_proxies = ["127.0.0.1"',
            'trusted_proxies = ["localhost"',
            "service.toml: trusted_proxies entry is not an IP address or network",
        ),
        (
            "model.toml",
            "bias = ",
            'bias = "high"\nxbias = ',
            "model.toml: Expected `float`, got `str` - at `bias`",
        ),
        (
            "model.toml",
            "DEVICE_GOOD_HISTORY = 0.0",
            "DEVICE_GOOD_HISTORY = 0.5",
            "model.toml: weights.DEVICE_GOOD_HISTORY must be 0 or below",
        ),
        (
            "model.toml",
            'lowers = ["DEVICE_GOOD_HISTORY"]',
            'lowers = ["DEVICE_GOOD_HISTORY", "NO_SUCH_CODE"]',
            "model.toml: lowers names NO_SUCH_CODE, which has no entry in [weights]",
        ),
    ],
)
def test_bad_config_names_file_key_and_problem(
    tmp_path: Path, name: str, old: str, new: str, expected: str
) -> None:
    cfg = copy_config(tmp_path / "cfg")
    _edit(cfg, name, old, new)
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert expected in str(info.value)
    assert str(cfg / name) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    cfg = copy_config(tmp_path / "cfg")
    (cfg / "model.toml").unlink()
    with pytest.raises(ConfigError, match=r"model\.toml: file not found"):
        load_config(cfg)


def test_unknown_plugin_toggle(tmp_path: Path) -> None:
    cfg = copy_config(tmp_path / "cfg")
    _edit(
        cfg, "tenants.toml", "[tenants.demo2.plugins.velocity]", "[tenants.demo2.plugins.velocty]"
    )
    with pytest.raises(ConfigError, match="unknown plugin 'velocty'; known: "):
        load_config(cfg, plugin_names=frozenset({"velocity", "automation"}))


def test_api_key_hash_format() -> None:
    value = format_api_key_hash("a-long-random-api-key")
    assert value.startswith("sha256:")
    assert len(value) == len("sha256:") + 64
    assert "a-long-random-api-key" not in value


def test_sync_writes_is_off_by_default_and_can_be_turned_on(tmp_path: Path) -> None:
    assert load_config(REPO / "config").service.sync_writes is False
    cfg = copy_config(tmp_path / "cfg")
    _edit(cfg, "service.toml", "sync_writes = false", "sync_writes = true")
    assert load_config(cfg).service.sync_writes is True


def test_the_device_mac_is_the_operators_legacy_setting_not_a_tenant_toggle(
    tmp_path: Path,
) -> None:
    cfg = copy_config(tmp_path / "cfg")
    _edit(cfg, "tenants.toml", "optional = []", 'optional = ["device_mac"]')
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert "device_mac cannot be enabled by a tenant" in str(info.value)
    assert "before September 2023" in str(info.value)
    assert "[legacy_device_mac]" in str(info.value)
    shipped = load_config(REPO / "config")
    demo2 = shipped.tenants["demo2"]
    assert demo2.collect_flags()["device_mac"] is True
    assert "device_mac" in demo2.optional_for("2.9.4")
    assert "device_mac" in demo2.optional_for("2.1")
    assert "device_mac" not in demo2.optional_for("3.0.0")
    assert "device_mac" not in demo2.optional_for(None)
    assert "device_mac" not in demo2.optional_for("2.9.4-beta")
    assert "device_mac" not in shipped.tenants["demo"].optional_for("1.0")


def test_legacy_device_mac_names_real_tenants_and_versions(tmp_path: Path) -> None:
    cfg = copy_config(tmp_path / "cfg")
    _edit(cfg, "service.toml", 'demo2 = "2.9.4"', 'nobody = "2.9.4"')
    with pytest.raises(ConfigError, match="names tenant 'nobody'"):
        load_config(cfg)
    cfg = copy_config(tmp_path / "cfg2")
    _edit(cfg, "service.toml", 'demo2 = "2.9.4"', 'demo2 = "latest"')
    with pytest.raises(ConfigError, match=r"legacy_device_mac\.demo2 must be an SDK version"):
        load_config(cfg)
