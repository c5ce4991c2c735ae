"""The privacy firewall: refuse payloads that carry direct identifiers, strip what is not
enabled, and keep device identifiers only as truncated keyed hashes.

Two steps, in this order, for every collected payload:

1. `scan_payload` on the decoded JSON, before it is even validated against the schema:
   every string value, every dict key and every long integer is checked by
   `detectors.find_identifier`, with the name of the field it sits in (names, addresses
   and dates of birth are only recognised by their field's name) and the client's region
   (national phone formats). One hit refuses the whole payload (`PersonalData`).
2. `sanitize` on the validated `Attributes`: optional attributes the tenant has not enabled
   are removed (and named in `dropped`), device/router identifiers are truncated and
   keyed-hashed, the location is coarsened to about 1 km.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re

import msgspec

from engine.errors import PersonalData, ValidationFailed
from engine.privacy._fields import is_label
from engine.privacy.detectors import (
    DOCUMENT,
    PHONE,
    field_hint,
    find_identifier,
    normal_region,
    normal_regions,
)
from engine.schema import OPTIONAL_ATTRIBUTES, Attributes

MAX_DEPTH = 16

PSEUDONYMISED: tuple[str, ...] = (
    "device.device_id_hash",
    "device.mac_hash",
    "network.wifi_bssid_hash",
    "software.persistent_session",
)
"""Attributes stored only as `pseudonymise(...)` output."""

HASH_PREFIX = "k1:"
GEO_CELL_DEGREES = 0.01  # of latitude: about 1.1 km
MIN_ACCURACY_M = 1000.0

_LONG_INT = 10**8  # integers of 9 digits and more may be phone or card numbers
_HINTED_INT = 10**4  # in a field named like a document or a phone field, 5 digits suffice


# -- 1. scanning ----------------------------------------------------------------------------


def _refuse(kind: str, path: str) -> PersonalData:
    return PersonalData(f"a direct identifier ({kind}) is not accepted here", field=path or None)


def _name_of(path: str) -> str:
    """The nearest named component of a dotted path: `fields.2` -> `fields`."""
    for part in reversed(path.split(".")):
        if not part.isdigit():
            return part
    return ""


def scan_payload(
    obj: object, path: str, *, region: str | None = None, also: tuple[str, ...] = ()
) -> None:
    """Raise PersonalData at the first direct identifier found anywhere in `obj`.

    `obj` is a decoded JSON value and `path` its dotted location in the request (for
    example `"attributes"`). `region` is the client's country (ISO 3166 alpha-2, from its
    IP; None when unknown): the hint for phone numbers written in national format; `also`:
    the regions the tenant declares (`phone_regions`), tried besides it. A hit in
    a string value reports that value's path; a hit in a dict key reports the path of the
    object holding the key, so the refused key itself is never echoed back. Nesting deeper
    than MAX_DEPTH containers raises ValidationFailed.
    """
    _scan(obj, path, _name_of(path), 0, (normal_region(region), normal_regions(also)), False)


Regions = tuple[str | None, tuple[str, ...]]  # the client IP's region, the tenant's


def _scan(obj: object, path: str, name: str, depth: int, region: Regions, item: bool) -> None:
    # Strings and numbers are checked in the loops of their container, without a call per
    # value and with their path built only on a hit: this walk runs on every payload.
    if isinstance(obj, dict):
        _scan_dict(obj, path, name, depth + 1, region, item)
    elif isinstance(obj, list):
        _scan_list(obj, path, name, depth + 1, region)
    elif isinstance(obj, str):
        kind = find_identifier(obj, name, region=region[0], also=region[1])
        if kind is not None:
            raise _refuse(kind, path)
    else:
        _scan_number(obj, path, name, region)


def _too_deep(path: str) -> ValidationFailed:
    return ValidationFailed(
        f"nesting deeper than {MAX_DEPTH} levels is not accepted", field=path or None
    )


def _worth_scanning(value: str, field: str) -> bool:
    """Strings under 5 characters hold no identifier, except in fields named for one
    (`"Li"` in `last_name`, `"7012"` in a Niue `phone`)."""
    return len(value) >= 5 or (value != "" and field_hint(field) is not None)


def _scan_dict(
    obj: dict[object, object], path: str, name: str, depth: int, region: Regions, item: bool
) -> None:
    """`item`: `obj` is an item of a list named `name` (a record: its `name` is a label)."""
    if depth > MAX_DEPTH:
        raise _too_deep(path)
    prefix = f"{path}." if path else ""
    # Inside a field named like a document, a phone, a name, an address or a birth date
    # ("passport": {"number": ...}, "address": {"line1": ...}) the children keep that name,
    # so their values are checked as what the parent holds.
    hint = field_hint(name)
    # Keys are labels: a document or phone number as a key is refused, but a key is never
    # judged as a name, address or date because of its parent's name.
    key_field = name if hint == DOCUMENT or hint == PHONE else ""
    for raw_key, value in obj.items():
        key = raw_key if isinstance(raw_key, str) else str(raw_key)
        if len(key) >= 5:
            kind = find_identifier(key, key_field, region=region[0], also=region[1])
            if kind is not None:
                raise _refuse(kind, path)
        if len(key) == 4 and is_label(key, name, item):
            child = ""  # fields[].name = "full_name": the name of a form field
        elif hint is not None and field_hint(key) is None:
            child = name
        else:
            child = key
        if isinstance(value, str):
            if len(value) >= 5 or _worth_scanning(value, child):
                kind = find_identifier(value, child, region=region[0], also=region[1])
                if kind is not None:
                    raise _refuse(kind, prefix + key)
        elif isinstance(value, dict | list):
            _scan(value, prefix + key, child, depth, region, False)
        elif value is not None and value is not True and value is not False:
            _scan_number(value, prefix + key, child, region)


def _scan_list(obj: list[object], path: str, name: str, depth: int, region: Regions) -> None:
    if depth > MAX_DEPTH:
        raise _too_deep(path)
    for index, item in enumerate(obj):
        if isinstance(item, str):
            if len(item) >= 5 or _worth_scanning(item, name):
                kind = find_identifier(item, name, region=region[0], also=region[1])
                if kind is not None:
                    raise _refuse(kind, f"{path}.{index}")
        elif isinstance(item, dict | list):
            _scan(item, f"{path}.{index}", name, depth, region, True)
        elif item is not None and item is not True and item is not False:
            _scan_number(item, f"{path}.{index}", name, region)


def _scan_number(value: object, path: str, name: str, region: Regions) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        number = abs(value)
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e20:
        number = int(abs(value))
    else:
        return
    if number >= _LONG_INT or (number >= _HINTED_INT and field_hint(name) is not None):
        kind = find_identifier(str(number), name, region=region[0], also=region[1])
        if kind is not None:
            raise _refuse(kind, path)


# -- 2. sanitizing --------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s:._\-]+")


def pseudonymise(attribute: str, value: str, secret: bytes) -> str | None:
    """Return the stored form of an identifier such as a MAC or a platform device ID.

    The value is normalised (separators removed, lowercased), its final third is DROPPED
    (a MAC keeps 8 of its 12 hex digits: the vendor prefix and two more), and what remains
    is keyed-hashed with HMAC-SHA256 under `secret`, with `attribute` as domain separation;
    the first 32 hex digits are kept, prefixed with HASH_PREFIX. Even with the secret, the
    stored value maps back to a group of identifiers (65,536 MACs), never to one. Whatever
    the client sent is re-hashed, including a value that already looks like our output.
    None when nothing is left after normalising.
    """
    normal = _SEPARATORS.sub("", value).lower()
    if not normal:
        return None
    kept = normal[: len(normal) - len(normal) // 3]
    message = attribute.encode() + b"\x00" + kept.encode()
    return HASH_PREFIX + hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def coarsen_location(
    lat: float | None, lon: float | None, accuracy_m: float | None
) -> tuple[float | None, float | None, float | None]:
    """Snap a position to a grid of about 1.1 km x 1.1 km cells.

    Latitude is rounded to 0.01 degree (about 1.1 km everywhere). Longitude is rounded to
    0.01 / cos(latitude) degree, so the cell stays about 1.1 km wide away from the equator
    too (plain 2-decimal longitude would be 0.55 km wide at 60 degrees); the cell width is
    capped at one degree near the poles. Accuracy is rounded up, to at least 1000 m.
    """
    step = GEO_CELL_DEGREES
    if lat is not None:
        lat = min(90.0, max(-90.0, round(round(lat / step) * step, 6)))
    if lon is not None:
        scale = max(math.cos(math.radians(lat)), GEO_CELL_DEGREES) if lat is not None else 1.0
        lon_step = step / scale
        lon = min(180.0, max(-180.0, round(round(lon / lon_step) * lon_step, 6)))
    if accuracy_m is not None:
        accuracy_m = max(MIN_ACCURACY_M, float(math.ceil(accuracy_m)))
    return lat, lon, accuracy_m


def sanitize(
    attrs: Attributes, enabled_optional: frozenset[str], secret: bytes
) -> tuple[Attributes, list[str]]:
    """Return the attributes as they may be stored, and the dotted names dropped.

    Attributes of optional toggles not in `enabled_optional` are removed (named in the
    list only when they were present); identifiers in PSEUDONYMISED are replaced by
    `pseudonymise(...)`; the location is coarsened. `attrs` is not modified.
    """
    if not secret:
        raise ValueError("secret must not be empty")
    changes: dict[str, dict[str, object]] = {}
    dropped: list[str] = []
    for toggle, paths in OPTIONAL_ATTRIBUTES.items():
        if toggle in enabled_optional:
            continue
        for dotted in paths:
            group, attribute = dotted.split(".")
            if getattr(getattr(attrs, group), attribute) is not None:
                dropped.append(dotted)
                changes.setdefault(group, {})[attribute] = None
    for dotted in PSEUDONYMISED:
        group, attribute = dotted.split(".")
        value = getattr(getattr(attrs, group), attribute)
        if value is not None and attribute not in changes.get(group, {}):
            changes.setdefault(group, {})[attribute] = pseudonymise(dotted, value, secret)
    location = attrs.location
    if "location" not in changes and (
        location.lat is not None or location.lon is not None or location.accuracy_m is not None
    ):
        lat, lon, accuracy_m = coarsen_location(location.lat, location.lon, location.accuracy_m)
        changes["location"] = {"lat": lat, "lon": lon, "accuracy_m": accuracy_m}
    groups = {
        group: msgspec.structs.replace(getattr(attrs, group), **fields)
        for group, fields in changes.items()
    }
    return msgspec.structs.replace(attrs, **groups), dropped
