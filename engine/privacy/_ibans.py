"""IBANs, checked against schwifty's registry of IBAN formats (lengths and BBAN layouts).

An IBAN is a country code, two check digits and the country's BBAN. A random string of
letters and digits passes the mod-97 check once in 97 tries, so the check alone refused
device hashes (7 in 300,000 random 24-hex values, `ad...`, read as Andorran IBANs). What a
candidate must also have, all from the registry or the standard:

- a real country code and that country's exact IBAN length, not inside a longer run of
  letters and digits;
- the country's BBAN layout (`4!n4!n12!c` for Andorra: eight digits, then 12 letters or
  digits), which alone rejects all but ~2% of hex strings after `ad` + two digits;
- letters all of one case: capitals (the electronic format of ISO 13616) or, as people type
  them, all lowercase, but never mixed (base64);
- written contiguously in lowercase, not made only of hex digits: `de89370400440532013000`
  typed in lowercase is indistinguishable from a hex digest, and hex digests are lowercase
  (`hexdigest()`), so that one form is left to the hex side. Grouped (`de89 3704 ...`) or
  in capitals it is an IBAN.
"""

from __future__ import annotations

import functools
import re

from schwifty import registry
from schwifty.exceptions import InvalidCountryCode

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{2}|[a-z]{2})[0-9]{2}")
_LOWER_HEX = frozenset("0123456789abcdef")


@functools.cache
def _spec(country: str) -> tuple[int, re.Pattern[str]] | None:
    """(IBAN length, BBAN regex) of `country` in schwifty's registry, or None."""
    try:
        spec = registry.get_iban_spec(country)
    except InvalidCountryCode:
        return None
    return spec.iban_length, spec.regex


def iban_valid(candidate: str) -> bool:
    """True when `candidate` (no spaces) has its country's length and BBAN layout in
    schwifty's registry and a valid mod-97 check."""
    candidate = candidate.upper()
    spec = _spec(candidate[:2])
    if spec is None or spec[0] != len(candidate) or not candidate.isascii():
        return False
    if not candidate.isalnum() or spec[1].match(candidate[4:]) is None:
        return False
    rearranged = candidate[4:] + candidate[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def has_iban(text: str) -> bool:
    """True when `text` carries an IBAN, contiguous or printed in groups of four."""
    end = len(text)
    for match in _IBAN_START.finditer(text):
        spec = _spec(match.group()[:2].upper())
        if spec is None:
            continue
        length = spec[0]
        chars = [match.group()]
        count, i, grouped = 4, match.end(), False
        # Take exactly the country's length, contiguous or printed in groups of four.
        while count < length and i < end:
            char = text[i]
            if _is_ascii_alnum(char):
                chars.append(char)
                count += 1
                i += 1
            elif char == " " and count % 4 == 0 and i + 1 < end and _is_ascii_alnum(text[i + 1]):
                grouped = True
                i += 1
            else:
                break
        if count != length or (i < end and _is_ascii_alnum(text[i])):
            continue
        candidate = "".join(chars)
        if not (candidate.isupper() or candidate.islower()):
            continue  # mixed case: base64, not an IBAN
        if not grouped and candidate.islower() and _LOWER_HEX.issuperset(candidate):
            continue  # a lowercase hex digest
        if iban_valid(candidate):
            return True
    return False
