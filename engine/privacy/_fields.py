"""What a field's NAME says about its value.

Some identifiers can only be told from ordinary data by where they are: "John Smith" is a
person's name in `full_name` and a plugin or a voice elsewhere; `AB1234567` is a passport
number in `passport_no` and a build ID elsewhere; a 16-digit hex string is a device hash in
`device_id_hash` and might be a card number in a comment. So every key is normalised
(`firstName`, `first-name`, `FIRST_NAME` and `first name` all become `first_name`; Cyrillic
is kept: `Дата рождения` becomes `дата_рождения`) and matched against the names people give
such fields, in English, Russian and (phones) the languages listed at `_PHONE_WORDS`.
"""

from __future__ import annotations

import functools
import re

from engine.privacy._kinds import ADDRESS, BIRTH_DATE, DOCUMENT, NAME, PHONE

_LOWER = "a-z\u0430-\u044f\u0451"  # Latin and Cyrillic
_UPPER = "A-Z\u0410-\u042f\u0401"
_CAMEL = re.compile(rf"(?<=[{_LOWER}0-9])(?=[{_UPPER}])|(?<=[{_UPPER}])(?=[{_UPPER}][{_LOWER}])")
_NON_WORD = re.compile(r"[\W_]+")

_DOCUMENT_NAME = re.compile(
    r"(?:^|_)(?:passport|ssn|snils|inn|nin|nino|tin|national_?id|id_?number|id_?no|id_?num"
    r"|identity|identity_number|identification|document|doc|driver_?s?_licen[cs]e"
    r"|driving_licen[cs]e|licen[cs]e|tax_?id|tax_number|social_security|cpf|pesel|dni|nie|nif"
    r"|aadhaar|curp|personnummer|bsn|codice_fiscale|pinfl|iin)"
    r"(?:_(?:no|num|number|nr|id|code|series|serial|value))*$"
    # Russian puts the qualifier after the noun: номер_паспорта, серия_паспорта
    r"|(?:^|_)(?:паспорт[^\W_]*|снилс|инн|иин|пинфл|удостоверени[^\W_]*)(?:_|$)"
)
# The words people name a phone field with, by language (the word, its compounds with
# "number", common abbreviations). Sources: the HTML Standard's autocomplete tokens (`tel`,
# `tel-national`, `tel-local`; html.spec.whatwg.org, "Autofill"), schema.org `telephone`,
# and the Wiktionary entries for each word and its translations (en.wiktionary.org/wiki/
# telephone, /mobile_phone and /phone_number, "Translations"): German Telefon, Handy,
# Rufnummer, Mobilnummer, Festnetz; Spanish teléfono, móvil, celular; Portuguese telefone,
# celular, telemóvel; French téléphone, portable, mobile; Italian telefono, cellulare;
# Dutch telefoon, mobiel, gsm; Polish telefon, numer telefonu, komórka; Czech telefon,
# mobil; Swedish, Danish and Norwegian telefon, mobil, mobilnummer; Turkish telefon, cep
# telefonu; Russian телефон, мобильный; Ukrainian телефон, мобільний.
_PHONE_WORDS = (
    "phone|telephone|tel|mobile|mob|msisdn|cell|cellphone|whatsapp|fax|phonenumber|gsm"
    "|telefon|telefonnummer|handy|handynummer|rufnummer|mobil|mobilnummer|mobiltelefon"
    "|festnetz|festnetznummer|telnr|tel[eé]fono|m[oó]vil|celular|telefone|telem[oó]vel"
    "|t[eé]l[eé]phone|portable|cellulare|telefoon|telefoonnummer|mobiel|telefonu"
    "|kom[oó]rka|kom[oó]rkowy|telefonszam|telefonsz[aá]m|cep_telefonu"
    "|телефон|тел|мобильный|мобільний|телефону"
)
_PHONE_QUALIFIERS = (
    "no|num|number|nr|nummer|numer|numero|n[uú]mero|national|local|privat|private|personal"
    "|home|work|business|contact|principal|fijo|fixe"
)
_PHONE_NAME = re.compile(
    rf"(?:^|_)(?:{_PHONE_WORDS})(?:_(?:{_PHONE_QUALIFIERS}))*$"
    r"|(?:^|_)(?:номер_)?телефона?(?:_|$)"
)
_NAME_FIELD = re.compile(
    r"(?:^|_)(?:full|first|last|middle|given|family|maiden|sur|second|father|mother)_?name$"
    r"|(?:^|_)(?:card_?holder|account_?holder|holder|person|customer|client|applicant"
    r"|borrower|owner|contact|payer|payee|recipient|beneficiary|guarantor)_name$"
    r"|(?:^|_)(?:surname|patronymic|card_?holder|account_?holder|fio)$"
    r"|(?:^|_)(?:фио|фамилия|отчество)(?:_|$)"
    r"|(?:^|_)имя(?:_(?:клиента|заемщика|заёмщика|держателя|владельца|получателя"
    r"|плательщика))?$"
)
_BIRTH_FIELD = re.compile(
    r"(?:^|_)(?:dob|birth|birthday|birthdate|bday|born|born_on|birth_date|birth_day"
    r"|рождения)$"
    r"|^(?:dob|birth_?date|date_of_birth)_"
)
_ADDRESS_WORDS = frozenset({"address", "addr", "street", "streetaddress", "адрес", "улица"})
# "ip_address" and "адрес электронной почты" name network or mail addresses, not homes.
_TECHNICAL = frozenset(
    {
        "ip", "ipv4", "ipv6", "mac", "email", "e", "mail", "wallet", "remote", "local",
        "server", "host", "bluetooth", "bt", "wifi", "bssid", "hardware", "memory", "web",
        "url", "network", "net", "socket", "peer", "proxy", "dns", "gateway", "router",
        "contract", "token", "public", "bitcoin", "btc", "eth", "crypto", "device", "source",
        "destination", "dest", "src", "dst", "электронной", "почты", "сайта",
    }
)  # fmt: skip
_ADDRESS_LINE = re.compile(r"^(?:address|addr)_?(?:line)?_?[0-9]$|^street_(?:name|line_?[0-9]?)$")
_DIGEST_FIELD = re.compile(
    r"(?:^|_)(?:hash|hashes|digest|fingerprint|checksum|crc32|md5|sha1|sha256|sha512|uuid"
    r"|guid|persistent_session|session_id)$"
)
# Objects whose bare `name` is a person's: the client's free fields, and objects named for
# a person. Anywhere else (`fields[].name`, `sensors[].name`, `plugin.name`) it is a label.
_PERSON_PARENT = re.compile(
    r"(?:^|_)(?:custom|applicant|customer|client|person|user|holder|card_?holder|owner"
    r"|borrower|co_?borrower|contact|payer|payee|recipient|beneficiary|guarantor|employee"
    r"|profile|заемщик|заёмщик|клиент|пользователь|заявитель)$"
)


@functools.lru_cache(maxsize=4096)
def normal_name(field_name: str) -> str:
    """`firstName`, `first-name`, `First Name` -> `first_name`; Cyrillic kept, lowercased."""
    return _NON_WORD.sub("_", _CAMEL.sub("_", field_name).lower()).strip("_")


def _is_address(name: str) -> bool:
    tokens = name.split("_")
    if _ADDRESS_LINE.match(name):
        return True
    if tokens[0] in ("адрес", "адреса") and not _TECHNICAL.intersection(tokens):
        return True  # адрес_регистрации, адрес проживания
    last = tokens[-1]
    if last not in _ADDRESS_WORDS:
        return False
    return len(tokens) == 1 or tokens[-2] not in _TECHNICAL


@functools.lru_cache(maxsize=4096)
def field_hint(field_name: str) -> str | None:
    """The kind of identifier a field named like this holds, or None.

    DOCUMENT (`passportNo`, `номер паспорта`), PHONE (`mobile`, `телефон`), BIRTH_DATE
    (`dob`, `dateOfBirth`, `дата рождения`), ADDRESS (`street`, `billing_address`, `адрес`,
    not `ip_address`) or NAME (`full_name`, `lastName`, `фио`, `имя`, and a bare `name`,
    which the firewall reads as a label except in `custom` or under a person: `is_label`).
    """
    name = normal_name(field_name)
    if not name:
        return None
    if _DOCUMENT_NAME.search(name):
        return DOCUMENT
    if _PHONE_NAME.search(name):
        return PHONE
    if _BIRTH_FIELD.search(name):
        return BIRTH_DATE
    if _is_address(name):
        return ADDRESS
    if name == "name" or _NAME_FIELD.search(name):
        return NAME
    return None


@functools.lru_cache(maxsize=4096)
def is_digest_field(field_name: str) -> bool:
    """True for fields meant for hashes and device IDs (`canvas_hash`, `device_id_hash`,
    `build_fingerprint`, `persistent_session`): their digests are never cards or IBANs."""
    return _DIGEST_FIELD.search(normal_name(field_name)) is not None


@functools.lru_cache(maxsize=1024)
def is_label(key: str, parent: str, in_list: bool) -> bool:
    """True when a key named bare `name` labels a thing rather than a person.

    `custom.name` (the client's free fields) and `applicant.name`, `customer.name` (an
    object named for a person) are a person's name. Everywhere else a bare `name` names a
    thing: `behaviour.fields[].name = "full_name"` is the name of a form field, and
    `sensors[].name`, `voices[].name`, `plugin.name` name a sensor, a voice, a plugin.
    Compound names (`full_name`, `first_name`) are a person's wherever they are.
    """
    if normal_name(key) != "name":
        return False
    return in_list or _PERSON_PARENT.search(normal_name(parent)) is None
