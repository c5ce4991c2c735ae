"""Hypothesis strategies shared by the privacy tests: identifiers in many shapes, and
realistic device strings that must never be taken for one."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import phonenumbers
from hypothesis import strategies as st

from engine.privacy.detectors import CARD, DOCUMENT, EMAIL, IBAN, PHONE, luhn_valid

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


# (prefix, lengths, Luhn): the schemes of engine/privacy/_cards.py, national ones included
CARD_SCHEMES: list[tuple[str, tuple[int, ...], bool]] = [
    ("4", (13, 16, 19), True),  # Visa
    *[(p, (16,), True) for p in ("51", "52", "53", "54", "55", "2221", "2720")],  # Mastercard
    ("34", (15,), True), ("37", (15,), True),  # Amex
    ("6011", (16, 19), True), ("65", (16,), True),  # Discover
    ("36", (14,), True), ("5018", (12, 13, 19), True),  # Diners, Maestro
    *[(p, (16, 17, 18, 19), True) for p in ("2200", "2204")],  # Mir
    *[(p, (16,), True) for p in ("3528", "3589")],  # JCB
    *[(p, (16,), True) for p in ("60", "81", "82", "508", "353", "356")],  # RuPay
    ("62", (16, 19), True), ("81", (17, 19), True),  # UnionPay
    ("9792", (16,), True), ("9112", (16,), True), ("9804", (16,), True),  # Troy, Belkart, Prostir
    ("8600", (16,), False), ("5614", (16,), False), ("9860", (16,), False),  # Uzcard, Humo
]  # fmt: skip
_CARD_SCHEMES_13 = [s for s in CARD_SCHEMES if max(s[1]) >= 13]


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    prefix, lengths, luhn = draw(st.sampled_from(_CARD_SCHEMES_13))
    length = draw(st.sampled_from([n for n in lengths if n >= 13]))
    fill = draw(st.text(_DIGIT, min_size=19, max_size=19))
    if not luhn:
        return (prefix + fill)[:length]
    return _luhn_complete((prefix + fill)[: length - 1])


def _group_card(digits: str, style: str, sep: str) -> str:
    if style == "plain":
        return digits
    if style == "amex" and len(digits) == 15:
        return sep.join([digits[:4], digits[4:10], digits[10:]])
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


cards = st.builds(
    _group_card, card_numbers(), st.sampled_from(["plain", "fours", "amex"]), st.sampled_from(" -")
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
_more_formats = [
    "%d-%m-%Y", "%Y/%m/%d", "%d %b %Y", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M",
    "%Y-%m-%d", "%d-%m-%y", "%b %d, %Y", "%Y %m %d", "%H:%M:%S", "%d %m %Y",
]  # fmt: skip
dates = st.builds(lambda d, fmt: d.strftime(fmt), _instants, st.sampled_from(_more_formats))
android_build_ids = st.one_of(
    _build_ids,
    st.builds(lambda b, c: f"{b}.{c}", _build_ids, st.sampled_from(["C2", "A1", "B3"])),
)
kernels = st.builds(
    lambda a, b, c, n, m, x, h: f"{a}.{b}.{c}-android{n}-{m}-{x:05d}-g{h}",
    st.integers(4, 6), st.integers(0, 20), st.integers(0, 300), st.integers(11, 15),
    st.integers(1, 9), st.integers(0, 99999),
    st.binary(min_size=4, max_size=4).map(lambda b: b.hex()),
)  # fmt: skip
resolutions = st.builds(
    lambda w, h, style: style.format(w=w, h=h),
    st.integers(240, 7680),
    st.integers(240, 4320),
    # not "{w} {h}": two numbers and a space are how Hong Kong writes phone numbers
    st.sampled_from(["{w}x{h}", "{w} x {h}", "{w}\u00d7{h}", "{w}*{h}", "{w}x{h}@2x"]),
)
# A bare amount grouped by thousands ("100 000", no currency, no decimals) is left out: in
# regions whose phone numbers are written that way (AD: "100 000"; KH: "12 345 678") it *is*
# a well-formed phone number, the firewall's one documented false positive of this kind.
amounts = st.builds(
    lambda n, style: style.format(n=n, s=f"{n:,}".replace(",", " ")),
    st.integers(1000, 99_999_999),
    st.sampled_from(["{s} ₽", "{n:,}.00", "$ {n:,}", "{s},50 €", "{n}"]),
)
mcc_mnc = st.builds(
    lambda mcc, mnc, style: style.format(mcc=mcc, mnc=mnc),
    st.integers(200, 750),
    st.integers(0, 99),
    st.sampled_from(["{mcc}-{mnc:02d}", "{mcc}{mnc:02d}"]),
)
client_hints = st.builds(
    lambda major, brand: f'"Chromium";v="{major}", "{brand}";v="24", "Google Chrome";v="{major}"',
    st.integers(100, 140),
    st.sampled_from(["Not_A Brand", "Not A(Brand", "Not/A)Brand"]),
)
full_versions = st.builds(
    lambda name, v: f"{name} {v}", st.sampled_from(["Chrome", "Android", "iOS", "v"]), versions
)
app_versions = st.builds(
    lambda a, b, c: f"{a}.{b}.{c} ({a}{b:02d}{c:02d})",
    st.integers(1, 30), st.integers(0, 99), st.integers(0, 99),
)  # fmt: skip
macs = st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02X}" for x in b))
more_device_values = st.sampled_from(
    [
        "UP1A.231005.007", "TQ3A.230901.001.C2", "AP2A.240905.003", "131.0.6778.86",
        "1732370000000", "1732370000.123", "192.168.100.200", "10.0.0.1", "GMT+03:00",
        "UTC+3", "87%", "8 GB", "244198 MB", "SDK 34", "API 34", "Mali-G710 MP7",
        "Adreno (TM) 740", "Intel(R) UHD Graphics 620", "x86_64", "arm64-v8a", "250-02",
        "2.625", "1080x2340 @ 2.625", "Europe/Berlin (UTC+01:00)", "17:45:30.123",
        "PT1H30M", "1.5e-7", "-33.868820, 151.209296", "5.12.0 (51200)", "12 345 678 ₽",
        "ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
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
    dates,
    android_build_ids,
    kernels,
    resolutions,
    amounts,
    mcc_mnc,
    client_hints,
    full_versions,
    app_versions,
    macs,
    more_device_values,
)
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
regions: st.SearchStrategy[str | None] = st.none() | st.sampled_from(REGIONS)
"""The client's region hint: unknown, or any region libphonenumber knows."""
