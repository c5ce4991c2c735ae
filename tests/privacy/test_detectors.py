"""engine/privacy/detectors.py: identifiers in many shapes are found, device strings are not.

The hypothesis strategies here are reused by test_firewall.py.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

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

EXAMPLES = settings(max_examples=150, deadline=None)

# -- identifier strategies ------------------------------------------------------------------

_DIGIT = "0123456789"


def _digits(n: int, first: str = _DIGIT) -> st.SearchStrategy[str]:
    head = st.sampled_from(first)
    tail = st.text(_DIGIT, min_size=n - 1, max_size=n - 1)
    return st.builds(lambda a, b: a + b, head, tail)


_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_éüñжюя用户"
_local_atoms = st.text(_LOCAL_CHARS, min_size=1, max_size=10)
_local_part = st.builds(
    lambda atoms, joiners: "".join(a + j for a, j in zip(atoms, joiners, strict=False)) + atoms[-1],
    st.lists(_local_atoms, min_size=1, max_size=3),
    st.lists(st.sampled_from([".", "+", "-", "_"]), min_size=2, max_size=2),
)
_label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_tld = st.sampled_from(["com", "org", "ru", "co.uk", "io", "de", "info", "рф", "xn--p1ai"])
emails = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    _local_part,
    st.lists(_label, min_size=1, max_size=3),
    _tld,
)
obfuscated_emails = st.builds(
    lambda local, domain, tld, style: style.format(local=local, domain=domain, tld=tld),
    st.from_regex(r"[a-z][a-z0-9.]{0,8}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9]{1,10}", fullmatch=True),
    st.sampled_from(["com", "org", "net"]),
    st.sampled_from(
        [
            "{local} at {domain} dot {tld}",
            "{local} [at] {domain} [dot] {tld}",
            "{local}(at){domain}.{tld}",
            "{local} (at) {domain} (dot) {tld}",
            '"{local}"@{domain}.{tld}',
        ]
    ),
)

_N = "23456789"
phones = st.one_of(
    # E.164, contiguous: +14155552671
    st.builds(lambda cc, rest: f"+{cc}{rest}", _digits(2, "123456789"), _digits(9)),
    # +44 20 7946 0958, +49 30 123456, +33 1 23 45 67 89 ...
    st.builds(
        lambda cc, groups: "+" + cc + "".join(" " + g for g in groups),
        _digits(2, "123456789"),
        st.lists(st.integers(2, 4).flatmap(_digits), min_size=3, max_size=4).filter(
            lambda groups: len("".join(groups)) <= 13  # E.164: 15 digits at most
        ),
    ),
    # +7 (912) 345-67-89 and 8 (912) 345-67-89
    st.builds(
        lambda lead, a, b, c, d: f"{lead} ({a}) {b}-{c}-{d}",
        st.sampled_from(["+7", "8", "+7", "+380"]),
        _digits(3, "9"),
        _digits(3),
        _digits(2),
        _digits(2),
    ),
    # NANP: (415) 555-2671, 415-555-2671, 415.555.2671, 415 555 2671, 1-415-555-2671
    st.builds(
        lambda style, a, b, c: style.format(a=a, b=b, c=c),
        st.sampled_from(
            [
                "({a}) {b}-{c}",
                "{a}-{b}-{c}",
                "{a}.{b}.{c}",
                "{a} {b} {c}",
                "1-{a}-{b}-{c}",
                "+1 {a} {b} {c}",
                "1 ({a}) {b}-{c}",
            ]
        ),
        _digits(3, _N),
        _digits(3, _N),
        _digits(4),
    ),
    # national with trunk 0: 020 7946 0958, 07700 900123, 030 1234567, 01 23 45 67 89
    st.builds(lambda a, b, c: f"0{a} {b} {c}", _digits(2, "123456789"), _digits(4), _digits(4)),
    st.builds(lambda a, b: f"07{a} {b}", _digits(3), _digits(6)),
    st.builds(lambda a, b: f"0{a} {b}", _digits(2, "123456789"), _digits(7)),
    st.builds(
        lambda a, groups: f"0{a} " + " ".join(groups),
        _digits(1, "123456789"),
        st.lists(_digits(2), min_size=4, max_size=4),
    ),
    # international prefix 00: 0049 30 1234567
    st.builds(lambda cc, a, b: f"00{cc} {a} {b}", _digits(2, "123456789"), _digits(2), _digits(7)),
    # bare: 89123456789, 79123456789, 07700900123, 14155552671
    st.builds(lambda lead, rest: lead + rest, st.sampled_from(["89", "79"]), _digits(9)),
    st.builds(lambda rest: "07" + rest, _digits(9)),
    st.builds(lambda a, b: f"1{a}{b}", _digits(3, _N), _digits(7, _N)),
)


def _luhn_complete(body: str) -> str:
    for check in _DIGIT:
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


_CARD_PREFIXES = ["4", "51", "52", "53", "54", "55", "2221", "2720", "34", "37", "6011", "65"]
card_numbers = st.builds(
    lambda prefix, length, fill: _luhn_complete((prefix + fill)[: length - 1]),
    st.sampled_from(_CARD_PREFIXES),
    st.integers(13, 19),
    st.text(_DIGIT, min_size=19, max_size=19),
)


def _group_card(digits: str, style: str, sep: str) -> str:
    if style == "plain":
        return digits
    if style == "amex" and len(digits) == 15:
        return sep.join([digits[:4], digits[4:10], digits[10:]])
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


cards = st.builds(
    _group_card, card_numbers, st.sampled_from(["plain", "fours", "amex"]), st.sampled_from(" -")
)

# BBAN layouts: "n" digit, "a" upper letter, "c" letter or digit
_IBAN_FORMATS = {
    "DE": "n" * 18,
    "GB": "aaaa" + "n" * 14,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "NL": "aaaa" + "n" * 10,
    "ES": "n" * 20,
    "IT": "a" + "n" * 10 + "c" * 12,
    "RU": "n" * 29,
    "CH": "n" * 5 + "c" * 12,
    "PL": "n" * 24,
    "NO": "n" * 11,
}
_CLASSES = {"n": _DIGIT, "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "ABCDEFGHXYZ0123456789"}


def _iban(country: str, chars: list[str], grouped: bool) -> str:
    layout = _IBAN_FORMATS[country]
    bban = "".join(_CLASSES[kind][index % len(_CLASSES[kind])] for kind, index in zip(
        layout, [ord(c) for c in chars], strict=False
    ))  # fmt: skip
    numeric = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    iban = f"{country}{98 - numeric % 97:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if grouped else iban


ibans = st.builds(
    _iban,
    st.sampled_from(sorted(_IBAN_FORMATS)),
    st.lists(st.characters(min_codepoint=32, max_codepoint=126), min_size=30, max_size=30),
    st.booleans(),
)

ssns = st.builds(
    lambda a, g, s: f"{a:03d}-{g:02d}-{s:04d}",
    st.integers(1, 899).filter(lambda a: a != 666),
    st.integers(1, 99),
    st.integers(1, 9999),
)

identifiers: st.SearchStrategy[tuple[str, str]] = st.one_of(
    st.tuples(st.just(EMAIL), emails | obfuscated_emails),
    st.tuples(st.just(PHONE), phones),
    st.tuples(st.just(CARD), cards),
    st.tuples(st.just(IBAN), ibans),
    st.tuples(st.just(DOCUMENT), ssns),
)

_WORDS = [
    "hello", "please", "call", "me", "my", "order", "number", "is", "thanks", "Привет",
    "contact", "here", "value", "note", "ok", "Zahlung", "pour", "le", "compte", "see",
]  # fmt: skip
words = st.lists(st.sampled_from(_WORDS), max_size=6)


@st.composite
def embedded(draw: st.DrawFn, values: st.SearchStrategy[str]) -> str:
    """`value` at a random position in random text, maybe wrapped in punctuation."""
    value = draw(values)
    before, after = draw(words), draw(words)
    opener = draw(st.sampled_from(["", "", "(", '"', "tel: ", "IBAN: "]))
    closer = draw(st.sampled_from(["", "", ".", ",", ";", ")", "!", '"']))
    return " ".join([*before, opener + value + closer, *after])


# -- realistic device strings, which must never be flagged ----------------------------------

_versions = st.builds(
    lambda major, build, patch: f"{major}.0.{build}.{patch}",
    st.integers(90, 140),
    st.integers(4000, 7999),
    st.integers(0, 300),
)
_models = st.sampled_from(["SM-S918B", "Pixel 8 Pro", "M2101K6G", "CPH2451", "SM-A546E", "K"])
_build_ids = st.builds(
    lambda p, d, n: f"{p}.{d}.{n:03d}",
    st.sampled_from(["UP1A", "TP1A", "AP2A", "UQ1A", "SP1A"]),
    st.integers(200101, 241231).map(str),
    st.integers(0, 99),
)
user_agents = st.one_of(
    st.builds(
        lambda os, v: (
            f"Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v} Safari/537.36"
        ),
        st.sampled_from(
            [
                "Windows NT 10.0; Win64; x64",
                "Macintosh; Intel Mac OS X 10_15_7",
                "X11; Linux x86_64",
            ]
        ),
        _versions,
    ),
    st.builds(
        lambda a, m, b, v: (
            f"Mozilla/5.0 (Linux; Android {a}; {m} Build/{b}; wv) "
            f"AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/{v} Mobile Safari/537.36"
        ),
        st.integers(8, 15),
        _models,
        _build_ids,
        _versions,
    ),
    st.builds(
        lambda a, b, c, w: (
            f"Mozilla/5.0 (iPhone; CPU iPhone OS {a}_{b}_{c} like Mac OS X) "
            f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{a}.{b}.{c} Mobile/15E{w} "
            f"Safari/604.1"
        ),
        st.integers(12, 18),
        st.integers(0, 7),
        st.integers(0, 9),
        st.integers(100, 999),
    ),
    st.builds(
        lambda v: (
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"
        ),
        st.integers(90, 140),
    ),
    st.builds(
        lambda v, e: (
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
            f"like Gecko) Chrome/{v} Safari/537.36 Edg/{e}"
        ),
        _versions,
        _versions,
    ),
    st.sampled_from(
        [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            "curl/8.5.0",
            "python-requests/2.32.3",
            "okhttp/4.12.0",
            "Dalvik/2.1.0 (Linux; U; Android 14; SM-S918B Build/UP1A.231005.007)",
        ]
    ),
)
_random_bytes = st.binary(min_size=16, max_size=32)
hashes = st.one_of(
    st.builds(lambda b: b.hex(), _random_bytes),
    st.builds(lambda b: b.hex().upper(), _random_bytes),
    st.builds(lambda b: base64.b64encode(b).decode(), _random_bytes),
    st.builds(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="), _random_bytes),
)
fingerprints = st.builds(
    lambda brand, product, android, build, inc: (
        f"{brand}/{product}/{product[:4]}:{android}/{build}/{inc}:user/release-keys"
    ),
    st.sampled_from(["samsung", "google", "xiaomi", "OnePlus"]),
    st.from_regex(r"[a-z][a-z0-9]{3,9}", fullmatch=True),
    st.integers(8, 15),
    _build_ids,
    st.from_regex(r"[A-Z0-9]{6,14}", fullmatch=True),
)
renderers = st.one_of(
    st.builds(
        lambda gpu, dev: (
            f"ANGLE (NVIDIA, NVIDIA GeForce RTX {gpu} (0x0000{dev:04X}) "
            f"Direct3D11 vs_5_0 ps_5_0, D3D11)"
        ),
        st.integers(2060, 4090),
        st.integers(0, 0xFFFF),
    ),
    st.builds(
        lambda gpu, v: (
            f"ANGLE (Intel, Intel(R) UHD Graphics {gpu} Direct3D11 vs_5_0 ps_5_0, D3D11-{v})"
        ),
        st.integers(600, 770),
        _versions,
    ),
    st.builds(lambda n, m: f"Mali-G{n} MP{m}", st.integers(52, 720), st.integers(2, 24)),
    st.builds(lambda n: f"Adreno (TM) {n}", st.integers(500, 760)),
    st.just("Apple GPU"),
)
_instants = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2035, 1, 1))
timestamps = st.one_of(
    _instants.map(lambda d: str(int(d.replace(tzinfo=UTC).timestamp()))),
    _instants.map(lambda d: str(int(d.replace(tzinfo=UTC).timestamp() * 1000))),
    _instants.map(lambda d: d.isoformat()),
    _instants.map(lambda d: d.replace(tzinfo=UTC).isoformat()),
    _instants.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),
    st.builds(
        lambda d, h: (d.replace(tzinfo=UTC) + timedelta(hours=h)).strftime(
            "%a %b %d %Y %H:%M:%S GMT+0300 (Moscow Standard Time)"
        ),
        _instants,
        st.integers(0, 3),
    ),
)
# major.minor[.patch[.build]]: a minor version stays below 100 (a dotted 3.3.4 shape such
# as 415.555.2671 is how US phone numbers are written, and is flagged)
versions = st.builds(
    lambda major, minor, rest: ".".join([str(major), str(minor), *map(str, rest)]),
    st.integers(0, 2100),
    st.integers(0, 99),
    st.lists(st.integers(0, 9999), max_size=2),
)
uuids = (
    st.uuids().map(str)
    | st.uuids().map(lambda u: str(u).upper())
    | st.builds(lambda b: str(uuid.UUID(bytes=b)), st.binary(min_size=16, max_size=16))
)
ips = st.ip_addresses().map(str)
plain_device_values = st.sampled_from(
    [
        "Europe/Moscow", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "Etc/GMT+3",
        "en-US", "ru-RU", "zh-Hans-CN", "sr-Latn-RS", "1920x1080", "2560x1440", "390x844",
        "BMI160 Accelerometer", "LSM6DSO Gyroscope", "AK09918 Magnetometer", "AT&T", "T-Mobile",
        "MegaFon", "Vodafone UK", "MTS RUS", "Win32", "Linux armv8l", "MacIntel", "iPhone",
        "4g", "wifi", "Google Inc. (NVIDIA)", "WebKit", "com.example.app", "Build/UP1A.231005",
    ]
)  # fmt: skip
device_strings = st.one_of(
    user_agents,
    hashes,
    fingerprints,
    renderers,
    timestamps,
    versions,
    uuids,
    ips,
    plain_device_values,
)


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


@settings(max_examples=200, deadline=None)
@given(
    device_strings,
    st.sampled_from(["", "user_agent", "webgl_renderer", "build_fingerprint", "value", "id"]),
)
def test_device_strings_are_not_identifiers(text: str, field_name: str) -> None:
    assert find_identifier(text, field_name) is None


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
    ],
)
def test_known_device_strings_are_not_identifiers(text: str) -> None:
    assert find_identifier(text) is None


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
