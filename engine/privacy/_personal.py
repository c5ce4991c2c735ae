"""Names, postal addresses and dates of birth, in fields named like them.

Free text cannot tell "John Smith" from "PDF Viewer", so these are refused only by field
name (see `_fields`), and only when the value looks like the thing:

- a name: letters (any script) in words joined by spaces, hyphens, apostrophes or the dot
  of an initial, two letters at least: `John Smith`, `Jean-Luc O'Neil`, `J. R. Tolkien`,
  `Иванов Иван Иванович`. `full_name` (a form label), `3` or `user_42` are not names;
- an address: any non-empty text with a letter or digit;
- a date of birth: a date shape (`1990-05-17`, `17.05.1990`, `05/17/1990`, `17 May 1990`,
  `May 17, 1990`, `17 мая 1990`, an ISO timestamp), 8 digits that read as a date
  (`19900517`, `17051990`), or a unix time (9-13 digits), since a number in a field named
  `birthday` is a birthday whatever its encoding.

Placeholders (`null`, `undefined`, `n/a`, `unknown`...) are not personal data.
"""

from __future__ import annotations

import re

from engine.privacy._kinds import ADDRESS, BIRTH_DATE, NAME

_PLACEHOLDERS = frozenset(
    {
        "null", "none", "nil", "undefined", "unknown", "n/a", "na", "-", "empty",
        "anonymous", "redacted", "hidden", "not provided", "нет", "не указано",
    }
)  # fmt: skip
_NAME_VALUE = re.compile(r"[^\W\d_]+\.?(?:(?:[ \-'\u2019]+|(?<=\.))[^\W\d_]+\.?)*")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]"
    r"|октябр[ья]|ноябр[ья]|декабр[ья])\.?"
)
_DATE = re.compile(
    r"(?<![0-9])(?:[0-9]{4}[-./ ][0-9]{1,2}[-./ ][0-9]{1,2}"
    r"|[0-9]{1,2}[-./ ][0-9]{1,2}[-./ ](?:[0-9]{4}|[0-9]{2}))(?![0-9])"
    rf"|(?<![0-9])[0-9]{{1,2}}\s*{_MONTH}\s*,?\s*[0-9]{{2,4}}"
    rf"|(?<![^\W\d_]){_MONTH}\s*[0-9]{{1,2}}(?:st|nd|rd|th)?\s*,?\s*[0-9]{{4}}",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")
_COMPACT_DMY = re.compile(r"(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])(?:19|20)[0-9]{2}")


def _is_placeholder(value: str) -> bool:
    return value.lower() in _PLACEHOLDERS


def looks_like_name(value: str) -> bool:
    """Words of letters, two letters at least (see module doc)."""
    if len(value) > 200 or _is_placeholder(value):
        return False
    return _NAME_VALUE.fullmatch(value) is not None and sum(c.isalpha() for c in value) >= 2


def looks_like_birth_date(value: str) -> bool:
    """A date shape, 8 digits that read as a date, or a unix time."""
    if value.isascii() and value.isdigit():
        if len(value) == 8:
            return bool(_COMPACT.fullmatch(value) or _COMPACT_DMY.fullmatch(value))
        return 9 <= len(value) <= 13
    return _DATE.search(value) is not None


def looks_like_address(value: str) -> bool:
    """Any text with a letter or a digit that is not a placeholder."""
    return not _is_placeholder(value) and any(c.isalnum() for c in value)


def personal_kind(text: str, hint: str) -> str | None:
    """NAME, ADDRESS or BIRTH_DATE when `text`, in a field of kind `hint`, is one."""
    value = text.strip()
    if not value:
        return None
    if hint == NAME:
        return NAME if looks_like_name(value) else None
    if hint == ADDRESS:
        return ADDRESS if looks_like_address(value) else None
    if hint == BIRTH_DATE:
        return BIRTH_DATE if looks_like_birth_date(value) else None
    return None
