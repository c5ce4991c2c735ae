"""The built-in plugins as a set: registration, flags, reason codes, weights, features."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest

from engine.flags import FLAG_NAMES
from engine.scoring import pipeline as scoring
from engine.scoring.plugin_host import build_plugin_manager
from tests.plugins.support import (
    PROFILES,
    ROOT,
    build_context,
    build_session,
    plugin_modules,
    profile_session,
    run_all,
    run_plugin,
    suspicious_samples,
)

MODULES = plugin_modules()
API_FLAGS = (
    "proxy, vpn, tor, datacenter_ip, emulator, virtual_machine, automation, timezone_mismatch, "
    "language_mismatch, ua_mismatch, paste_in_form, typing_anomaly, credit_app_stacking, "
    "proxy_app_installed, known_fraud_device, tampering"
)
ENGINE_ATTRIBUTES = set(scoring.ENGINE_ATTRIBUTES)  # the engine adds these itself


def weights() -> dict[str, float]:
    with open(ROOT / "config" / "model.toml", "rb") as f:
        return tomllib.load(f)["weights"]


def all_sessions():
    yield "empty", build_session({}), build_context()
    for name in PROFILES:
        yield name, profile_session(name), build_context()
    yield from suspicious_samples()


def test_flag_names_are_the_api_list_in_order_then_ours() -> None:
    api = tuple(API_FLAGS.split(", "))
    assert FLAG_NAMES[: len(api)] == api
    assert FLAG_NAMES[len(api) :] == (
        "location_mismatch",
        "device_farm",
        "rooted_device",
        "app_tampering",
    )


def test_the_built_in_plugins_are_registered() -> None:
    assert set(MODULES) == {
        "http_client",
        "location",
        "device_farm",
        "phone_hardware",
        "integrity",
        "hosted_phone",
        "user_agent",
        "automation",
        "velocity",
        "emulator",
        "network_risk",
        "locale_mismatch",
        "behaviour",
        "apps",
        "consistency",
        "tampering",
        "engine_version",
        "header_order",
        "privacy_browser",
        "input_realism",
        "outdated_browser",
    }


def test_installed_entry_points_match_pyproject() -> None:
    installed = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="anonscore")}
    expected = {name: module.__name__ for name, module in MODULES.items()}
    assert installed == expected, "entry points are stale: run `.venv/bin/pip install -e .`"


def test_pluggy_accepts_every_hook() -> None:
    pm = build_plugin_manager(MODULES.values(), entry_points=False)  # check_pending inside
    assert {name for name, _ in pm.list_name_plugin()} == set(MODULES)
    for module in MODULES.values():
        assert hasattr(module, "anonscore_describe_features"), module.__name__


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_declares_flags_codes_and_features(name: str) -> None:
    module = MODULES[name]
    assert isinstance(module.FLAGS, tuple)
    assert isinstance(module.CODES, tuple)
    assert module.CODES, "a plugin without a reason code cannot move the score"
    assert set(module.FLAGS) <= set(FLAG_NAMES)
    for code in module.CODES:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", code), code
    assert module.anonscore_describe_features() == module.FEATURES
    for feature, description in module.FEATURES.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", feature), feature
        assert description.strip(), feature


def test_every_flag_is_set_by_some_plugin() -> None:
    settable = {flag for module in MODULES.values() for flag in module.FLAGS}
    assert settable == set(FLAG_NAMES)


def test_every_code_has_a_weight_and_every_weight_a_code() -> None:
    codes = [code for module in MODULES.values() for code in module.CODES]
    assert len(codes) == len(set(codes)), "a reason code belongs to one plugin"
    model = weights()
    assert sorted(set(codes) - set(model)) == [], "codes without a weight in config/model.toml"
    engine_codes = {"PERSONAL_DATA_REFUSED"}  # the engine's own (engine/sessions/refusal.py)
    assert sorted(set(model) - set(codes) - engine_codes) == [], "weights of codes no one emits"
    assert all(-20 <= w <= 20 for w in model.values())


def test_codes_in_sources_are_declared() -> None:
    for module in MODULES.values():
        source = Path(module.__file__).read_text(encoding="utf-8")
        literal = set(re.findall(r'code="([A-Z0-9_]+)"', source))
        table = set(re.findall(r'\("([A-Z][A-Z0-9_]+)", "\w+_velocity"', source))
        assert literal | table <= set(module.CODES), module.__name__


def test_feature_names_are_unique_and_leave_engine_names_alone() -> None:
    names = [f for module in MODULES.values() for f in module.FEATURES]
    assert len(names) == len(set(names))
    assert not set(names) & ENGINE_ATTRIBUTES


def test_every_code_and_flag_is_reachable() -> None:
    codes: set[str] = set()
    flags: set[str] = set()
    for _, session, context in suspicious_samples():
        for hits in run_all(MODULES, session, context)[1].values():
            codes |= {h.code for h in hits}
            flags |= {h.flag for h in hits if h.flag}
    assert codes == {code for module in MODULES.values() for code in module.CODES}
    assert flags == set(FLAG_NAMES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_extractors_return_exactly_the_described_features(name: str) -> None:
    module = MODULES[name]
    described = set(module.anonscore_describe_features())
    for sample, session, context in all_sessions():
        features, hits = run_plugin(module, session, context)
        assert set(features) == described, sample
        for hit in hits:
            assert hit.code in module.CODES, sample
            assert hit.flag is None or hit.flag in module.FLAGS, sample
            assert 0.0 <= hit.strength <= 1.0, sample


def test_no_plugin_fires_on_real_devices(real_profile) -> None:
    for module in MODULES.values():
        assert run_plugin(module, real_profile, build_context())[1] == [], module.__name__
