"""engine/privacy/firewall.py: scanning whole payloads, and sanitizing Attributes."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import PersonalData, ValidationFailed
from engine.privacy.detectors import CARD, PHONE, luhn_valid
from engine.privacy.firewall import (
    MAX_DEPTH,
    OPTIONAL_ATTRIBUTES,
    coarsen_location,
    pseudonymise,
    sanitize,
    scan_payload,
)
from engine.schema import Attributes, Behaviour, Device, Location, Network, Software
from tests.privacy.strategies import device_strings, embedded, identifiers, regions
from tests.support import WEB_ATTRIBUTES

EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- scanning -------------------------------------------------------------------------------

_NAMES = [
    "device", "software", "network", "extras", "fields", "name", "user_agent", "sensors",
    "webgl_renderer", "build_fingerprint", "comment", "extra", "items", "meta", "k", "x_y",
]  # fmt: skip
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(-1e9, 1e9, allow_nan=False),
    device_strings,
)
payloads = st.recursive(
    st.dictionaries(st.sampled_from(_NAMES), _leaves, max_size=4),
    lambda children: st.one_of(
        st.lists(children | _leaves, max_size=4),
        st.dictionaries(st.sampled_from(_NAMES), children | _leaves, max_size=4),
    ),
    max_leaves=20,
).filter(lambda tree: isinstance(tree, dict))


def _message(kind: str) -> str:
    return f"a direct identifier ({kind}) is not accepted here"


def _containers(node: Any) -> list[tuple[str, Any]]:
    pairs = node.items() if isinstance(node, dict) else enumerate(node)
    return [(str(key), child) for key, child in pairs if isinstance(child, dict | list)]


@EXAMPLES
@given(payloads, identifiers, st.data())
def test_an_identifier_anywhere_is_refused_at_its_exact_path(
    tree: dict[str, Any], identifier: tuple[str, str], data: st.DataObject
) -> None:
    kind, value = identifier
    text = data.draw(embedded(st.just(value)))
    scan_payload(tree, "attributes")  # the benign payload passes
    node: Any = tree
    path = "attributes"
    while True:
        children = _containers(node)
        if not children or not data.draw(st.booleans()):
            break
        key, node = data.draw(st.sampled_from(children))
        path = f"{path}.{key}"
    if isinstance(node, list):
        index = data.draw(st.integers(0, len(node)))
        node.insert(index, text)
        expected = f"{path}.{index}"
    elif data.draw(st.booleans()):
        key = data.draw(st.sampled_from(_NAMES))
        node[key] = text
        expected = f"{path}.{key}"
    else:
        node[text] = 1  # in a key: the holding object is named, never the key itself
        expected = path
    with pytest.raises(PersonalData) as caught:
        scan_payload(tree, "attributes")
    assert caught.value.field == expected
    assert caught.value.message == _message(kind)
    assert value not in str(caught.value)
    assert value not in (caught.value.field or "")


def _luhn_complete(body: str) -> str:
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


@EXAMPLES
@given(
    st.one_of(
        st.tuples(st.just(CARD), st.from_regex(r"4[0-9]{14}", fullmatch=True).map(_luhn_complete)),
        st.tuples(st.just(PHONE), st.from_regex(r"79[0-9]{9}", fullmatch=True)),
    ),
    st.sampled_from([int, float]),
)
def test_numbers_sent_as_json_numbers_are_scanned(
    identifier: tuple[str, str], as_type: type[float]
) -> None:
    kind, digits = identifier
    number = digits + (".0" if as_type is float else "")
    payload = msgspec.json.decode(f'{{"custom": {{"ref": [1, {number}]}}}}')
    with pytest.raises(PersonalData) as caught:
        scan_payload(payload, "attributes")
    assert caught.value.field == "attributes.custom.ref.1"
    assert caught.value.message == _message(kind)


def test_messages_and_paths_match_the_api_contract() -> None:
    body = msgspec.json.decode(
        b'{"attributes": {"custom": {"comment": "mail me: jane.doe@example.org"}}}'
    )
    with pytest.raises(PersonalData) as caught:
        scan_payload(body, "")
    assert caught.value.field == "attributes.custom.comment"
    assert caught.value.message == "a direct identifier (e-mail address) is not accepted here"
    assert caught.value.status == 422
    assert caught.value.code == "personal_data"


def test_list_items_use_the_nearest_named_key_for_document_fields() -> None:
    with pytest.raises(PersonalData, match="identity document number") as caught:
        scan_payload({"passport": ["AB1234567"]}, "attributes.custom")
    assert caught.value.field == "attributes.custom.passport.0"
    with pytest.raises(PersonalData) as caught:
        scan_payload({"passport": {"number": 4506123456}}, "x")
    assert caught.value.field == "x.passport.number"
    scan_payload({"build": ["AB1234567"], "count": 123456, "ts": 1732370000000}, "x")


def test_benign_real_payload_passes() -> None:
    scan_payload(_REAL_PAYLOAD, "")
    for region in (None, "RU", "DE", "GB", "US", "HK", "NC", "PL"):
        scan_payload(_REAL_PAYLOAD, "", region=region)
        scan_payload({"attributes": WEB_ATTRIBUTES}, "", region=region)


@pytest.mark.parametrize(
    ("payload", "path", "kind"),
    [
        ({"custom": {"full_name": "John Smith"}}, "attributes.custom.full_name", "personal name"),
        ({"custom": {"name": "John Smith"}}, "attributes.custom.name", "personal name"),
        ({"custom": {"ФИО": "Иванов Иван"}}, "attributes.custom.ФИО", "personal name"),
        ({"custom": {"lastName": "Li"}}, "attributes.custom.lastName", "personal name"),
        ({"custom": {"dob": 19900517}}, "attributes.custom.dob", "date of birth"),
        ({"custom": {"date-of-birth": "17.05.1990"}}, "attributes.custom.date-of-birth",
         "date of birth"),
        ({"custom": {"address": {"city": "Berlin"}}}, "attributes.custom.address.city",
         "postal address"),
        ({"custom": {"applicant": {"name": "John"}}}, "attributes.custom.applicant.name",
         "personal name"),
        ({"custom": {"full_name": ["John", "Smith"]}}, "attributes.custom.full_name.0",
         "personal name"),
        ({"custom": {"comment": "паспорт 4509 123456"}}, "attributes.custom.comment",
         "identity document number"),
        ({"custom": {"phone": "7012"}}, "attributes.custom.phone", "phone number"),
    ],
)  # fmt: skip
def test_personal_data_in_fields_named_for_it(payload: Any, path: str, kind: str) -> None:
    with pytest.raises(PersonalData) as caught:
        scan_payload(payload, "attributes", region="NU")
    assert caught.value.field == path
    assert caught.value.message == _message(kind)


@pytest.mark.parametrize(
    "payload",
    [
        {"behaviour": {"fields": [{"name": "full_name", "chars_typed": 14}]}},
        {"behaviour": {"fields": [{"name": "first_name"}, {"name": "email"}]}},
        {"custom": {"first_name": 3, "last_name": True, "address": None}},
        {"device": {"sensors": [{"name": "Accelerometer"}, {"name": "Gyroscope"}]}},
        {"device": {"plugin": {"name": "PDF Viewer"}}},
        {"software": {"voices": [{"name": "Microsoft David"}]}},
        {"custom": {"app_name": "Loans", "username_length": 7, "ip_address": "10.0.0.1"}},
        {"software": {"name": "Chrome"}, "network": {"name": "MegaFon"}},
        {"name": "MegaFon"},
    ],
)
def test_labels_and_counts_named_like_personal_fields_pass(payload: Any) -> None:
    scan_payload(payload, "attributes")


def test_a_key_is_never_judged_as_a_name_by_its_parent() -> None:
    scan_payload({"custom": {"full_name": {"first": 1, "last": 2}}}, "attributes")
    with pytest.raises(PersonalData) as caught:
        scan_payload({"custom": {"passport": {"AB1234567": 1}}}, "attributes")
    assert caught.value.field == "attributes.custom.passport"


def test_the_region_reaches_the_phone_detector() -> None:
    payload = {"custom": {"note": "512 345 678"}}
    scan_payload(payload, "attributes")
    scan_payload(payload, "attributes", region="US")
    with pytest.raises(PersonalData) as caught:
        scan_payload(payload, "attributes", region="PL")
    assert caught.value.field == "attributes.custom.note"
    with pytest.raises(PersonalData):
        scan_payload({"custom": {"ref": ["512 345 678"]}}, "attributes", region="pl")
    scan_payload({"custom": {"ref": [512345678]}}, "attributes", region="PL")  # bare: no


@EXAMPLES
@given(payloads, regions)
def test_benign_payloads_pass_in_every_region(tree: dict[str, Any], region: str | None) -> None:
    scan_payload(tree, "attributes", region=region)


@EXAMPLES
@given(payloads, regions)
def test_benign_payloads_pass_with_a_tenants_declared_regions(
    tree: dict[str, Any], region: str | None
) -> None:
    scan_payload(tree, "attributes", region=region, also=("DE", "PL", "MX", "ES", "us"))


def test_declared_regions_reach_the_phone_detector() -> None:
    payload = {"custom": {"note": "call 512 345 678"}}
    scan_payload(payload, "attributes", region="ES")
    with pytest.raises(PersonalData) as caught:
        scan_payload(payload, "attributes", region="ES", also=("pl",))
    assert caught.value.field == "attributes.custom.note"


def test_nesting_is_limited() -> None:
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH):
        deep = [deep]
    scan_payload(deep, "a")
    with pytest.raises(ValidationFailed) as caught:
        scan_payload({"k": deep}, "a")
    assert caught.value.message == "nesting deeper than 16 levels is not accepted"
    assert caught.value.field == "a.k" + ".0" * (MAX_DEPTH - 1)


# -- sanitizing -----------------------------------------------------------------------------

SECRET = b"test-secret-0123456789abcdef"
MAC = "3C:22:FB:12:34:56"
BSSID = "a4-2b-b0-99-88-77"
PERSISTENT = "9b74c9897bac770ffc029102a200c5de7ee4d2c3e09a6f3a1b3c5e7d9f1a2b3c"
DEVICE_ID = "9774d56d682e549c"


def _full() -> Attributes:
    return Attributes(
        device=Device(device_id_hash=DEVICE_ID, mac_hash=MAC, screen_width=390),
        network=Network(wifi_bssid_hash=BSSID, bluetooth_devices=3, bluetooth_on=True),
        behaviour=Behaviour(keystroke_intervals_ms=[120, 95, 180], time_on_page_ms=5000),
        location=Location(lat=55.751244, lon=37.618423, accuracy_m=12.5),
        software=Software(persistent_session=PERSISTENT),
    )


def test_optional_attributes_catalogue() -> None:
    assert set(OPTIONAL_ATTRIBUTES) == {
        "typing_rhythm", "device_mac", "wifi_router_mac", "bluetooth_details",
        "persistent_session", "geolocation",
    }  # fmt: skip
    for paths in OPTIONAL_ATTRIBUTES.values():
        for dotted in paths:
            group, name = dotted.split(".")
            struct = type(getattr(Attributes(), group))
            assert name in {field.name for field in msgspec.structs.fields(struct)}


def test_nothing_enabled_drops_every_optional_attribute_present() -> None:
    attrs = _full()
    clean, dropped = sanitize(attrs, frozenset(), SECRET)
    assert dropped == [
        "behaviour.keystroke_intervals_ms",
        "device.mac_hash",
        "network.wifi_bssid_hash",
        "network.bluetooth_devices",
        "software.persistent_session",
        "location.lat",
        "location.lon",
        "location.accuracy_m",
    ]
    assert clean.behaviour.keystroke_intervals_ms is None
    assert clean.device.mac_hash is None
    assert clean.network.wifi_bssid_hash is None
    assert clean.network.bluetooth_devices is None
    assert clean.network.bluetooth_on is True  # default data stays
    assert clean.location == Location()
    assert clean.device.screen_width == 390
    assert clean.behaviour.time_on_page_ms == 5000
    assert attrs == _full()  # the input is not modified


@pytest.mark.parametrize(("toggle", "paths"), list(OPTIONAL_ATTRIBUTES.items()))
def test_each_toggle_keeps_its_attributes(toggle: str, paths: tuple[str, ...]) -> None:
    _, dropped = sanitize(_full(), frozenset({toggle}), SECRET)
    everything = [p for ps in OPTIONAL_ATTRIBUTES.values() for p in ps]
    assert dropped == [p for p in everything if p not in paths]


def test_only_present_attributes_are_named_as_dropped() -> None:
    attrs = Attributes(location=Location(lat=1.0), device=Device(mac_hash=None))
    assert sanitize(attrs, frozenset(), SECRET)[1] == ["location.lat"]
    assert sanitize(Attributes(), frozenset(), SECRET) == (Attributes(), [])


def test_identifiers_are_truncated_and_keyed_hashed() -> None:
    everything = frozenset(OPTIONAL_ATTRIBUTES)
    clean, dropped = sanitize(_full(), everything, SECRET)
    assert dropped == []
    stored = [
        clean.device.device_id_hash,
        clean.device.mac_hash,
        clean.network.wifi_bssid_hash,
        clean.software.persistent_session,
    ]
    for value, original in zip(stored, [DEVICE_ID, MAC, BSSID, PERSISTENT], strict=True):
        assert value is not None
        assert value.startswith("k1:")
        assert len(value) == 35
        normal = original.replace(":", "").replace("-", "").lower()
        assert normal[:6] not in value
        assert original not in value
    again, _ = sanitize(_full(), everything, SECRET)
    assert again == clean  # deterministic
    other, _ = sanitize(_full(), everything, b"another secret")
    assert other.device.mac_hash != clean.device.mac_hash
    # the value is re-hashed even when it already looks like our output
    rehashed, _ = sanitize(clean, everything, SECRET)
    assert rehashed.device.mac_hash != clean.device.mac_hash
    msgspec.json.decode(msgspec.json.encode(rehashed), type=Attributes)  # still schema-valid


def test_pseudonymise_normalises_and_drops_the_final_third() -> None:
    # separators and case do not matter
    assert pseudonymise("device.mac_hash", "3C:22:FB:12:34:56", SECRET) == pseudonymise(
        "device.mac_hash", "3c22fb123456", SECRET
    )
    # the last 4 of 12 hex digits are dropped: MACs differing only there share a value
    assert pseudonymise("device.mac_hash", "3c22fb12ffff", SECRET) == pseudonymise(
        "device.mac_hash", "3c22fb120000", SECRET
    )
    assert pseudonymise("device.mac_hash", "3c22fb13ffff", SECRET) != pseudonymise(
        "device.mac_hash", "3c22fb12ffff", SECRET
    )
    # the attribute separates domains
    assert pseudonymise("device.mac_hash", MAC, SECRET) != pseudonymise(
        "network.wifi_bssid_hash", MAC, SECRET
    )
    assert pseudonymise("device.mac_hash", ":-.", SECRET) is None


def test_sanitize_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret must not be empty"):
        sanitize(_full(), frozenset(), b"")


def test_location_is_coarsened_to_about_a_kilometre() -> None:
    clean, _ = sanitize(_full(), frozenset({"geolocation"}), SECRET)
    assert clean.location.lat == 55.75
    assert clean.location.lon is not None
    assert abs(clean.location.lon - 37.618423) <= 0.0178 / 2
    assert clean.location.accuracy_m == 1000.0
    assert coarsen_location(0.004, 0.004, 1500.2) == (0.0, 0.0, 1501.0)
    assert coarsen_location(None, 10.123, None) == (None, 10.12, None)
    lat, lon, _ = coarsen_location(89.999, 179.999, None)
    assert (lat, lon) == (90.0, 180.0)


@given(
    st.floats(-90, 90, allow_nan=False),
    st.floats(-180, 180, allow_nan=False),
    st.floats(0, 1e7, allow_nan=False),
)
@settings(max_examples=200, deadline=None)
def test_coarse_location_stays_in_range_and_near(lat: float, lon: float, acc: float) -> None:
    clat, clon, cacc = coarsen_location(lat, lon, acc)
    assert clat is not None
    assert clon is not None
    assert cacc is not None
    assert -90 <= clat <= 90
    assert -180 <= clon <= 180
    assert cacc >= max(acc, 1000)
    assert abs(clat - lat) <= 0.005 + 1e-9
    # a cell is about 1.1 km wide at any latitude (1 degree wide at the poles at most)
    assert abs(clon - lon) <= 0.5 + 1e-9
    assert coarsen_location(clat, clon, cacc)[0] == clat


_REAL_PAYLOAD: dict[str, Any] = msgspec.json.decode(
    b"""{
  "session_id": "s1_mJ8kQ2x0b3FvZ0hXc1lKbVd4T2Vrb0d6cUFBQUFaS1Z4c2JXbGg4c0l3PT0=",
  "site_key": "demo_site", "channel": "android",
  "attributes": {
    "device": {"screen_width": 1080, "screen_height": 2340, "pixel_ratio": 2.625,
      "hardware_concurrency": 8, "device_memory": 8, "touch_points": 10,
      "webgl_vendor": "Qualcomm", "webgl_renderer": "Adreno (TM) 740",
      "canvas_hash": "a3f5c2d1e4b6978012345678abcdef01",
      "audio_hash": "124.04347527516074", "fonts_hash": "Zk9udHMgYXJlIG5pY2U=",
      "manufacturer": "samsung", "brand": "samsung", "model": "SM-S918B",
      "hardware": "qcom", "product": "dm3qxxx",
      "build_fingerprint":
        "samsung/dm3qxxx/dm3q:14/UP1A.231005.007/S918BXXU3BWK5:user/release-keys",
      "sensors": ["LSM6DSO Accelerometer", "AK09918 Magnetometer", "TCS3701 Light"],
      "battery_level": 0.87, "battery_charging": false, "storage_total_mb": 244198,
      "storage_free_mb": 101234, "device_id_hash": "9774d56d682e549c"},
    "software": {"user_agent": "USER_AGENT",
      "platform": "Linux armv8l", "languages": ["ru-RU", "en-US"], "timezone": "Europe/Moscow",
      "timezone_offset_min": 180, "os": "Android", "os_version": "14",
      "app_id": "com.example.bank", "app_version": "2026.11.0"},
    "network": {"connection_type": "4g", "downlink_mbps": 10.0, "rtt_ms": 50,
      "carrier": "MegaFon", "sim_country": "ru", "wifi_on": true, "bluetooth_on": true},
    "behaviour": {"time_on_page_ms": 73456, "history_length": 3, "pages_visited": 4,
      "referrer_host": "www.example.com",
      "fields": [{"name": "amount", "chars_typed": 5, "focus_ms": 3200},
                 {"name": "email", "chars_typed": 21, "chars_pasted": 0, "corrections": 2}]},
    "apps": {"category_counts": {"credit": 2, "proxy": 0, "shopping": 5}},
    "custom": {"flow": "loan-application", "step": 3, "started_at": 1732370000000,
      "started_iso": "2026-11-23T10:15:30.123+03:00",
      "request_id": "550e8400-e29b-41d4-a716-446655440000"}
  }
}""".replace(
        b"USER_AGENT",
        b"Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36"
        b" (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.127 Mobile Safari/537.36",
    )
)
