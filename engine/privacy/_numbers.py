"""Runs of digits in free text: payment cards, US SSNs and phone numbers.

How false positives are kept out of device data (user agents, build fingerprints, WebGL
renderers, hashes, timestamps, versions):

- numbers glued to letters, `_`, `/`, `.`, `-` or `+` (hash chunks, `Chrome/126.0.6478.127`,
  `UP1A.231005.007`, base64, a UUID's `07194160-1288-4009-b678-...`) never start or end a
  candidate: a digit run with hex letters next to it is part of a hash, never a card;
- a candidate is split into digit groups, and only accepted when the groups have the shape
  of a card (a known issuer range and length, see `_cards`, printed contiguous or 4-4-4-4 /
  4-6-5) or of a phone number (see `_phones`);
- runs of several numbers ("1920 1080 415 555 2671") are tried group window by group
  window for a card or a phone shape, but a phone window must start the run unless it is
  NANP 3-3-4; libphonenumber only ever confirms a whole run, and never one next to a time
  or a currency; numbers written with dots only (versions, IP addresses, decimals) are a
  phone only as 3.3.4, or where the region itself writes phone numbers with dots;
- the US SSN shape `123-45-6789` is found anywhere, as a run of its own
  (`1-300-12-3456` is a Malaysian phone number).
"""

from __future__ import annotations

import functools
import re

import phonenumbers

from engine.privacy._cards import is_card_grouping, scheme_of
from engine.privacy._kinds import CARD, DOCUMENT, PHONE
from engine.privacy._phones import confirmed, looks_like_date, nanp, phone_shape

# A run of digits and phone punctuation that is not glued to a word, path, version or hash.
# (Written to start with a character class, with the look-behind on the character before
# the first one, because Python's re can then skip ahead quickly: 40% faster on UAs.)
_NUMERIC_RUN = re.compile(
    r"[+(0-9](?<![\w+./\\-][+(0-9])(?:(?<=\+)\(?[0-9]|(?<=\()[0-9]|(?<=[0-9]))"
    r"[0-9 ().\-]{4,40}[0-9](?![\w/\\+=]|[.\-][0-9A-Za-z])"
)
_GROUP_SPLIT = re.compile(r"([^0-9]+)")
_SSN_SHAPE = re.compile(r"(?!000|666|9)[0-9]{3}-(?!00)[0-9]{2}-(?!0000)[0-9]{4}")
_DOTTED = re.compile(r"[0-9]+(?:\.[0-9]+)+")
_DOTTED_NANP = re.compile(r"(?<![0-9])[2-9][0-9]{2}\.[2-9][0-9]{2}\.[0-9]{4}(?![0-9])")
_SHORT_PHONE = re.compile(r"\s*(\+?)\s*([0-9][0-9 ().\-]*[0-9])\s*")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_INNER_GAP = re.compile(r"(?<=[0-9])[^0-9]+(?=[0-9])")
_TIME_AFTER = re.compile(r":[0-9]")  # "Jan 02 2015 00:00:00": the run is a date and a time
# Money: `12 317 295 ₽`, `83 668,50 €`, `$ 1 250`, `1 500 000` and a currency word
_CURRENCY = "$€£¥₽₴₸₹"
_AMOUNT_AFTER = re.compile(
    rf"\s?(?:[{_CURRENCY}]|,[0-9]{{1,2}}(?![0-9])|(?:руб|rub|eur|usd|uah|kzt|сум|тг)(?![^\W\d_]))",  # noqa: RUF001
    re.IGNORECASE,
)
_AMOUNT_BEFORE = re.compile(rf"[{_CURRENCY}]\s?$")


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


@functools.lru_cache(maxsize=512)
def _writes_dots(region: str | None) -> bool:
    """True when the region's own national format separates groups with dots."""
    if region is None:
        return False
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    formats = metadata.number_format if metadata is not None else None
    return any("." in (item.format or "") for item in formats or ())


def numeric_kind(
    text: str, phone_hint: bool, region: str | None, also: tuple[str, ...] = ()
) -> str | None:
    """CARD, DOCUMENT (US SSN) or PHONE for the first digit run shaped like one, or None.

    `phone_hint`: the field is named like a phone field; `region`: normalised ISO region;
    `also`: more regions to try (the tenant's declared ones, normalised).
    """
    phone = False
    for match in _NUMERIC_RUN.finditer(text):
        candidate = match.group()
        if not phone_hint and _DOTTED.fullmatch(candidate):
            # versions, IPs, decimals: only 415.555.2671 is a phone written with dots
            if _DOTTED_NANP.search(candidate):
                phone = True
            if not _dots(region, also):
                continue
        confirm = not (
            _TIME_AFTER.match(text, match.end())
            or _AMOUNT_AFTER.match(text, match.end())
            or _AMOUNT_BEFORE.search(text, 0, match.start())
        )
        for segment in _segments(candidate):
            kind = _segment_kind(segment, phone_hint, region, confirm, also)
            if kind == CARD or kind == DOCUMENT:
                return kind
            phone = phone or kind == PHONE
        if not phone and confirm and "(" in candidate:
            phone = _confirmed_with_parens(candidate, phone_hint, region, also)
    return PHONE if phone else None


def _dots(region: str | None, also: tuple[str, ...]) -> bool:
    return _writes_dots(region) or any(_writes_dots(r) for r in also)


def _confirmed_with_parens(
    candidate: str, phone_hint: bool, region: str | None, also: tuple[str, ...]
) -> bool:
    """`(06 1) 234 5678`, `(0-312) 34567`: separators inside the parentheses split the
    candidate into segments; libphonenumber may still confirm it read whole."""
    plus = candidate.startswith("+")
    groups = _DIGIT_GROUP.findall(candidate)
    seps = [gap.strip("()") or " " for gap in _INNER_GAP.findall(candidate)]
    if len(seps) != len(groups) - 1:
        return False
    return confirmed(groups, seps, plus, phone_hint, region, also)


def _segment_kind(
    segment: _Segment, phone_hint: bool, region: str | None, confirm: bool, also: tuple[str, ...]
) -> str | None:
    """CARD or DOCUMENT (SSN) for the first run of groups shaped like one, else PHONE if a
    run starting the segment (or a NANP 3-3-4 run anywhere) is a phone number by shape or,
    when `confirm`, by libphonenumber."""
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
                    if count >= 13 and _is_card(lengths[start:stop], "".join(window)):
                        return CARD
                    if (
                        inner == ["-", "-"]
                        and len(window) == len(groups)  # 1-300-12-3456 is a Malaysian phone
                        and _SSN_SHAPE.fullmatch("-".join(window))
                    ):
                        return DOCUMENT
            if phone or count < 7:
                continue
            if start == 0 or (stop - start == 3 and count == 10 and nanp(groups[start:stop])):
                phone = phone_shape(
                    groups[start:stop], seps[start : stop - 1], parens[start:stop],
                    segment.plus and start == 0, phone_hint,
                )  # fmt: skip
    if phone:
        return PHONE
    return PHONE if confirm and _confirmed_window(segment, phone_hint, region, also) else None


def _is_card(lengths: list[int], digits: str) -> bool:
    return is_card_grouping(lengths) and scheme_of(digits, len(lengths) > 1) is not None


def _confirmed_window(
    segment: _Segment, phone_hint: bool, region: str | None, also: tuple[str, ...]
) -> bool:
    """The whole segment, confirmed by libphonenumber. Never a part of it: in
    `1920 1080 2560 1440` the first two groups are a valid number in Uruguay, but digit
    groups that run on are no phone number."""
    groups, seps = segment.groups, segment.seps
    if "." in seps and not _dots(region, also):
        return False
    if not phone_hint and "." not in seps and looks_like_date(groups, seps):
        return False  # `2015-09-29`
    return confirmed(groups, seps, segment.plus, phone_hint, region, also)


def short_phone(text: str, region: str | None) -> bool:
    """A short number alone in a phone-named field (`7012` in Niue, `+683 7012`)."""
    match = _SHORT_PHONE.fullmatch(text)
    if match is None:
        return False
    groups = _DIGIT_GROUP.findall(match.group(2))
    return confirmed(groups, [" "] * (len(groups) - 1), bool(match.group(1)), True, region)
