"""engine/privacy/_cards.py: card schemes (IIN ranges, lengths, check digits)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.privacy._cards import SCHEMES, is_card_grouping, luhn_valid, scheme_of
from engine.privacy.detectors import CARD, find_identifier
from tests.privacy.strategies import CARD_SCHEMES, cards, embedded


def _luhn(body: str) -> str:
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


def _not_luhn(body: str) -> str:
    return next(body + c for c in "0123456789" if not luhn_valid(body + c))


def _fours(digits: str, sep: str = " ") -> str:
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


@pytest.mark.parametrize(
    ("prefix", "scheme"),
    [
        ("2200", "Mir"), ("2204", "Mir"), ("3528", "international"), ("3589", "international"),
        ("8100", "RuPay"), ("8200", "RuPay"), ("9792", "Troy"), ("9112", "Belkart"),
        ("9804", "Prostir"), ("8600", "Uzcard"), ("9860", "Humo"), ("5614", "international"),
        ("6200", "international"), ("6521", "international"), ("6011", "international"),
    ],
)  # fmt: skip
def test_national_schemes_with_luhn_are_cards_contiguous_and_grouped(
    prefix: str, scheme: str
) -> None:
    number = _luhn(prefix + "12345678901")
    assert len(number) == 16
    assert scheme_of(number, grouped=False) == scheme
    for text in (number, _fours(number), _fours(number, "-"), f"card {_fours(number)}."):
        assert find_identifier(text) == CARD


@pytest.mark.parametrize("prefix", ["8600", "9860", "5614"])
def test_uzcard_and_humo_need_no_luhn(prefix: str) -> None:
    number = _not_luhn(prefix + "14044227673")
    assert find_identifier(number) == CARD
    assert find_identifier(_fours(number)) == CARD
    assert find_identifier(number[:15]) is None  # 16 digits exactly


@pytest.mark.parametrize("prefix", ["9792", "9112", "9804", "8200", "2200"])
def test_schemes_with_luhn_need_it(prefix: str) -> None:
    assert find_identifier(_fours(_not_luhn(prefix + "12345678901"))) is None


def test_unionpay_without_luhn_only_when_printed_in_groups() -> None:
    number = _not_luhn("621234567890123")
    assert find_identifier(_fours(number)) == CARD
    assert find_identifier(number) is None  # a bare 16-digit number starting 62
    assert find_identifier(_fours(_not_luhn("811234567890123"))) == CARD
    assert find_identifier(_luhn("8112345678901234")) == CARD  # 17 digits, UnionPay 81


def test_mastercard_two_series_has_16_digits() -> None:
    assert find_identifier(_luhn("222100000000")) is None  # 13 digits on 2221: no scheme
    assert find_identifier(_luhn("222100000000000")) == CARD


def test_timestamps_and_ids_starting_with_1_are_never_cards() -> None:
    for stamp in ("1732370000000", "1732370000000000", "1732370000000000000"):
        body = stamp[:-1]
        assert find_identifier(_luhn(body)) is None


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111abc",
        "abc4111111111111111",
        "x4111 1111 1111 1111",
        "9f86d08188 4111111111111111",
        "4111111111111111ff",
        "deadbeef-4111-1111-1111-111111111111",
        "dGVzdA+4111111111111111/abc",
    ],
)
def test_digits_glued_to_hash_letters_are_no_card(text: str) -> None:
    if text.startswith("9f86d08188 "):  # a separate word: a card after a hash chunk
        assert find_identifier(text) == CARD
    else:
        assert find_identifier(text) is None


def test_groupings() -> None:
    assert is_card_grouping([16])
    assert is_card_grouping([4, 4, 4, 4])
    assert is_card_grouping([4, 4, 4, 4, 3])
    assert is_card_grouping([4, 6, 5])
    assert not is_card_grouping([8, 8])
    assert not is_card_grouping([4, 12])
    assert find_identifier("41111111 11111111") is None


def test_the_table_covers_the_test_schemes() -> None:
    names = {scheme.name for scheme in SCHEMES}
    assert {"Mir", "RuPay", "UnionPay", "Troy", "Belkart", "Prostir", "Uzcard", "Humo"} <= names
    assert len(CARD_SCHEMES) >= 25


@settings(max_examples=200, deadline=None)
@given(embedded(cards), st.sampled_from([None, "DE", "RU", "UZ", "IN", "CN", "TR"]))
def test_cards_of_every_scheme_are_found_anywhere(text: str, region: str | None) -> None:
    assert find_identifier(text, "comment", region=region) == CARD
