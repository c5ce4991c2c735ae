"""engine/privacy/_documents.py: document numbers by field name, or after a document word."""

from __future__ import annotations

import pytest

from engine.privacy.detectors import DOCUMENT, field_hint, find_identifier


@pytest.mark.parametrize(
    "text",
    [
        "паспорт 4509 123456",
        "Паспорт РФ: 4509 123456",
        "passport no 123456789",
        "Passport No. 123456789",
        "passport: AB1234567",
        "passport number: 123456789",
        "серия 4509 номер 123456",
        "паспорт серии 45 09 № 123456",
        "SSN 123-45-6789",
        "ssn: 123456789",
        "ИНН 7707083893",
        "инн: 500100732259",
        "СНИЛС 112-233-445 95",
        "my passport=123456789&step=2",
        "driver's license D1234567",
        "tax id 12-3456789",
    ],
)
def test_a_document_word_and_a_number_anywhere(text: str) -> None:
    assert find_identifier(text) == DOCUMENT
    assert find_identifier(f"note: {text}.", "comment", region="RU") == DOCUMENT


@pytest.mark.parametrize(
    "text",
    [
        "passport 2024 edition",
        "Holiday Inn 2024-11-23",
        "spinning 1234567",
        "seriesX 1234567",
        "passport photo",
        "серия 3",
        "ИНН не указан",
        "inner_width 1920",
        "PassportScanner/2.1.0 (iPhone; iOS 17.4.1)",
    ],
)
def test_no_document_without_a_document_word_and_a_number(text: str) -> None:
    assert find_identifier(text) is None


@pytest.mark.parametrize(
    "name",
    [
        "passport", "passport_no", "passportNumber", "id_number", "national_id", "ssn",
        "snils", "inn", "document", "doc_number", "driver_license", "drivingLicence", "tax_id",
        "user_passport_series", "номер паспорта", "серия_паспорта", "СНИЛС", "ИНН", "pinfl",
    ],
)  # fmt: skip
def test_document_field_names(name: str) -> None:
    assert field_hint(name) == DOCUMENT
    assert find_identifier("AB1234567", name) == DOCUMENT
    assert find_identifier("45 06 123456", name) == DOCUMENT


def test_document_numbers_need_a_document_field_or_word() -> None:
    assert find_identifier("AB1234567", "build") is None
    assert find_identifier("AB1234567") is None
    assert find_identifier("1080px", "document_height") is None
    assert find_identifier("no", "passport") is None
