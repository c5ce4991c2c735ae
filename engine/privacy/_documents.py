"""Identity document numbers: in fields named like one, or after a document word anywhere.

A passport or tax number has no checksum or shape shared across countries, so it is found
by context. In a field named like a document (`passport_no`, `snils`, `номер паспорта`)
any code of 5-20 letters and digits with at least 4 digits is the document's. Anywhere
else, a document word followed by a number is one: `паспорт 4509 123456`,
`passport no 123456789`, `passport: AB1234567`, `серия 4509 номер 123456`,
`SSN 123-45-6789`, `ИНН 7707083893`, `СНИЛС 112-233-445 95`. The number after the word
has at most 3 letters in front and 6 digits at least, so "passport 2024 edition" passes.
"""

from __future__ import annotations

import re

_DOC_TOKEN = re.compile(r"[^\W_]+")

_LETTER = "A-Za-z\u0410-\u044f\u0401\u0451"  # Latin and Cyrillic letters
_DOC_WORD = re.compile(
    rf"(?<![{_LETTER}0-9])(?:"
    r"passports?|ssn|social\s+security(?:\s+(?:no|number))?|snils|itin|nino|tax\s+id"
    r"|national\s+id|id\s+card|driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|pesel|cpf|dni"
    r"|aadhaar|personnummer|bsn|pinfl"
    r"|паспорт[^\W\d_]*|снилс|инн|иин|пинфл|серия|серии|удостоверени[^\W\d_]*|в/у"  # noqa: RUF001
    rf")(?![{_LETTER}])",
    re.IGNORECASE,
)
# What may stand between the word and the number, and between the number's parts:
# punctuation and "number"-like words (`серия 4509 номер 123456`, `passport no: 1234567`).
_FILLER_WORD = re.compile(
    rf"(?<![{_LETTER}])(?:no|nr|num|number|номер|серия|серии|series|of|рф|rf)(?![{_LETTER}])",
    re.IGNORECASE,
)
_PUNCTUATION = " \t\n:#№=.,-"
_NUMBER = re.compile(rf"[{_LETTER}]{{0,3}}[\s\-]?[0-9][0-9\s\-./№#]*")


# Lowercase stems of the words above: a plain alternation on the lowercased text costs
# ~1 us on a user agent, the full pattern ~15 us, and almost no string has a stem.
_STEMS = re.compile(
    "passport|ssn|social|snils|itin|nino|tax|national|id card|driv|pesel|cpf|dni|aadhaar"
    "|personnummer|bsn|pinfl|паспорт|снилс|инн|иин|пинфл|сери|удостоверени|в/у"  # noqa: RUF001
)


def has_document_word_number(text: str) -> bool:
    """True when a document word is followed by a number: `паспорт 4509 123456`."""
    if _STEMS.search(text.lower()) is None:
        return False
    for match in _DOC_WORD.finditer(text):
        rest = _FILLER_WORD.sub(" ", text[match.end() : match.end() + 64])
        number = _NUMBER.match(rest.lstrip(_PUNCTUATION))
        if number is not None and _digits(number.group()) >= 6:
            return True
    return False


def _digits(text: str) -> int:
    return sum(char in "0123456789" for char in text)


def has_document_number(text: str) -> bool:
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
    return 5 <= len(value) <= 20 and sum(c in "0123456789" for c in value) >= 4
