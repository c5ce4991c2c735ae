"""Payment card numbers: issuer prefixes (IIN ranges), lengths and check digits.

A card number is digits only, contiguous or printed in groups (4-4-4-4, Amex 4-6-5); the
caller never hands over digits glued to letters, which are part of a hash. A number is a
card when its prefix and length match a scheme below and it passes the Luhn check, or, for
the schemes that do not use Luhn, when it has the scheme's prefix and length (Uzcard and
Humo anywhere; UnionPay only printed in groups, since 62 alone is too common a start).

Sources for the ranges (checked 2026; cite when changing):
- Wikipedia, "Payment card number", IIN table (https://en.wikipedia.org/wiki/Payment_card_number),
  as also transcribed by the hex package simplecardbrand (hexdocs.pm/simplecardbrand):
  Mir 2200-2204 (16-19, Luhn); Mastercard 2221-2720 and 51-55 (16); JCB 3528-3589 (16-19);
  RuPay 60, 65, 81, 82, 508, 353, 356 (16, Luhn); Troy 9792 (16, Luhn); UzCard 8600 and
  5614 (16, no Luhn); Humo 9860 (16, no Luhn); UnionPay 62 (16-19).
- bePaid's card brand list (docs.bepaid.by/ru/reference/card_brands_list) and their SDK's
  patterns (github.com/begateway/begateway-ios-sdk, CardType.swift): Belkart ^9112 and
  Prostir ^9804, 16 digits, Luhn.
- CyberSource UnionPay test cards (developer.cybersource.com, "China UnionPay Test Cards")
  show UnionPay numbers starting with 81; UnionPay numbers need not pass Luhn
  (github.com/Fivell/credit_card_validations, lib/data/brands.yaml: skip_luhn).
"""

from __future__ import annotations

from typing import NamedTuple


class Scheme(NamedTuple):
    name: str
    ranges: tuple[tuple[str, str], ...]  # inclusive prefix ranges, each bound the same length
    lengths: tuple[int, ...]
    luhn: bool  # False: the check digit is not Luhn, the prefix and length decide
    grouped_only: bool = False  # without Luhn, only when printed in groups


_ANY = tuple(range(13, 20))
_LONG = (16, 17, 18, 19)

SCHEMES: tuple[Scheme, ...] = (
    # Amex, Diners, JCB 3528-3589, RuPay 353/356, Visa, Mastercard 51-55, Maestro, Discover,
    # UnionPay 62, RuPay 60/65/508: every issuer on 3-6, with Luhn. Unix times in ms start
    # with 1 (2 from 2033 on), so they never qualify.
    Scheme("international", (("3", "6"),), _ANY, luhn=True),
    Scheme("Mir", (("2200", "2204"),), _LONG, luhn=True),
    Scheme("Mastercard", (("2221", "2720"),), (16,), luhn=True),
    Scheme("RuPay", (("81", "82"),), (16,), luhn=True),
    Scheme("UnionPay", (("81", "81"),), _LONG, luhn=True),
    Scheme("Troy", (("9792", "9792"),), (16,), luhn=True),
    Scheme("Belkart", (("9112", "9112"),), (16,), luhn=True),
    Scheme("Prostir", (("9804", "9804"),), (16,), luhn=True),
    Scheme("Uzcard", (("8600", "8600"), ("5614", "5614")), (16,), luhn=False),
    Scheme("Humo", (("9860", "9860"),), (16,), luhn=False),
    Scheme("UnionPay", (("62", "62"), ("81", "81")), _LONG, luhn=False, grouped_only=True),
)


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn checksum."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def scheme_of(digits: str, grouped: bool) -> str | None:
    """The name of the first scheme `digits` belongs to, or None.

    `grouped` says the number was printed in groups (the caller checked the grouping).
    """
    length = len(digits)
    if not 13 <= length <= 19:
        return None
    luhn: bool | None = None
    for scheme in SCHEMES:
        if length not in scheme.lengths:
            continue
        if not any(low <= digits[: len(low)] <= high for low, high in scheme.ranges):
            continue
        if not scheme.luhn:
            if grouped or not scheme.grouped_only:
                return scheme.name
            continue
        if luhn is None:
            luhn = luhn_valid(digits)
        if luhn:
            return scheme.name
    return None


def is_card_grouping(lengths: list[int]) -> bool:
    """4-4-4-4(-1..4), 4-6-5 (Amex), 4-6-4 (Diners), or one contiguous run."""
    if len(lengths) == 1:
        return True
    if lengths[0] != 4:
        return False
    if lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return all(length == 4 for length in lengths[:-1]) and lengths[-1] <= 4
