"""Direct-identifier detection in free strings: the one entry point, `find_identifier`.

It answers one question for every string of every payload: does it carry an e-mail
address, a phone number, a payment card number, an IBAN, an identity document number, or
(in a field named for one) a person's name, postal address or date of birth? It returns
the KIND only, never the value, so nothing downstream can log it.

Each kind has its own module (`_emails`, `_phones`, `_cards`, `_ibans`, `_documents`,
`_personal`; digit runs are split in `_numbers`, field names read in `_fields`). The order
here is cheapest first, and a value that cannot hold a kind never reaches its detector:
fewer than 2 digits, no IBAN; fewer than 4, no phone, card or document number.

Device hashes are not identifiers: in a field meant for one (`device_id_hash`,
`canvas_hash`, `build_fingerprint`, `persistent_session`...), a value that is one hex or
base64 token (a digest: letters and digits, `+/=_-`, or `aa:bb:...`) is never taken for a
card, an IBAN or a phone number, even when all its characters happen to be digits.
Elsewhere, digits glued to letters are part of a hash (see `_numbers`), and lowercase hex
is never an IBAN (see `_ibans`).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from engine.privacy._cards import luhn_valid
from engine.privacy._documents import has_document_number, has_document_word_number
from engine.privacy._emails import has_email
from engine.privacy._fields import field_hint, is_digest_field
from engine.privacy._ibans import has_iban, iban_valid
from engine.privacy._kinds import (
    ADDRESS,
    BIRTH_DATE,
    CARD,
    DOCUMENT,
    EMAIL,
    IBAN,
    KINDS,
    NAME,
    PHONE,
)
from engine.privacy._numbers import numeric_kind, short_phone
from engine.privacy._personal import personal_kind
from engine.privacy._phones import FALLBACK_REGIONS, normal_region, normal_regions

__all__ = [
    "ADDRESS",
    "BIRTH_DATE",
    "CARD",
    "DOCUMENT",
    "EMAIL",
    "FALLBACK_REGIONS",
    "IBAN",
    "KINDS",
    "NAME",
    "PHONE",
    "field_hint",
    "find_identifier",
    "iban_valid",
    "is_digest",
    "luhn_valid",
    "normal_region",
    "normal_regions",
]

_DIGIT_BYTES = b"0123456789"
_PERSONAL = (NAME, ADDRESS, BIRTH_DATE)
_DIGEST = re.compile(r"[0-9A-Za-z+/=_-]+|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+")
_GROUPED_DIGITS = re.compile(r"[0-9]+(?:-[0-9]+)+")


def _digit_count(text: str) -> int:
    """ASCII digits in `text` (bytes.translate is 5-10x faster than str.translate here)."""
    encoded = text.encode("utf-8", "surrogatepass")
    return len(encoded) - len(encoded.translate(None, _DIGIT_BYTES))


_E164 = re.compile(r"\+\d{7,15}")  # base64 allows "+", a phone number is not a hash


def is_digest(text: str) -> bool:
    """True when `text` is one hex or base64 token (`+/=_-` allowed) or colon-separated hex
    pairs: how hashes, device IDs and MACs are written. Digits in dash-separated groups
    (`4111-1111-1111-1111`) are a printed number, and a plus and digits alone
    (`+10000000000`) an E.164 phone number, not a digest."""
    value = text.strip()
    return (
        _DIGEST.fullmatch(value) is not None
        and _GROUPED_DIGITS.fullmatch(value) is None
        and _E164.fullmatch(value) is None
    )


def find_identifier(
    text: str, field_name: str = "", *, region: str | None = None, also: tuple[str, ...] = ()
) -> str | None:
    """Return the kind of direct identifier found anywhere in `text`, or None.

    `field_name` is the name of the field the text came from: names, addresses, dates of
    birth and bare document numbers are only looked for in fields named like them, and
    digests in fields meant for them are not numbers. `region` is the ISO alpha-2 country
    of the client (its IP), the hint for national phone numbers; None when unknown; `also`
    the regions the tenant declares (`phone_regions`, normalised), tried besides it. In a
    field named for a phone, a number valid in any region is one. The value found is never
    returned.
    """
    hint = field_hint(field_name) if field_name else None
    if hint is not None and hint in _PERSONAL:
        kind = personal_kind(text, hint)
        if kind is not None:
            return kind
    if len(text) < 5:
        if hint == PHONE and len(text) >= 3 and short_phone(text, normal_region(region)):
            return PHONE
        return None
    if "%" in text:  # URLs and form posts carry identifiers percent-encoded (%40 for @)
        decoded = unquote_plus(text)
        if decoded != text:
            found = find_identifier(decoded, field_name, region=region, also=also)
            if found is not None:
                return found
    if has_email(text):
        return EMAIL
    digits = _digit_count(text)
    if digits < 2:
        return None
    if field_name and is_digest_field(field_name) and is_digest(text):
        return None
    if len(text) >= 15 and has_iban(text):  # two check digits, a BBAN maybe all letters
        return IBAN
    if digits < 4:
        return None
    if hint == DOCUMENT and has_document_number(text):
        return DOCUMENT  # in a document field, a number is the document's, even phone-shaped
    if digits >= 6 and has_document_word_number(text):
        return DOCUMENT
    region = normal_region(region)
    if hint == PHONE and digits <= 6 and short_phone(text, region):
        return PHONE
    if digits >= 5:
        return numeric_kind(text, hint == PHONE, region, also)
    return None
