"""Phone numbers: recognised by shape first, then confirmed with libphonenumber.

Shape (cheap, no library): an international `+`/`00` prefix, NANP 3-3-4, a trunk digit
(`8 (912) ...`), a national `0...` number of 9-11 digits. A mistyped or unallocated number
in one of these shapes is still somebody's phone number, so shape alone refuses it.

Everything else that looks like digit groups (`612 34 56 78`, `512 345 678`,
`01512 3456789`, a 5-digit `+98 9601`) is handed to libphonenumber (the `phonenumbers`
package) with the region of the client's IP as the hint (and the regions the tenant
declares, `phone_regions` in tenants.toml), and refused when it is a valid number there,
written as people there write it. In a field named for a phone (`_fields`, in several
languages) a number valid in ANY region is refused, however it is grouped: a German mobile
in national format from a Spanish address is still a phone number (`valid_somewhere`).
libphonenumber is slow (~30 us a parse), so only candidates that pass cheap filters reach
it (these in `_numbers` and here):

- separated into groups (a bare run of digits is a phone only in a phone-named field);
- 6 digits at least (5 with a region hint, 4 in a phone-named field), 17 at most;
- the whole run of groups, never a part of it (`1920 1080 2560 1440`);
- not a date (`2026-11-23`, `23-11-2026`, `Jan 02 2015`), not followed by a time
  (`23 2026 10:00`), not money (`12 317 295 ₽`, `83 668,50 €`);
- written with dots only when the region's own national format uses them (`20.12.34` in
  New Caledonia), so versions and IP addresses never reach the library.

Then, for a valid number: with the region's trunk prefix (`0151-23456789`) any grouping
will do; without it (`612 34 56 78` in Spain or France, `512 345 678` in Poland) the digits
must be the ones libphonenumber formats (no implied area code added), grouped as it groups
them or coarser (the user's breaks a subset of the library's, counted from the right),
exactly as it groups them when there are only two groups, and in three groups at least
where the region has a trunk prefix: `2560 1440` is a valid German number once a 0 is put
in front, and nobody writes one so. `23 2026 10` is valid in Germany too, but grouped as
no German number is.

With no region (an unknown or private IP), a national number is confirmed only when it
starts with a trunk prefix, against FALLBACK_REGIONS.
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

FALLBACK_REGIONS = ("DE", "GB", "FR", "IT", "RU", "UA")
"""Regions whose trunk-prefixed national numbers (`0...`, `8...`) are tried when the client's
region is unknown: big markets whose national numbers are longer than the shape rules allow
(German mobiles have 12 digits with the trunk 0)."""

BARE_PHONE = re.compile(r"0[1-9][0-9]{8,9}|[78]9[0-9]{9}|1[2-9][0-9]{2}[2-9][0-9]{6}")
_DATE_YEAR = re.compile(r"(?:19|20)[0-9]{2}")


def normal_region(region: str | None) -> str | None:
    """The ISO alpha-2 code libphonenumber knows, uppercased, or None."""
    if not region:
        return None
    region = region.upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def normal_regions(regions: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The regions libphonenumber knows, normalised, in order, without repeats."""
    return tuple(dict.fromkeys(r for r in map(normal_region, regions) if r is not None))


# -- shape ----------------------------------------------------------------------------------


def nanp(groups: list[str]) -> bool:
    """415 555 2671: the one phone shape also looked for inside a longer run of numbers."""
    return (
        len(groups) == 3
        and [len(group) for group in groups] == [3, 3, 4]
        and groups[0][0] in "23456789"
        and groups[1][0] in "23456789"
    )


def phone_shape(
    groups: list[str], seps: list[str], parens: list[bool], plus: bool, hinted: bool
) -> bool:
    """True when the digit groups have one of the unmistakable phone shapes."""
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
    if uniform and (nanp(groups) or (groups[0] == "1" and nanp(groups[1:]))):
        return True  # NANP: 415-555-2671, 415.555.2671, 1 415 555 2671
    if "." in seps or not uniform:
        return False
    if len(groups) == 1:
        return BARE_PHONE.fullmatch(digits) is not None
    first = groups[0]
    if first in ("1", "7", "8") and count == 11 and lengths[1] == 3:
        return lengths[2:] in ([3, 4], [3, 2, 2])  # 8 912 345-67-89, 1 415 555 2671
    return (
        first[0] == "0"
        and first[1:2] != "0"
        and 2 <= len(first) <= 5
        and (9 <= count <= 11 and min(lengths) >= 2)
    )  # national: 020 7946 0958, 07700 900123, 01 23 45 67 89


# -- libphonenumber -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _parse(digits: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """The valid number `digits` reads as in `region` (None: `digits` follow a `+`)."""
    try:
        number = phonenumbers.parse(digits if region else "+" + digits, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@functools.cache
def _calling_codes() -> tuple[tuple[int, str, tuple[re.Pattern[str], ...]], ...]:
    """(country calling code, its main region's trunk prefix, the patterns every national
    number of its regions matches), for each code libphonenumber knows: one parse per code
    (the 25 regions of +1 are one), and only where a pattern matches. Loading every
    region's metadata takes ~0.7 s: `warm_up` does it at start."""
    out = []
    for code, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        patterns = []
        trunk = ""
        for region in regions:
            metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
            general = metadata.general_desc if metadata is not None else None
            if metadata is None or general is None or not general.national_number_pattern:
                continue
            trunk = trunk or metadata.national_prefix or ""
            patterns.append(re.compile(general.national_number_pattern))
        if patterns:
            out.append((code, trunk, tuple(patterns)))
    return tuple(out)


def warm_up() -> None:
    """Load the metadata `valid_somewhere` needs (blocking, ~0.7 s: off the event loop)."""
    _calling_codes()


@functools.lru_cache(maxsize=4096)
def valid_somewhere(digits: str) -> bool:
    """True when `digits`, written as a national number, are a valid number of some
    region: with or without that region's trunk prefix (`0151 23456789` in Germany,
    `512 345 678` in Poland, `55 1234 5678` in Mexico)."""
    for code, trunk, patterns in _calling_codes():
        national = digits[len(trunk) :] if trunk and digits.startswith(trunk) else digits
        if any(p.fullmatch(national) for p in patterns) and _parse(f"{code}{national}", None):
            return True
    return False


@functools.lru_cache(maxsize=512)
def _trunk_prefix(region: str) -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (metadata.national_prefix or "") if metadata is not None else ""


def _breaks(groups: list[str]) -> set[int]:
    """Where the groups break, counted in digits from the right end."""
    out, offset = set(), 0
    for group in reversed(groups[1:]):
        offset += len(group)
        out.add(offset)
    return out


def _drop_leading(groups: list[str], count: int) -> list[str]:
    """The groups without their first `count` digits (a trunk prefix)."""
    out = list(groups)
    while count and out:
        if len(out[0]) <= count:
            count -= len(out.pop(0))
        else:
            out[0], count = out[0][count:], 0
    return out


_FORMATTED_GROUP = re.compile(r"[0-9]+")


def looks_like_date(groups: list[str], seps: list[str]) -> bool:
    """Groups that read as a calendar date: y-m-d, d-m-y or m-d-y with a 4-digit year and
    one separator anywhere in the run, a whole run `04-02-18` or `04/02/18` (not spaces:
    `20 12 34` is how half the world groups phone digits), or a day and a year starting the
    run (`Jan 02 2015`)."""
    if len(groups) >= 2 and len(groups[0]) <= 2 and _DATE_YEAR.fullmatch(groups[1]):
        return True
    for start in range(len(groups) - 2):
        a, b, c = groups[start : start + 3]
        if seps[start] != seps[start + 1]:
            continue
        if len(a) == 4 and _DATE_YEAR.fullmatch(a) and len(b) <= 2 and len(c) <= 2:
            if 1 <= int(b) <= 12 and 1 <= int(c) <= 31:
                return True
            continue
        if len(a) > 2 or len(b) > 2:
            continue
        if len(c) == 4 and _DATE_YEAR.fullmatch(c):
            pass
        elif not (len(c) == 2 and len(groups) == 3 and seps[0] != " "):
            continue
        if (1 <= int(a) <= 31 and 1 <= int(b) <= 12) or (1 <= int(a) <= 12 and 1 <= int(b) <= 31):
            return True
    return False


def confirmed(
    groups: list[str],
    seps: list[str],
    plus: bool,
    hinted: bool,
    region: str | None,
    also: tuple[str, ...] = (),
) -> bool:
    """True when libphonenumber confirms the groups as a valid number (see module doc).

    `seps[k]` sits between `groups[k]` and `groups[k + 1]`; `hinted` means the field is
    named like a phone field: then a number valid in any region is one (a German mobile
    from a Spanish address). Elsewhere `region` (normalised, or None) and `also` (the
    tenant's declared regions, normalised) are tried.
    """
    digits = "".join(groups)
    count = len(digits)
    if plus:
        return 5 <= count <= 15 and _parse(digits, None) is not None
    least = 4 if hinted else 6 if region is None else 5
    if count > 17 or count < least or (len(groups) < 2 and not hinted):
        return False
    if not hinted and "." not in seps and looks_like_date(groups, seps):
        return False
    if hinted:
        return (region is not None and _parse(digits, region) is not None) or valid_somewhere(
            digits
        )
    if region is None:
        regions = [r for r in FALLBACK_REGIONS if digits.startswith(_trunk_prefix(r) or "-")]
    else:
        regions = [region]
    regions += [r for r in also if r not in regions]
    return any(_written_as(groups, seps, hinted, r) for r in regions)


def _written_as(groups: list[str], seps: list[str], hinted: bool, region: str) -> bool:
    """True when the groups are a valid number of `region`, written as people there do."""
    digits = "".join(groups)
    number = _parse(digits, region)
    if number is None:
        return False
    if hinted:
        return True
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if "." in seps:  # only as the region itself writes it: 20.12.34 in New Caledonia
        return national == "".join(g + s for g, s in zip(groups, [*seps, ""], strict=True))
    library = _FORMATTED_GROUP.findall(national)
    trunk = _trunk_prefix(region)
    if trunk and digits.startswith(trunk):
        return "".join(library) == digits  # `0151-23456789`: any grouping, with the trunk
    if trunk and "".join(library).startswith(trunk):
        if len(groups) < 3:
            return False  # `2560 1440` is no German number without its trunk 0
        library = _drop_leading(library, len(trunk))
    if "".join(library) != digits:
        return False  # libphonenumber added digits (an implied area code): not as written
    if len(groups) == 2:
        return [len(g) for g in groups] == [len(g) for g in library]
    return _breaks(groups) <= _breaks(library)
