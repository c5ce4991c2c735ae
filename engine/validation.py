"""Request bodies: JSON decoding, the privacy scan, then typed validation.

Order matters: the privacy firewall sees every string of the raw body before the typed
conversion, so an identifier in an unknown or mistyped field is still refused as personal
data, and no error message ever carries a refused value.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from engine.errors import BadRequest, InvalidJSON, ValidationFailed

T = TypeVar("T")

_json = msgspec.json.Decoder()
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_INDEX = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def decode_json(body: bytes) -> Any:
    try:
        return _json.decode(body)
    except msgspec.DecodeError:
        raise InvalidJSON(
            "request body is not valid JSON; send a UTF-8 JSON object"
        ) from None


def require_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    return value


def dotted(path: str) -> str | None:
    """msgspec's `$.a.b[2].c` -> `a.b.2.c`; None for the whole document."""
    path = _INDEX.sub(r".\1", path).lstrip(".")
    return path or None


def convert(data: Any, kind: type[T]) -> T:
    """Convert decoded JSON into a Struct; errors name the field, never the value."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        m = _AT.match(str(exc))
        assert m is not None
        msg, path = m.group("msg"), m.group("path") or ""
        field = dotted(path)
        unknown = re.match(r"Object contains unknown field `([^`]*)`", msg)
        if unknown:
            name = unknown.group(1)
            field = f"{field}.{name}" if field else name
            where = field.rsplit(".", 1)[0] if "." in field else "the request"
            hint = (
                "; put client-defined fields in attributes.custom"
                if field.startswith("attributes.")
                else ""
            )
            raise ValidationFailed(f"unknown field in {where}{hint}", field=field) from None
        missing = re.match(r"Object missing required field `([^`]*)`", msg)
        if missing:
            name = missing.group(1)
            field = f"{field}.{name}" if field else name
            raise ValidationFailed("required field is missing", field=field) from None
        if msg.startswith("Invalid enum value"):
            msg = "value is not one of the allowed values"
        raise ValidationFailed(_first_lower(_QUOTED.sub("value", msg)), field=field) from None


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]
