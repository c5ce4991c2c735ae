"""engine/privacy/detectors.py: identifiers in many shapes are found, device strings are not.

The strategies live in tests/privacy/strategies.py; each kind has its own test module too
(test_phones, test_cards, test_ibans, test_documents, test_personal, test_digests).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.privacy.detectors import (
    CARD,
    DOCUMENT,
    EMAIL,
    IBAN,
    PHONE,
    field_hint,
    find_identifier,
    iban_valid,
    luhn_valid,
)
from tests.privacy.strategies import (
    REGIONS,
    cards,
    device_strings,
    emails,
    embedded,
    ibans,
    obfuscated_emails,
    phones,
    regions,
    ssns,
)

EXAMPLES = settings(max_examples=150, deadline=None)

# -- positive: every shape is found, embedded anywhere --------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("john.doe+tag@mail.example.co.uk", EMAIL),
        ("write to josé.garcía@correo.es today", EMAIL),
        ("用户@例子.广告", EMAIL),
        ('"john doe"@example.com', EMAIL),
        ("john at example dot com", EMAIL),
        ("jane [at] example [dot] org", EMAIL),
        ("+14155552671", PHONE),
        ("+44 20 7946 0958", PHONE),
        ("+7 (912) 345-67-89", PHONE),
        ("8 (912) 345-67-89", PHONE),
        ("(415) 555-2671", PHONE),
        ("415-555-2671", PHONE),
        ("415.555.2671", PHONE),
        ("020 7946 0958", PHONE),
        ("+49 30 123456", PHONE),
        ("0049 30 1234567", PHONE),
        ("07700 900123", PHONE),
        ("tel:89123456789", PHONE),
        ("phone=+14155552671&x=1", PHONE),
        ("4111 1111 1111 1111", CARD),
        ("4111-1111-1111-1111", CARD),
        ("card 5555555555554444.", CARD),
        ("3782 822463 10005", CARD),
        ("DE89 3704 0044 0532 0130 00", IBAN),
        ("pay to GB82WEST12345698765432 now", IBAN),
        ("ssn 123-45-6789", DOCUMENT),
    ],
)
def test_known_shapes_are_found(text: str, kind: str) -> None:
    assert find_identifier(text) == kind


@EXAMPLES
@given(embedded(emails | obfuscated_emails))
def test_emails_are_found_anywhere(text: str) -> None:
    assert find_identifier(text) == EMAIL


@EXAMPLES
@given(embedded(phones))
def test_phones_are_found_anywhere(text: str) -> None:
    assert find_identifier(text) == PHONE


@EXAMPLES
@given(embedded(cards))
def test_cards_are_found_anywhere(text: str) -> None:
    assert find_identifier(text) == CARD


@EXAMPLES
@given(embedded(ibans))
def test_ibans_are_found_anywhere(text: str) -> None:
    assert find_identifier(text) == IBAN


@EXAMPLES
@given(embedded(ssns))
def test_ssns_are_found_anywhere_whatever_the_field(text: str) -> None:
    assert find_identifier(text, "comment") == DOCUMENT


_DOCUMENT_FIELDS = [
    "passport", "passport_no", "passportNumber", "id_number", "national_id", "ssn", "snils",
    "inn", "document", "doc_number", "driver_license", "drivingLicence", "tax_id",
    "user_passport_series",
]  # fmt: skip


@EXAMPLES
@given(
    st.sampled_from(_DOCUMENT_FIELDS),
    st.from_regex(r"[A-Z]{0,3}[0-9]{4,12}", fullmatch=True).filter(lambda v: len(v) >= 5),
    st.sampled_from(["", " ", "-"]),
)
def test_document_numbers_are_found_in_document_fields(name: str, value: str, sep: str) -> None:
    printed = value[:2] + sep + value[2:]
    assert find_identifier(printed, name) == DOCUMENT
    assert find_identifier(f"my number is {printed}", name) == DOCUMENT


def test_document_numbers_need_a_document_field() -> None:
    assert find_identifier("AB1234567", "passport") == DOCUMENT
    assert find_identifier("45 06 123456", "passportNumber") == DOCUMENT
    assert find_identifier("112-233-445 95", "snils") == DOCUMENT
    assert find_identifier("AB1234567", "build") is None
    assert find_identifier("AB1234567") is None
    assert find_identifier("1080px", "document_height") is None
    assert find_identifier("no", "passport") is None


def test_field_hints() -> None:
    assert field_hint("passportNo") == DOCUMENT
    assert field_hint("driver-licence") == DOCUMENT
    assert field_hint("mobile_number") == PHONE
    assert field_hint("hotel") is None
    assert field_hint("inner_width") is None
    assert field_hint("device_id_hash") is None


def test_bare_digits_are_a_phone_only_in_a_phone_field() -> None:
    assert find_identifier("4155552671") is None
    assert find_identifier("4155552671", "phone") == PHONE
    assert find_identifier("call 4155552671", "mobileNumber") == PHONE


# -- negative: realistic device strings are never flagged -----------------------------------


@settings(max_examples=300, deadline=None)
@given(
    device_strings,
    st.sampled_from(["", "user_agent", "webgl_renderer", "build_fingerprint", "value", "id"]),
    regions,
)
def test_device_strings_are_not_identifiers(text: str, field_name: str, region: str | None) -> None:
    assert find_identifier(text, field_name, region=region) is None


@pytest.mark.parametrize(
    "text",
    [
        "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36"
        " (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.127 Mobile Safari/537.36",
        "ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 (0x00002206) Direct3D11 vs_5_0 ps_5_0, D3D11)",
        "samsung/dm3qxxx/dm3q:14/UP1A.231005.007/S918BXXU3BWK5:user/release-keys",
        "1732370000000",
        "1732370000",
        "2026-11-23T10:15:30.123+03:00",
        "17.4.1",
        "2026.11.0",
        "192.168.100.200",
        "2001:db8:85a3::8a2e:370:7334",
        "550e8400-e29b-41d4-a716-446655440000",
        "d41d8cd98f00b204e9800998ecf8427e",
        "icon@2x.png",
        "1920 1080 2560 1440",
        "2026-11-23 10:15:30",
        "01.12.2026",
        "55.751244, 37.618423",
        "Sat Nov 23 2026 10:00:00 GMT+0300 (Moscow Standard Time)",
        "look at example.com",
        "1920x1080",
        "2560 x 1440",
        "131.0.6778.86",
        "Chrome 131.0.6778.86",
        "UP1A.231005.007",
        "TQ3A.230901.001.C2",
        "5.15.104-android13-8-00001-g1234abcd",
        "1732370000123",
        "1732370000.123",
        "10.0.0.1",
        "07194160-1288-4009-b678-4a564045cbc2",
        "5.12.0 (51200)",
        '"Chromium";v="131", "Not_A Brand";v="24", "Google Chrome";v="131"',
        "250-02",
        "23-11-2026",
        "2026/11/23",
    ],
)
def test_known_device_strings_are_not_identifiers(text: str) -> None:
    assert find_identifier(text) is None
    refused = [r for r in REGIONS if find_identifier(text, "value", region=r) is not None]
    assert refused == []


def test_checksums_reject_a_changed_digit() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert find_identifier("4111 1111 1111 1112") is None
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("DE89370400440532013001")
    assert not iban_valid("DE8937040044053201300")  # one character short for DE
    assert find_identifier("DE88 3704 0044 0532 0130 00") is None


def test_unix_times_are_not_cards_even_when_luhn_valid() -> None:
    stamp = next(str(1732370000000 + n) for n in range(10) if luhn_valid(str(1732370000000 + n)))
    assert find_identifier(stamp) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("https://shop.example/apply?email=john.doe%40example.com&step=2", "e-mail address"),
        ("utm_source=mail&contact=%2B44%2020%207946%200958", "phone number"),
        ("iban=DE89%203704%200044%200532%200130%2000", "IBAN"),
        ("https://shop.example/apply?step=2&ref=autumn%2D2026", None),
        ("100%25 natural, 50%off", None),
    ],
)
def test_percent_encoded_identifiers(text: str, kind: str | None) -> None:
    assert find_identifier(text, "landing_url") == kind


def test_an_e164_number_in_a_digest_field_is_not_a_digest() -> None:
    # found by the firewall's property test: base64 allows "+", so "+10000000000" in
    # build_fingerprint passed as a digest
    assert find_identifier("+10000000000", "build_fingerprint") == PHONE
    assert find_identifier("+14155552671", "canvas_hash") == PHONE
    assert find_identifier("5d41402abc4b2a76b9719d911017c592", "canvas_hash") is None
