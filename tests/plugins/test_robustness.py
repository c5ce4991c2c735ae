"""Every plugin survives any payload the schema accepts, and any context.

Payloads are generated from the schema itself (msgspec.inspect), seeded with real-world
strings for the fields the plugins parse, so a new attribute is fuzzed without a test edit.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import msgspec.inspect as mi
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.features import DeviceHistory, ReportEvidence, Velocity
from engine.schema import Attributes
from plugins import automation
from tests.plugins.support import (
    ANGLE_M1,
    ANGLE_NVIDIA,
    NOW,
    UA,
    build_context,
    build_session,
    plugin_modules,
    run_plugin,
)

MODULES = plugin_modules()
PAGE_SIGNALS = [*automation.PAGE_SIGNALS, "screen_window_without_ui", "unknown_signal"]
HASH_ALPHABET = "0123456789abcdefXYZ_-+/=:."

REAL: dict[str, list[Any]] = {
    "user_agent": [*UA.values(), "", "Mozilla/5.0"],
    "platform": [
        "Win32",
        "MacIntel",
        "iPhone",
        "iPad",
        "Linux armv81",
        "Linux x86_64",
        "Android",
        "iOS",
        "",
    ],
    "timezone": [
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Calcutta",
        "Atlantic/Reykjavik",
        "Mars/Base",
        "../x",
        "",
    ],
    "webgl_renderer": [
        ANGLE_NVIDIA,
        ANGLE_M1,
        "Apple GPU",
        "Google SwiftShader",
        "llvmpipe",
        "VMware SVGA 3D",
        "Adreno (TM) 740",
        "Android Emulator OpenGL ES",
        "",
    ],
    "os": ["Android", "iOS", "Windows", ""],
    "model": ["sdk_gphone64_x86_64", "arm64", "Pixel 7", ""],
    "hardware": ["ranchu", "goldfish", "qcom", ""],
    "build_fingerprint": ["generic_x86/sdk/x:7/N/1:userdebug/test-keys", "google/panther/x", ""],
    "carrier": ["Android", "Verizon", ""],
}
CATEGORY_NAMES = st.sampled_from(["credit", "proxy", "vpn", "games", "Proxy", ""]) | st.text(
    max_size=32
)


def strategy(t: mi.Type, name: str = "") -> st.SearchStrategy[Any]:
    if isinstance(t, mi.Metadata):
        return strategy(t.type, name)
    if isinstance(t, mi.StructType):
        fields = {f.name: strategy(f.type, f.name) for f in t.fields}
        required = {f.name for f in t.fields if f.required}
        return st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={k: v for k, v in fields.items() if k not in required},
        )
    if isinstance(t, mi.UnionType):
        return st.one_of(*(strategy(x, name) for x in t.types))
    if isinstance(t, mi.NoneType):
        return st.none()
    if isinstance(t, mi.LiteralType):
        return st.sampled_from(t.values)
    if isinstance(t, mi.BoolType):
        return st.booleans()
    if isinstance(t, mi.IntType):
        lo = t.ge if t.ge is not None else -(2**40)
        hi = t.le if t.le is not None else 2**40
        return st.integers(lo, hi) | st.sampled_from([lo, hi, max(lo, 0), min(hi, 1)])
    if isinstance(t, mi.FloatType):
        lo = t.ge if t.ge is not None else -1e12
        hi = t.le if t.le is not None else 1e12
        return st.floats(lo, hi, allow_nan=False) | st.sampled_from([lo, hi, 1.0])
    if isinstance(t, mi.StrType):
        size = min(t.max_length or 64, 64)
        if t.pattern == r"^[a-z0-9_]+$":  # collector.js signal names
            return st.sampled_from(PAGE_SIGNALS) | st.from_regex(r"\A[a-z0-9_]{1,12}\Z")
        if t.pattern is not None:
            return st.text(alphabet=HASH_ALPHABET, max_size=size)
        text = st.text(max_size=size)
        if name in REAL:
            return st.sampled_from(REAL[name]) | text
        return text
    if isinstance(t, mi.ListType):
        size = 30 if name == "keystroke_intervals_ms" else 4
        return st.lists(strategy(t.item_type, name), max_size=min(t.max_length or size, size))
    if isinstance(t, mi.DictType):
        keys = CATEGORY_NAMES if name == "category_counts" else strategy(t.key_type)
        return st.dictionaries(keys, strategy(t.value_type), max_size=4)
    raise AssertionError(f"no strategy for {t!r}")


ATTRIBUTES = strategy(mi.type_info(Attributes))
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(0, 2**20) | st.booleans(), max_size=3),
)
SETTINGS = st.dictionaries(
    st.sampled_from(
        [
            "device_1h_max",
            "stacking_min_clients",
            "credit_apps_max",
            "min_soft_signals",
            "min_ms_per_char",
            "fast_min_chars",
            "min_ms_per_field",
            "fast_min_fields",
            "extra_datacenter_asns",
            "ignore_asns",
            "max_chars_per_second",
            "good_history_min",
        ]
    ),
    ODD,
    max_size=4,
)
COUNT = st.integers(0, 10**6)
VELOCITY = st.builds(Velocity, h1=COUNT, h24=COUNT)
HISTORY = st.builds(
    DeviceHistory,
    known=st.booleans(),
    first_seen=st.none() | st.floats(0, NOW * 2),
    sessions=COUNT,
    other_tenants=COUNT,
    user_agents=st.lists(st.text(max_size=5), max_size=3).map(tuple),
    fraud_reports=COUNT,
    damage_reports=COUNT,
    good_reports=COUNT,
    confidence=st.floats(0, 1),
    reports=st.builds(ReportEvidence, own=COUNT, reporters=COUNT, weight=st.floats(0, 1)),
)
ALLOWED = (int, float, str, bool, type(None))


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    attrs=ATTRIBUTES,
    channel=st.sampled_from(["web", "android", "ios"]),
    ip_country=st.none() | st.sampled_from(["US", "DE", "EU", "--", "", "zz"]),
    ip_asn=st.none() | st.sampled_from([16509, 9009, 7922, 0, -1]) | st.integers(0, 2**32),
    header=st.lists(st.text(max_size=8) | st.sampled_from(["en", "de", "*"]), max_size=3),
    dnt=st.none() | st.booleans(),
    collected_at=st.sampled_from([NOW, 0.0, 1e11]),
    tenant_settings=SETTINGS,
    device_velocity=VELOCITY,
    history=HISTORY,
    ip_fraud=COUNT,
    http=st.fixed_dictionaries(
        {},
        optional={
            "http_user_agent": st.sampled_from([*UA.values(), "", "firefox", "Hello World"])
            | st.text(max_size=40),
            "http_ch_ua": st.sampled_from(
                ['"Chromium";v="156", "Not:A-Brand";v="8"', '"HeadlessChrome";v="1"', "", ","]
            )
            | st.text(max_size=40),
            "http_ch_ua_mobile": st.booleans(),
            "http_ch_ua_platform": st.sampled_from(["Windows", "Linux", "Android", "", "x"]),
            "http_withheld": st.just(("user-agent",)),
            "wifi_devices_h24": COUNT,
        },
    ),
)
def test_plugins_never_raise(
    attrs: dict[str, Any],
    channel: str,
    ip_country: str | None,
    ip_asn: int | None,
    header: list[str],
    dnt: bool | None,
    collected_at: float,
    tenant_settings: dict[str, Any],
    device_velocity: Velocity,
    history: DeviceHistory,
    ip_fraud: int,
    http: dict[str, Any],
) -> None:
    msgspec.convert(attrs, Attributes)  # the generator only makes valid payloads
    session = build_session(
        attrs,
        channel=channel,
        ip_country=ip_country,
        ip_asn=ip_asn,
        header_languages=tuple(header),
        do_not_track_header=dnt,
        collected_at=collected_at,
        **http,
    )
    context = build_context(
        tenant_settings,
        device_velocity=device_velocity,
        ip_velocity=device_velocity,
        device_history=history,
        ip_fraud_reports=ip_fraud,
        ip_reports=ReportEvidence(own=ip_fraud, reporters=ip_fraud, weight=0.5),
    )
    for module in MODULES.values():
        features, hits = run_plugin(module, session, context, all_features=True)
        assert set(features) == set(module.FEATURES)
        for value in features.values():
            assert isinstance(value, ALLOWED)
            assert not isinstance(value, float) or math.isfinite(value)
        for hit in hits:
            assert hit.code in module.CODES
            assert hit.flag is None or hit.flag in module.FLAGS
            assert 0.0 <= hit.strength <= 1.0
