"""Device hashes are never refused: hex and base64 values of any length in the fields meant
for them (issue 6.9: 17 of 300,000 random Android-ID hashes were refused as cards, 7 of
300,000 24-hex values as IBANs). `python -m tools.fpcheck` runs the same at scale."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.privacy.detectors import CARD, PHONE, find_identifier, is_digest
from engine.privacy.firewall import scan_payload
from tests.privacy.strategies import REGIONS

DIGEST_FIELDS = [
    "device_id_hash", "mac_hash", "wifi_bssid_hash", "canvas_hash", "audio_hash",
    "fonts_hash", "build_fingerprint", "persistent_session", "webgl_hash", "fingerprint",
    "sha256", "checksum", "install_uuid",
]  # fmt: skip
_HEX = "0123456789abcdef"
_B64 = string.ascii_letters + string.digits + "+/"
_B64URL = string.ascii_letters + string.digits + "-_"

hex_values = st.one_of(
    st.text(_HEX, min_size=8, max_size=128),
    st.text(_HEX.upper(), min_size=8, max_size=128),
    st.text(string.digits, min_size=8, max_size=128),  # all-digit draws: the hard case
)
base64_values = st.builds(
    lambda body, pad: body + pad,
    st.one_of(st.text(_B64, min_size=8, max_size=128), st.text(_B64URL, min_size=8, max_size=128)),
    st.sampled_from(["", "=", "=="]),
)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(hex_values, base64_values),
    st.sampled_from(DIGEST_FIELDS),
    st.none() | st.sampled_from(REGIONS),
)
def test_hex_and_base64_in_digest_fields_are_never_refused(
    value: str, field: str, region: str | None
) -> None:
    assert find_identifier(value, field, region=region) is None
    scan_payload({"device": {field: value}}, "attributes", region=region)


@settings(max_examples=300, deadline=None)
@given(st.text(_HEX, min_size=8, max_size=128).filter(lambda v: not v.isdigit()))
def test_lowercase_hex_with_a_letter_is_never_refused_anywhere(value: str) -> None:
    assert find_identifier(value) is None
    assert find_identifier(value, "comment", region="DE") is None


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("3280407191211046", "device_id_hash"),  # Luhn-valid, Visa-shaped: refused before
        ("4491819308921270", "device_id_hash"),
        ("0046897417093603", "device_id_hash"),  # 00 + 14 digits: was a phone
        ("be96026843985078", "device_id_hash"),
        ("ad97a4768e2f9dd081f0f4a6", "canvas_hash"),
        ("3C:22:FB:12:34:56", "mac_hash"),
        ("9774d56d682e549c", "device_id_hash"),
    ],
)
def test_known_false_refusals(value: str, field: str) -> None:
    assert find_identifier(value, field) is None


def test_outside_digest_fields_an_all_digit_value_is_what_it_looks_like() -> None:
    assert find_identifier("3280407191211046") == CARD
    assert find_identifier("0046897417093603") == PHONE


def test_a_printed_number_in_a_digest_field_is_still_refused() -> None:
    assert find_identifier("4111-1111-1111-1111", "canvas_hash") == CARD
    assert find_identifier("4111 1111 1111 1111", "device_id_hash") == CARD
    assert find_identifier("+44 20 7946 0958", "fonts_hash") == PHONE
    assert find_identifier("jane@example.org", "audio_hash") is not None


def test_digest_shapes() -> None:
    assert is_digest("9f86d081884c7d659a2feaa0c55ad015")
    assert is_digest("Zk9udHMgYXJlIG5pY2U=")
    assert is_digest("a4-2b-b0-99-88-77")
    assert is_digest("3C:22:FB:12:34:56")
    assert is_digest("550e8400-e29b-41d4-a716-446655440000")
    assert not is_digest("4111-1111-1111-1111")
    assert not is_digest("124.04347527516074")
    assert not is_digest("samsung/dm3qxxx/dm3q:14/UP1A.231005.007/S918BXXU3BWK5:user/release-keys")
