"""engine/privacy/_phones.py: national and international phone numbers, with the region hint.

libphonenumber's own example numbers, for every region and number type it has, are the
yardstick: each is refused as the region's users write it (NATIONAL format, with that
region as the hint) and as anybody writes it internationally (INTERNATIONAL and E.164,
with no hint).
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from engine.privacy.detectors import FALLBACK_REGIONS, PHONE, find_identifier, normal_region
from tests.privacy.strategies import REGIONS, dates, device_strings

_TYPES = [
    PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.PAGER, PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
]  # fmt: skip


def _examples() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    out = []
    for region in REGIONS:
        for number_type in _TYPES:
            number = phonenumbers.example_number_for_type(region, number_type)
            if number is not None:
                out.append((region, number))
    return out


EXAMPLES = _examples()


def _national(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def test_there_are_many_examples() -> None:
    assert len(REGIONS) >= 240
    assert len(EXAMPLES) >= 1000


def test_every_national_example_is_refused_in_a_phone_field_with_its_region() -> None:
    missed = [
        (region, _national(number))
        for region, number in EXAMPLES
        if find_identifier(_national(number), "phone", region=region) != PHONE
    ]
    assert missed == []


def test_every_grouped_national_example_is_refused_anywhere_with_its_region() -> None:
    """Anywhere (a comment, a custom field), a national number is refused when written with
    separators; a bare run of digits is a phone only in a phone-named field (or in the
    unmistakable bare shapes), otherwise every 5-digit string would be one in Niue."""
    missed, bare = [], 0
    for region, number in EXAMPLES:
        text = _national(number)
        if text.isdigit():
            bare += 1
            continue
        if find_identifier(f"call me: {text}", "comment", region=region) != PHONE:
            missed.append((region, text))
    assert missed == []
    assert bare < 40  # 32 in libphonenumber 9.0.43: short numbers of small territories


@pytest.mark.parametrize("number_format", [PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.E164])
def test_every_international_example_is_refused_without_a_hint(number_format: int) -> None:
    missed = [
        (region, text)
        for region, number in EXAMPLES
        if find_identifier(
            text := phonenumbers.format_number(number, number_format), "comment"
        ) != PHONE
    ]  # fmt: skip
    assert missed == []


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("01512 3456789", "DE"),
        ("0151-23456789", "DE"),
        ("0151 23456789", "DE"),
        ("030 1234567", "DE"),
        ("612 34 56 78", "FR"),
        ("06 12 34 56 78", "FR"),
        ("612 34 56 78", "ES"),
        ("512 345 678", "PL"),
        ("312 345 6789", "IT"),
        ("8 (912) 345-67-89", "RU"),
        ("(011) 2345-6789", "AR"),
        ("2123 4567", "HK"),
        ("7012", "NU"),  # in a phone field only, below
    ],
)
def test_national_formats_with_the_region_hint(text: str, region: str) -> None:
    assert find_identifier(text, "phone", region=region) == PHONE
    if len(text) > 4:
        assert find_identifier(f"my number {text}, thanks", "comment", region=region) == PHONE


def test_numbers_without_a_trunk_prefix_need_their_region() -> None:
    assert find_identifier("512 345 678", region="PL") == PHONE
    assert find_identifier("512 345 678") is None  # could be 512 million
    assert find_identifier("512 345 678", region="US") is None
    assert find_identifier("612 34 56 78", region="GB") is None


def test_with_no_region_trunk_prefixed_numbers_are_tried_in_the_fallback_regions() -> None:
    assert FALLBACK_REGIONS == ("DE", "GB", "FR", "IT", "RU", "UA")
    assert find_identifier("01512 3456789") == PHONE  # German mobile, 12 digits
    assert find_identifier("0151-23456789") == PHONE


def test_a_german_number_is_not_taken_without_its_trunk_prefix_in_two_groups() -> None:
    # "2560 1440" is a valid German number once "0" is put in front; nobody writes it so
    assert find_identifier("2560 1440", region="DE") is None
    assert find_identifier("1920 1080", region="HU") is None


def test_short_international_numbers_are_confirmed() -> None:
    assert find_identifier("+98 9601") == PHONE
    assert find_identifier("+6837012") == PHONE
    assert find_identifier("+98 0000") is None  # not a valid number


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23",
        "23-11-2026",
        "2015-09-29",
        "2023 01 28",
        "04-02-18",
        "Fri Jan 02 2015 00:00:00 GMT+0300 (Moscow Standard Time)",
        "Sat Nov 23 2026 10:15:30",
        "2026-11-23 10:15:30",
        "12 317 295 ₽",
        "83 668,50 €",
        "$ 1 250 000",
        "1 500 000 руб.",  # noqa: RUF001
        "24.28.16.212",
        "192.168.100.200",
        "131.0.6778.86",
        "5.12.0 (51200)",
        "124.04347527516074",
    ],
)
def test_dates_times_amounts_and_versions_are_no_phone_in_any_region(text: str) -> None:
    refused = [r for r in REGIONS if find_identifier(text, "comment", region=r) is not None]
    assert refused == []
    assert find_identifier(text, "comment") is None


@settings(max_examples=300, deadline=None)
@given(st.one_of(dates, device_strings), st.sampled_from(REGIONS))
def test_device_strings_are_no_phone_in_any_region(text: str, region: str) -> None:
    assert find_identifier(text, "value", region=region) is None


def test_region_hints_are_normalised() -> None:
    assert normal_region("de") == "DE"
    assert normal_region("ZZ") is None
    assert normal_region("EU") is None
    assert normal_region("") is None
    assert normal_region(None) is None
    assert find_identifier("512 345 678", region="pl") == PHONE
    assert find_identifier("512 345 678", region="XX") is None


# -- issue 15: a phone field in any language; a number of any region -----------------------

PHONE_FIELD_NAMES = [
    "phone", "telephone", "tel", "tel-national", "mobile", "cell", "msisdn", "gsm",
    "Telefon", "Telefonnummer", "Handy", "handyNummer", "Rufnummer", "Mobilnummer",
    "teléfono", "telefono_movil", "número de teléfono", "móvil", "celular", "telefone",
    "telemóvel", "téléphone", "portable", "numero_de_telephone", "cellulare", "telefoon",
    "mobiel", "numer telefonu", "nr_tel", "komórka", "telefon_komorkowy", "cep_telefonu",
    "телефон", "номер телефона", "мобільний",
]  # fmt: skip
ELSEWHERE = [("0151 23456789", "ES"), ("512 345 678", "DE"), ("55 1234 5678", "PL"),
             ("06 12 34 56 78", "MX"), ("7012", "ES")]  # fmt: skip


@pytest.mark.parametrize("field", PHONE_FIELD_NAMES)
def test_a_number_valid_in_any_region_is_refused_in_a_phone_field(field: str) -> None:
    for number, region in ELSEWHERE:
        assert find_identifier(number, field, region=region) == PHONE, (number, region)
        assert find_identifier(number, field) == PHONE, number  # no region known


@pytest.mark.parametrize(
    "field", ["amount", "phone_model", "cellular", "mobile_app", "portable_id", "postcode"]
)
def test_names_near_phone_words_are_no_phone_field(field: str) -> None:
    assert find_identifier("512 345 678", field, region="DE") is None


def test_free_text_tries_the_declared_regions_besides_the_ip_region() -> None:
    assert find_identifier("call 512 345 678", "note", region="ES") is None
    assert find_identifier("call 512 345 678", "note", region="ES", also=("PL",)) == PHONE
    assert find_identifier("call 55 1234 5678", "note", region="ES", also=("PL", "MX")) == PHONE
    assert find_identifier("call 55 1234 5678", "note", also=("MX",)) == PHONE


DECLARED = ("DE", "PL", "MX", "ES", "FR", "GB", "US", "RU")


@pytest.mark.parametrize(
    "text",
    [
        "12 500", "250 000", "1 299,00 €", "28013", "00-950", "06600", "10115", "2026",
        "1999 2000 2001", "23.11.2026", "2026-11-23", "11/23/2026", "36 months", "3 4 5",
        "45 000 PLN", "1 234", "12 345 678 MXN", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    ],
)  # fmt: skip
def test_amounts_postcodes_dates_years_and_counts_pass_with_declared_regions(text: str) -> None:
    for field in ("comment", "amount", "postcode", "date", "year", "count", "value"):
        assert find_identifier(text, field, also=DECLARED) is None, (text, field)
        assert find_identifier(text, field, region="ES", also=DECLARED) is None, (text, field)


@settings(max_examples=300, deadline=None)
@given(st.one_of(dates, device_strings), st.sampled_from(REGIONS))
def test_device_strings_are_no_phone_with_declared_regions(text: str, region: str) -> None:
    assert find_identifier(text, "value", region=region, also=DECLARED) is None
