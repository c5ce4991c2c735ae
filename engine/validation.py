"""Request bodies: JSON decoding, then typed validation with errors that echo nothing.

Order matters: the privacy firewall sees every string of the raw body before the typed
conversion, so an identifier in an unknown or mistyped field is still refused as personal
data. When conversion fails, the field is found by walking the data beside the Struct
types (not by reading msgspec's message): the path names only fields the schema knows and
list positions; a key the caller made up (an unknown field, a key of `attributes.custom`)
is never repeated, nor any value.
"""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from engine.errors import BadRequest, InvalidJSON, ValidationFailed

T = TypeVar("T")

_MAX_SAFE_INT = 2**53


def _float_hook(text: str) -> float | int:
    """JSON has one number type: `83714.0` is the integer 83714 where an integer is due
    (JSON Schema agrees). Integral floats become ints; float fields accept ints."""
    value = float(text)
    if value.is_integer() and abs(value) < _MAX_SAFE_INT:
        return int(value)
    return value


_json = msgspec.json.Decoder(float_hook=_float_hook)
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_INDEX = re.compile(r"\[(\d+)\]")


def decode_json(body: bytes) -> Any:
    """Decode a request body. Any bytes that are not a UTF-8 JSON document (invalid or
    overlong UTF-8, a BOM, NUL bytes, lone surrogates) are a 400, never an exception."""
    try:
        return _json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError):
        raise InvalidJSON("request body is not valid JSON; send a UTF-8 JSON object") from None
    except RecursionError:  # msgspec's own guard against hostile nesting
        raise InvalidJSON("request body nests too deeply; send a flat JSON object") from None


def require_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    return value


def convert(data: Any, kind: type[T]) -> T:
    """Convert decoded JSON into a Struct; errors name the field, never the value."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        found = _find(data, kind, [])
        if found is None:  # the walk must agree with msgspec; be safe if it does not
            raise ValidationFailed("the request does not match the schema") from exc
        path, message = found
        raise ValidationFailed(message, field=".".join(path) or None) from None


# -- finding the failing field by structure ----------------------------------------------------


def _find(data: Any, tp: Any, path: list[str], keys: bool = False) -> tuple[list[str], str] | None:
    """The first place where `data` does not fit `tp`: (known path, message), or None.
    `keys`: name dict keys in the path (config files, the operator's own words)."""
    origin = get_origin(tp)
    if origin is Annotated:
        inner = get_args(tp)[0]
        deeper = _find(data, inner, path, keys)
        if deeper is not None:
            return deeper
        return _leaf(data, tp, path)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _find_struct(data, tp, path, keys)
    if origin is list:
        if not isinstance(data, list):
            return path, "expected an array"
        (item,) = get_args(tp)
        for i, value in enumerate(data):
            found = _find(value, item, [*path, str(i)], keys)
            if found is not None:
                return found
        return None
    if origin is dict:
        if not isinstance(data, dict):
            return path, "expected an object"
        key_type, value_type = get_args(tp)
        for key, value in data.items():
            if _leaf(key, key_type, path) is not None:
                return path, "one of its keys is not allowed (too long or not a string)"
            if keys:
                found = _find(value, value_type, [*path, str(key)], keys)
                if found is not None:
                    return found
                continue
            # the key is the caller's: the path stops at the object holding it
            found = _find(value, value_type, path)
            if found is not None:
                return path, f"one of its entries: {found[1]}"
        return None
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if data is None and type(None) in options:
            return None
        fits = [o for o in options if o is not type(None) and _leaf(data, o, path) is None]
        if fits:
            return None
        structured = [o for o in options if _is_container(o)]
        if len(structured) == 1 and _shape_matches(data, structured[0]):
            return _find(data, structured[0], path, keys)
        return _leaf(data, tp, path)
    return _leaf(data, tp, path)


def _find_struct(
    data: Any, tp: type[msgspec.Struct], path: list[str], keys: bool
) -> tuple[list[str], str] | None:
    where = ".".join(path) or "the request"
    if not isinstance(data, dict):
        return path, "expected an object"
    fields = {f.encode_name: f for f in msgspec.structs.fields(tp)}
    if tp.__struct_config__.forbid_unknown_fields:
        for key in data:
            if key not in fields:
                hint = "; put client-defined fields in attributes.custom" if path else ""
                return path, f"an unknown field in {where}{hint}"
    for name, info in fields.items():
        if name not in data:
            if info.required:
                return [*path, name], "required field is missing"
            continue
        found = _find(data[name], info.type, [*path, name], keys)
        if found is not None:
            return found
    return None


def _is_container(tp: Any) -> bool:
    base = get_args(tp)[0] if get_origin(tp) is Annotated else tp
    return get_origin(base) in (list, dict) or (
        isinstance(base, type) and issubclass(base, msgspec.Struct)
    )


def _shape_matches(data: Any, tp: Any) -> bool:
    base = get_args(tp)[0] if get_origin(tp) is Annotated else tp
    if get_origin(base) is list:
        return isinstance(data, list)
    return isinstance(data, dict)


def _leaf(data: Any, tp: Any, path: list[str]) -> tuple[list[str], str] | None:
    try:
        msgspec.convert(data, tp)
    except msgspec.ValidationError as exc:
        return path, _describe(str(exc), tp)
    return None


def _describe(text: str, tp: Any) -> str:
    """What was expected, in msgspec's words when they only describe our schema (types,
    lengths, ranges, patterns); a generic phrase when they would quote the value."""
    m = _AT.match(text)
    msg = (m.group("msg") if m else text).strip()
    base = get_args(tp)[0] if get_origin(tp) is Annotated else tp
    if get_origin(base) is Literal or msg.startswith("Invalid enum value"):
        return "value is not one of the allowed values"
    if msg.startswith("Expected") and "'" not in msg.split("matching regex", 1)[0]:
        return msg[:1].lower() + msg[1:]
    return "value does not match the schema"


def known_path(kind: type[Any], dotted: str) -> str:
    """The longest prefix of a dotted path that the schema names (struct fields and list
    positions); a key the caller made up (a key of `attributes.custom`, an unknown field)
    and what lies under it are cut off, so an error never repeats it."""
    tp: Any = kind
    kept: list[str] = []
    for part in dotted.split(".") if dotted else []:
        while get_origin(tp) is Annotated or get_origin(tp) in (Union, types.UnionType):
            if get_origin(tp) is Annotated:
                tp = get_args(tp)[0]
            else:
                options = [o for o in get_args(tp) if _is_container(o)]
                if len(options) != 1:
                    return ".".join(kept)
                tp = options[0]
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            fields = {f.encode_name: f.type for f in msgspec.structs.fields(tp)}
            if part not in fields:
                break
            tp = fields[part]
        elif get_origin(tp) is list and part.isdigit():
            tp = get_args(tp)[0]
        else:
            break
        kept.append(part)
    return ".".join(kept)


# -- config files: operators' own TOML, where naming their key is what helps ------------------


def locate(data: Any, kind: type[Any], exc: msgspec.ValidationError) -> tuple[str, str]:
    """(message, dotted path) of a validation error in a config file: msgspec's message
    (the operator's own file: naming a misspelt key helps), with table names in the path."""
    m = _AT.match(str(exc))
    msg = m.group("msg") if m else str(exc)
    path = (m.group("path") if m else "") or ""
    if "[...]" in path:
        found = _find(data, kind, [], keys=True)
        if found is not None:
            path = "." + ".".join(found[0])
    return msg, path
