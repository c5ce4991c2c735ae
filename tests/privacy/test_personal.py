"""engine/privacy/_personal.py and _fields.py: names, addresses and dates of birth, refused
by the name of their field, in English and Russian."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.privacy._fields import is_label, normal_name
from engine.privacy.detectors import (
    ADDRESS,
    BIRTH_DATE,
    DOCUMENT,
    NAME,
    PHONE,
    field_hint,
    find_identifier,
)
from tests.privacy.strategies import device_strings

NAME_FIELDS = [
    "name", "full_name", "fullName", "full-name", "Full Name", "FULL_NAME", "first_name",
    "firstName", "first-name", "last_name", "lastName", "surname", "middle_name",
    "middleName", "given_name", "family_name", "patronymic", "fio", "FIO", "фио", "ФИО",
    "имя", "Имя", "фамилия", "Фамилия", "отчество", "cardholder_name", "card_holder",
    "applicant_name", "customer-name", "фамилия_клиента", "имя_заемщика",
]  # fmt: skip
ADDRESS_FIELDS = [
    "address", "Address", "street", "street_address", "streetAddress", "home_address",
    "billing-address", "addressLine1", "address_line_2", "address1", "адрес", "Адрес",
    "улица", "адрес_регистрации", "адрес проживания", "shipping_address",
]  # fmt: skip
BIRTH_FIELDS = [
    "dob", "DOB", "birth", "birthday", "birthDate", "birth_date", "date_of_birth",
    "dateOfBirth", "date-of-birth", "дата рождения", "дата_рождения", "Дата рождения",
    "датаРождения", "день_рождения", "applicant_dob", "born",
]  # fmt: skip
NOT_PERSONAL = [
    "app_name", "file_name", "fileName", "username", "user_name", "hostname", "host_name",
    "font_name", "brand_name", "model_name", "os_name", "device_name", "field_name",
    "first_name_count", "name_count", "ip_address", "ipAddress", "IPAddress", "mac_address",
    "email_address", "e-mail address", "wallet_address", "remote_address", "ip-адрес",
    "адрес электронной почты", "birthday_promo", "имя_файла", "streetview_enabled",
    "timezone", "carrier", "user_agent", "referrer_host", "addressable",
]  # fmt: skip


@pytest.mark.parametrize("name", NAME_FIELDS)
def test_name_fields(name: str) -> None:
    assert field_hint(name) == NAME
    assert find_identifier("John Smith", name) == NAME
    assert find_identifier("Иванов Иван Иванович", name) == NAME
    assert find_identifier("Li", name) == NAME


@pytest.mark.parametrize("name", ADDRESS_FIELDS)
def test_address_fields(name: str) -> None:
    assert field_hint(name) == ADDRESS
    assert find_identifier("221B Baker Street, London", name) == ADDRESS
    assert find_identifier("ул. Ленина, д. 5, кв. 12", name) == ADDRESS
    assert find_identifier("5", name) == ADDRESS


@pytest.mark.parametrize("name", BIRTH_FIELDS)
def test_birth_date_fields(name: str) -> None:
    assert field_hint(name) == BIRTH_DATE
    for value in (
        "1990-05-17", "17.05.1990", "05/17/1990", "17 May 1990", "May 17, 1990",
        "17 мая 1990", "1990-05-17T00:00:00Z", "19900517", "17051990", "643075200",
        "born on 17/05/90",
    ):  # fmt: skip
        assert find_identifier(value, name) == BIRTH_DATE, value


@pytest.mark.parametrize("name", NOT_PERSONAL)
def test_fields_that_only_look_personal(name: str) -> None:
    assert field_hint(name) not in (NAME, ADDRESS, BIRTH_DATE)
    assert find_identifier("John Smith", name) is None
    assert find_identifier("Accelerometer", name) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("full_name", "full_name"),  # a label, not a name
        ("first_name", "3"),
        ("last_name", "user_42"),
        ("name", "null"),
        ("name", "undefined"),
        ("full_name", "N/A"),
        ("address", "  "),
        ("address", "-"),
        ("dob", "1990"),  # a year is no date of birth
        ("dob", "unknown"),
        ("birthday", "12345"),
    ],
)
def test_values_that_are_not_the_thing(name: str, value: str) -> None:
    assert find_identifier(value, name) is None


def test_name_values() -> None:
    for value in ("Jean-Luc O'Neil", "J. R. R. Tolkien", "Мария-Анна", "O\u2019Brien", "José"):
        assert find_identifier(value, "name") == NAME, value
    for value in ("John2", "john@", "PDF Viewer 2", "#1"):
        assert find_identifier(value, "name") is None, value


def test_normal_names() -> None:
    assert normal_name("firstName") == "first_name"
    assert normal_name("First-Name") == "first_name"
    assert normal_name("IPAddress") == "ip_address"
    assert normal_name("Дата Рождения") == "дата_рождения"
    assert normal_name("датаРождения") == "дата_рождения"
    assert normal_name("__x__") == "x"


def test_a_bare_name_is_a_persons_only_in_custom_fields_or_under_a_person() -> None:
    assert not is_label("name", "custom", False)
    assert not is_label("name", "applicant", False)
    assert not is_label("Name", "customerProfile", False)
    assert not is_label("name", "заемщик", False)
    assert is_label("name", "fields", True)
    assert is_label("name", "custom", True)  # a list of records under custom
    assert is_label("Name", "plugin", False)
    assert is_label("name", "sensors", False)
    assert is_label("name", "software", False)
    assert is_label("name", "", False)
    assert not is_label("full_name", "fields", True)


def test_other_hints_are_unchanged() -> None:
    assert field_hint("passportNo") == DOCUMENT
    assert field_hint("mobile_number") == PHONE
    assert field_hint("телефон") == PHONE
    assert field_hint("номер телефона") == PHONE
    assert field_hint("device_id_hash") is None


@settings(max_examples=200, deadline=None)
@given(device_strings, st.sampled_from(["address", "dob"]))
def test_device_strings_in_personal_fields(text: str, name: str) -> None:
    """An address field refuses any text with a letter or digit; a birth date field only
    dates."""
    kind = find_identifier(text, name)
    if name == "address":
        assert (kind is not None) == any(c.isalnum() for c in text)
    elif kind == BIRTH_DATE:
        assert any(c.isdigit() for c in text)
