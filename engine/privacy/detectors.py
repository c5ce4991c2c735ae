"""Direct-identifier detection in free strings.

`find_identifier` answers one question for every string of every payload: does it carry an
e-mail address, a phone number, a payment card number, an IBAN or an identity document
number? It returns the KIND only, never the value, so nothing downstream can log it.

How false positives are kept out of device data (user agents, build fingerprints, WebGL
renderers, hashes, timestamps, versions):

- numbers glued to letters, `_`, `/`, `.`, `-` or `+` (hash chunks, `Chrome/126.0.6478.127`,
  `UP1A.231005.007`, base64) never start or end a candidate;
- a candidate is split into digit groups and only accepted when the groups have the shape of
  a phone number (international `+`/`00` prefix, NANP 3-3-4, a trunk digit `8 (912) ...`, a
  national `0...` number) or of a card number (Luhn-valid, contiguous or printed 4-4-4-4(-3)
  / 4-6-5, issuer digit 2-6 with 2 only for Mir 2200-2204 and Mastercard 2221-2720, so unix
  times in ms, which start with 1 until 2033 and with 20/21 until 2039, never qualify);
- runs of several numbers ("1920 1080 415 555 2671") are tried group window by group
  window, but a phone window must start the run unless it is NANP 3-3-4, and numbers
  written with dots only (versions, IP addresses, decimals) are a phone only as 3.3.4;
- a bare run of digits is a phone number only in three unmistakable shapes (`0` + 9-10
  digits, Russian `79`/`89` + 9 digits, NANP `1` + 10 digits); other bare runs only when the
  field is named like a phone field;
- identity document numbers are only looked for in fields named like one, except the US SSN
  shape `123-45-6789`, found anywhere.

Phone numbers are recognised by structure, not by numbering-plan validity (libphonenumber):
a mistyped or not-yet-allocated number is still somebody's attempt at a phone number, and
structure is an order of magnitude cheaper to check.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote_plus

EMAIL = "e-mail address"
PHONE = "phone number"
CARD = "payment card number"
IBAN = "IBAN"
DOCUMENT = "identity document number"

_DIGIT_BYTES = b"0123456789"


def _digit_count(text: str) -> int:
    """ASCII digits in `text` (bytes.translate is 5-10x faster than str.translate here)."""
    encoded = text.encode("utf-8", "surrogatepass")
    return len(encoded) - len(encoded.translate(None, _DIGIT_BYTES))


# -- e-mail ---------------------------------------------------------------------------------

_LOCAL_CHAR = r"[\w!#$%&'*+/=?^`{|}~-]"
_LOCAL = rf"(?:{_LOCAL_CHAR}+(?:\.{_LOCAL_CHAR}+)*|\"[^\"\r\n]{{1,64}}\")"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_TLD = r"(?:xn--[a-z0-9-]{2,59}|[^\W\d_]{2,63})"
_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+(?P<tld>{_TLD})(?![\w-])", re.IGNORECASE)
# `icon@2x.png` is an asset name, not an address.
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "js", "css"})

_AT_WORD = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT_WORD = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_OBFUSCATED = re.compile(
    rf"(?<![\w.+-])[\w.+-]{{1,64}}(?P<at>{_AT_WORD})"
    rf"(?P<domain>(?:{_LABEL}(?:\.|{_DOT_WORD}))+){_TLD}(?![\w-])",
    re.IGNORECASE,
)
_AT_HINT = re.compile(r"[\s\[({<]at[\s\])}>]", re.IGNORECASE)
_DOT_WORD_RE = re.compile(_DOT_WORD, re.IGNORECASE)


def _has_email(text: str) -> bool:
    if "@" in text:
        for match in _EMAIL.finditer(text):
            if match.group("tld").lower() not in _FILE_SUFFIXES:
                return True
    if "at" not in text.lower() or _AT_HINT.search(text) is None:
        return False
    for match in _OBFUSCATED.finditer(text):
        # "look at example.com" is ordinary English: a plain " at " counts only together
        # with a spelled-out dot ("name at example dot com"); "[at]" and "(at)" always count.
        if match.group("at").strip().lower() != "at":
            return True
        if _DOT_WORD_RE.search(match.group("domain")):
            return True
    return False


# -- IBAN -----------------------------------------------------------------------------------

_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}")


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def iban_valid(candidate: str) -> bool:
    """True when `candidate` (no spaces) has its country's length and a valid mod-97 check."""
    candidate = candidate.upper()
    if _IBAN_LENGTHS.get(candidate[:2]) != len(candidate) or not candidate.isalnum():
        return False
    rearranged = candidate[4:] + candidate[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _has_iban(text: str) -> bool:
    end = len(text)
    for match in _IBAN_START.finditer(text):
        length = _IBAN_LENGTHS.get(match.group().upper()[:2])
        if length is None:
            continue
        chars = [match.group()]
        count, i = 4, match.end()
        # Take exactly the country's length, contiguous or printed in groups of four.
        while count < length and i < end:
            char = text[i]
            if _is_ascii_alnum(char):
                chars.append(char)
                count += 1
                i += 1
            elif char == " " and count % 4 == 0 and i + 1 < end and _is_ascii_alnum(text[i + 1]):
                i += 1
            else:
                break
        if count == length and (i == end or not _is_ascii_alnum(text[i])):
            if iban_valid("".join(chars)):
                return True
    return False


# -- numbers: cards, SSN, phones ------------------------------------------------------------

# A run of digits and phone punctuation that is not glued to a word, path, version or hash.
# (Written to start with a character class, with the look-behind on the character before
# the first one, because Python's re can then skip ahead quickly: 40% faster on UAs.)
_NUMERIC_RUN = re.compile(
    r"[+(0-9](?<![\w+./\\-][+(0-9])(?:(?<=\+)\(?[0-9]|(?<=\()[0-9]|(?<=[0-9]))"
    r"[0-9 ().\-]{4,40}[0-9](?![\w/\\+=]|[.\-][0-9])"
)
_GROUP_SPLIT = re.compile(r"([^0-9]+)")
_BARE_PHONE = re.compile(r"0[1-9][0-9]{8,9}|[78]9[0-9]{9}|1[2-9][0-9]{2}[2-9][0-9]{6}")
_SSN_SHAPE = re.compile(r"(?!000|666|9)[0-9]{3}-(?!00)[0-9]{2}-(?!0000)[0-9]{4}")


class _Segment:
    """Digit groups of a candidate, with the separator core before each and paren flags."""

    __slots__ = ("groups", "parens", "plus", "seps")

    def __init__(self, plus: bool) -> None:
        self.plus = plus
        self.groups: list[str] = []
        self.seps: list[str] = []  # seps[k] sits between groups[k] and groups[k + 1]
        self.parens: list[bool] = []


def _segments(candidate: str) -> list[_Segment]:
    """Split a candidate at anything that is not a single phone separator."""
    plus = candidate.startswith("+")
    if candidate.count("(") != candidate.count(")"):  # "(415-555-2671": stray punctuation
        if candidate.startswith("("):
            candidate = candidate[1:]
        if candidate.count("(") != candidate.count(")"):
            candidate = candidate.replace("(", "").replace(")", "")
    parts = _GROUP_SPLIT.split(candidate[1:] if plus else candidate)
    opened = False
    if parts[0] == "":  # starts with "("
        opened = True
        parts = parts[2:]
    segment = _Segment(plus)
    segments = [segment]
    for index in range(0, len(parts), 2):
        segment.groups.append(parts[index])
        segment.parens.append(opened)
        if index + 1 == len(parts):
            break
        sep = parts[index + 1]
        closes = sep.startswith(")")
        opens = sep.endswith("(")
        core = sep[1 if closes else 0 : len(sep) - 1 if opens else len(sep)]
        valid = core in ("", " ", "-", ".") and closes == opened and (core or closes or opens)
        if valid:
            segment.seps.append(core)
            opened = opens
        else:
            if opened and not closes:  # an unclosed "(": the group was not in parens
                segment.parens[-1] = False
            segment = _Segment(False)
            segments.append(segment)
            opened = opens
    if opened:
        segment.parens[-1] = False
    return segments


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn checksum."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_shape(lengths: list[int], digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or digits[0] not in "23456":
        return False  # issuers 2-6; unix times in ms start with 1 (2 from 2033 on)
    if digits[0] == "2" and not ("2200" <= digits[:4] <= "2204" or "2221" <= digits[:4] <= "2720"):
        return False  # Mir 2200-2204, Mastercard 2221-2720; ms timestamps 2033-2039 are not
    if len(lengths) > 1 and lengths[0] != 4:
        return False
    if len(lengths) > 1 and lengths not in ([4, 6, 5], [4, 6, 4]):
        if any(length != 4 for length in lengths[:-1]) or lengths[-1] > 4:
            return False
    return luhn_valid(digits)


def _nanp(groups: list[str]) -> bool:
    """415 555 2671: the one phone shape also looked for inside a longer run of numbers."""
    return (
        len(groups) == 3
        and [len(group) for group in groups] == [3, 3, 4]
        and groups[0][0] in "23456789"
        and groups[1][0] in "23456789"
    )


def _phone_shape(
    groups: list[str], seps: list[str], parens: list[bool], plus: bool, hinted: bool
) -> bool:
    digits = "".join(groups)
    count = len(digits)
    if plus:
        return 8 <= count <= 15 and digits[0] != "0"
    if digits.startswith("00") and count >= 10 and digits[2] != "0" and "." not in seps:
        return count - 2 <= 15
    if hinted:
        return 7 <= count <= 15
    if count < 8:
        return False
    lengths = [len(group) for group in groups]
    if True in parens:
        where = parens.index(True)
        return (
            parens.count(True) == 1
            and "." not in seps
            and lengths[where] <= 5
            and (where == 0 or (where == 1 and lengths[0] == 1))
            and 9 <= count <= 12
        )
    uniform = len(set(seps)) <= 1
    if uniform and (_nanp(groups) or (groups[0] == "1" and _nanp(groups[1:]))):
        return True  # NANP: 415-555-2671, 415.555.2671, 1 415 555 2671
    if "." in seps or not uniform:
        return False
    if len(groups) == 1:
        return _BARE_PHONE.fullmatch(digits) is not None
    first = groups[0]
    if first in ("1", "7", "8") and count == 11 and lengths[1] == 3:
        return lengths[2:] in ([3, 4], [3, 2, 2])  # 8 912 345-67-89, 1 415 555 2671
    return (
        first[0] == "0"
        and first[1:2] != "0"
        and 2 <= len(first) <= 5
        and (9 <= count <= 11 and min(lengths) >= 2)
    )  # national: 020 7946 0958, 07700 900123, 01 23 45 67 89


_DOTTED = re.compile(r"[0-9]+(?:\.[0-9]+)+")
_DOTTED_NANP = re.compile(r"(?<![0-9])[2-9][0-9]{2}\.[2-9][0-9]{2}\.[0-9]{4}(?![0-9])")


def _numeric_kind(text: str, phone_hint: bool) -> str | None:
    phone = False
    for match in _NUMERIC_RUN.finditer(text):
        candidate = match.group()
        if not phone_hint and _DOTTED.fullmatch(candidate):
            # versions, IPs, decimals: only 415.555.2671 is a phone written with dots
            if _DOTTED_NANP.search(candidate):
                phone = True
            continue
        for segment in _segments(candidate):
            kind = _segment_kind(segment, phone_hint)
            if kind == CARD or kind == DOCUMENT:
                return kind
            phone = phone or kind == PHONE
    return PHONE if phone else None


def _segment_kind(segment: _Segment, phone_hint: bool) -> str | None:
    """CARD or DOCUMENT (SSN) for the first run of groups shaped like one, else PHONE if a
    run starting the segment (or a NANP 3-3-4 run anywhere) is shaped like a phone number."""
    groups, seps, parens = segment.groups, segment.seps, segment.parens
    lengths = [len(group) for group in groups]
    phone = False
    for start in range(len(groups)):
        count = 0
        for stop in range(start + 1, len(groups) + 1):
            count += lengths[stop - 1]
            if count > 19:
                break
            if (count >= 13 or count == 9) and not segment.plus and True not in parens[start:stop]:
                inner = seps[start : stop - 1]
                if len(set(inner)) <= 1 and inner[:1] != ["."]:
                    window = groups[start:stop]
                    if count >= 13 and _card_shape(lengths[start:stop], "".join(window)):
                        return CARD
                    if inner == ["-", "-"] and _SSN_SHAPE.fullmatch("-".join(window)):
                        return DOCUMENT
            if phone or count < 7:
                continue
            if start == 0 or (stop - start == 3 and count == 10 and _nanp(groups[start:stop])):
                phone = _phone_shape(
                    groups[start:stop], seps[start : stop - 1], parens[start:stop],
                    segment.plus and start == 0, phone_hint,
                )  # fmt: skip
    return PHONE if phone else None


# -- identity documents ---------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOCUMENT_NAME = re.compile(
    r"(?:^|_)(?:passport|ssn|snils|inn|nin|nino|tin|national_?id|id_?number|id_?no|id_?num"
    r"|identity|identity_number|identification|document|doc|driver_?s?_licen[cs]e"
    r"|driving_licen[cs]e|licen[cs]e|tax_?id|tax_number|social_security|cpf|pesel|dni|nie|nif"
    r"|aadhaar|curp|personnummer|bsn|codice_fiscale)"
    r"(?:_(?:no|num|number|nr|id|code|series|serial|value))*$"
)
_PHONE_NAME = re.compile(
    r"(?:^|_)(?:phone|telephone|tel|mobile|msisdn|cell|cellphone|whatsapp|fax|phonenumber)"
    r"(?:_(?:no|num|number|nr))*$"
)
_DOC_TOKEN = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=2048)
def field_hint(field_name: str) -> str | None:
    """DOCUMENT or PHONE when the field is named like one (`passportNo`, `mobile`), else None."""
    name = _NON_ALNUM.sub("_", _CAMEL.sub("_", field_name).lower()).strip("_")
    if not name:
        return None
    if _DOCUMENT_NAME.search(name):
        return DOCUMENT
    if _PHONE_NAME.search(name):
        return PHONE
    return None


def _has_document_number(text: str) -> bool:
    """Letters and digits, 5-20 characters, at least 4 digits; `45 06 123456` counts whole."""
    tokens = list(_DOC_TOKEN.finditer(text))
    for start, first in enumerate(tokens):
        value = first.group()
        previous_end = first.end()
        for token in tokens[start + 1 : start + 1 + 8]:
            if len(value) > 20:
                break
            if _is_document_number(value):
                return True
            gap = text[previous_end : token.start()]
            if len(gap) != 1 or gap not in " ./-":
                break
            value += token.group()
            previous_end = token.end()
        if _is_document_number(value):
            return True
    return False


def _is_document_number(value: str) -> bool:
    return 5 <= len(value) <= 20 and _digit_count(value) >= 4


# -- the one entry point --------------------------------------------------------------------


def find_identifier(text: str, field_name: str = "") -> str | None:
    """Return the kind of direct identifier found anywhere in `text`, or None.

    `field_name` is the name of the field the text came from; identity document numbers are
    only looked for in fields named like one. The value found is never returned.
    """
    if len(text) < 5:
        return None
    if "%" in text:  # URLs and form posts carry identifiers percent-encoded (%40 for @)
        decoded = unquote_plus(text)
        if decoded != text:
            found = find_identifier(decoded, field_name)
            if found is not None:
                return found
    if _has_email(text):
        return EMAIL
    hint = field_hint(field_name) if field_name else None
    digits = _digit_count(text)
    if digits < 4:
        return None
    if digits >= 6 and len(text) >= 15 and _has_iban(text):
        return IBAN
    if hint == DOCUMENT and _has_document_number(text):
        return DOCUMENT  # in a document field, a number is the document's, even phone-shaped
    if digits >= 7:
        return _numeric_kind(text, hint == PHONE)
    return None
