"""engine/privacy/_ibans.py: IBANs of every country in schwifty's registry, and no hex."""

from __future__ import annotations

import itertools
import random
import string
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schwifty import IBAN as SchwiftyIBAN
from schwifty import registry
from schwifty.exceptions import InvalidCountryCode

from engine.privacy.detectors import IBAN, find_identifier, iban_valid


def _countries() -> list[str]:
    out = []
    for a, b in itertools.product(string.ascii_uppercase, repeat=2):
        try:
            registry.get_iban_spec(a + b)
        except InvalidCountryCode:
            continue
        out.append(a + b)
    return out


COUNTRIES = _countries()


def _random_iban(country: str, seed: int) -> SchwiftyIBAN:
    with warnings.catch_warnings():  # national check digits schwifty cannot compute
        warnings.simplefilter("ignore")
        return SchwiftyIBAN.random(
            country_code=country, random=random.Random(seed), use_registry=False
        )


def test_the_registry_is_schwiftys() -> None:
    assert len(COUNTRIES) >= 100
    assert {"DE", "GB", "FR", "RU", "UA", "KZ", "BY", "AD", "NO", "LC"} <= set(COUNTRIES)


@pytest.mark.parametrize("country", COUNTRIES)
def test_an_iban_of_every_registry_country_is_found(country: str) -> None:
    for seed in range(3):
        iban = _random_iban(country, seed)
        compact, printed = str(iban), iban.formatted
        assert find_identifier(compact) == IBAN, compact[:2]
        assert find_identifier(printed) == IBAN, compact[:2]
        assert find_identifier(printed.lower()) == IBAN, compact[:2]
        assert find_identifier(f"please pay to {printed}, thanks") == IBAN, compact[:2]


@pytest.mark.parametrize(
    "text",
    [
        "ad97a4768e2f9dd081f0f4a6",  # hex digests that read as Andorran IBANs (mod 97 = 1)
        "ad939e3fbf3d8458eb0d0e01",
        "ad73efc5849a31e56d142eb2",
        "ad33afaae3a9526d75fc52d9",
        "be96026843985078",  # ... and as a Belgian one
        "b:web:*:ad97a4768e2f9dd081f0f4a6",  # the service's own band keys
        "xAD1200012030200359100100",  # inside a longer run
        "AD1200012030200359100100x",
        "Ad1200012030200359100100",  # mixed case
        "AD12 0001 2030 2003 5910 010",  # one short
        "DE8937040044053201300",  # one short for DE
        "ZZ8937040044053201300011",  # no such country
        "DE88 3704 0044 0532 0130 00",  # check digits wrong
    ],
)
def test_hex_digests_and_near_misses_are_not_ibans(text: str) -> None:
    assert find_identifier(text) is None


def test_real_ibans_in_their_usual_forms() -> None:
    for text in (
        "AD1200012030200359100100",
        "AD12 0001 2030 2003 5910 0100",
        "ad12 0001 2030 2003 5910 0100",
        "DE89370400440532013000",
        "DE89 3704 0044 0532 0130 00",
        "GB82WEST12345698765432",
        "gb82west12345698765432",
        "iban=DE89370400440532013000",
    ):
        assert find_identifier(text) == IBAN, text


def test_lowercase_contiguous_all_hex_is_left_to_the_hex_side() -> None:
    # indistinguishable from a hexdigest(); grouped or in capitals it is found (above)
    assert find_identifier("de89370400440532013000") is None


def test_the_bban_layout_is_checked() -> None:
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("DE89370400440532013001")
    # AD is 4!n4!n12!c: letters in the bank code make it no Andorran IBAN, whatever mod 97
    candidates = (f"AD{n:02d}A0012030200359100100" for n in range(100))
    assert not any(iban_valid(c) for c in candidates)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=8, max_size=64))
def test_lowercase_hex_is_never_an_iban(raw: bytes) -> None:
    assert find_identifier(raw.hex()) != IBAN
