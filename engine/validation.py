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
        raise InvalidJSON("request body is not valid JSON; send a UTF-8 JSON object") from None
    except RecursionError:  # msgspec's own guard against hostile nesting
        raise InvalidJSON("request body nests too deeply; send a flat JSON object") from None


def require_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    return value


def dotted(path: str) -> str | None:
    """msgspec's `$.a.b[2].c` -> `a.b.2.c`; None for the whole document."""
    path = _INDEX.sub(r".\1", path).lstrip(".")
    return path or None


def locate(data: Any, kind: type[Any], exc: msgspec.ValidationError) -> tuple[str, str]:
    """(message, `$`-path) of a validation error, with dict keys named where msgspec says
    `[...]`: the failing key is found by converting the document one key at a time."""
    m = _AT.match(str(exc))
    assert m is not None
    msg, path = m.group("msg"), m.group("path") or ""
    if "[...]" not in path:
        return msg, path
    head = path.split("[...]", 1)[0]
    parts = [p for p in _INDEX.sub(r".\1", head).split(".") if p]
    try:
        target = _walk(data, parts)
    except (KeyError, IndexError, TypeError, ValueError):
        return msg, path
    if not isinstance(target, dict):
        return msg, path
    for key, value in target.items():
        trial = _replace(data, parts, {key: value})
        try:
            msgspec.convert(trial, kind)
        except msgspec.ValidationError as inner:
            im = _AT.match(str(inner))
            assert im is not None
            return im.group("msg"), (im.group("path") or "").replace("[...]", f".{key}", 1)
    return msg, path


def _walk(data: Any, parts: list[str]) -> Any:
    for p in parts:
        data = data[int(p)] if isinstance(data, list) else data[p]
    return data


def _replace(data: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(data, list):
        i = int(head)
        return [*data[:i], _replace(data[i], rest, value), *data[i + 1 :]]
    return {**data, head: _replace(data[head], rest, value)}


def convert(data: Any, kind: type[T]) -> T:
    """Convert decoded JSON into a Struct; errors name the field, never the value."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        msg, path = locate(data, kind, exc)
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
