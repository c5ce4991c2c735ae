"""The /v1 compatibility promise, held by a committed snapshot (docs/api.md, "Compatibility").

`tests/contract/v1.json` records what clients of /v1 rely on: the request and response
fields of every route (dotted paths, from the live OpenAPI document), the flag names of
engine/flags.py and the reason codes of config/model.toml. The live values are compared
with it: anything added passes (and the test prints how to refresh the snapshot), anything
removed or renamed fails. Refresh after an addition:

    .venv/bin/python -m tests.contract.test_v1 > tests/contract/v1.json
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from engine.flags import FLAG_NAMES
from engine.http.openapi import openapi_document
from tests.support import REPO

SNAPSHOT = Path(__file__).with_name("v1.json")
REFRESH = ".venv/bin/python -m tests.contract.test_v1 > tests/contract/v1.json"


def _fields(
    schema: dict[str, Any], schemas: dict[str, Any], prefix: str, seen: tuple[str, ...]
) -> set[str]:
    """Dotted paths of the named fields under `schema` (through $ref, arrays, unions)."""
    ref = schema.get("$ref")
    if ref is not None:
        name = ref.rsplit("/", 1)[1]
        if name in seen:  # a recursive type: its fields are listed once
            return set()
        return _fields(schemas[name], schemas, prefix, (*seen, name))
    out: set[str] = set()
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, ()):
            out |= _fields(option, schemas, prefix, seen)
    if "items" in schema:
        out |= _fields(schema["items"], schemas, f"{prefix}[]", seen)
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        out.add(path)
        out |= _fields(sub, schemas, path, seen)
    return out


def live() -> dict[str, Any]:
    document = json.loads(openapi_document())
    schemas = document["components"]["schemas"]
    routes: dict[str, dict[str, list[str]]] = {}
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            entry: dict[str, list[str]] = {}
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                entry["request"] = sorted(_fields(body["schema"], schemas, "", ()))
            for status, answer in op["responses"].items():
                content = answer.get("content", {}).get("application/json")
                if status.startswith("2") and content is not None:
                    entry["response"] = sorted(_fields(content["schema"], schemas, "", ()))
            routes[f"{method.upper()} {path}"] = entry
    with (REPO / "config" / "model.toml").open("rb") as f:
        codes = sorted(tomllib.load(f)["weights"])
    return {"routes": routes, "flags": sorted(FLAG_NAMES), "reason_codes": codes}


def removed(snapshot: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What the snapshot has and the live contract lacks."""
    gone = [f"flag {n}" for n in snapshot["flags"] if n not in now["flags"]]
    gone += [f"reason code {c}" for c in snapshot["reason_codes"] if c not in now["reason_codes"]]
    for route, parts in snapshot["routes"].items():
        current = now["routes"].get(route)
        if current is None:
            gone.append(f"route {route}")
            continue
        for part, fields in parts.items():
            have = set(current.get(part, ()))
            gone += [f"{route} {part} field {f}" for f in fields if f not in have]
    return gone


def added(snapshot: dict[str, Any], now: dict[str, Any]) -> list[str]:
    return removed(now, snapshot)


def test_nothing_of_v1_disappears() -> None:
    snapshot = json.loads(SNAPSHOT.read_text())
    now = live()
    gone = removed(snapshot, now)
    assert gone == [], (
        "the /v1 contract lost what clients rely on (a field, a flag or a reason code): "
        "put it back, or make it a new API version (docs/api.md, Compatibility)"
    )
    new = added(snapshot, now)
    if new:
        print(f"{len(new)} additions to /v1 (allowed); refresh the snapshot: {REFRESH}")
        print("\n".join(new))


def test_the_snapshot_covers_the_contract() -> None:
    snapshot = json.loads(SNAPSHOT.read_text())
    assert "score" in snapshot["routes"]["POST /v1/score"]["response"]
    assert "reasons[].code" in snapshot["routes"]["POST /v1/score"]["response"]
    assert "erased" in snapshot["routes"]["POST /v1/optout"]["response"]
    assert len(snapshot["flags"]) >= 10
    assert len(snapshot["reason_codes"]) > 40


def test_a_removal_or_a_rename_fails_and_an_addition_passes() -> None:
    now = live()
    renamed = json.loads(json.dumps(now))
    score = renamed["routes"]["POST /v1/score"]["response"]
    score[score.index("device_id")] = "device"
    renamed["flags"].remove("emulator")
    renamed["reason_codes"].append("NEW_CODE")
    assert removed(now, renamed) == [
        "flag emulator",
        "POST /v1/score response field device_id",
    ]
    assert added(now, renamed) == [
        "reason code NEW_CODE",
        "POST /v1/score response field device",
    ]


if __name__ == "__main__":
    print(json.dumps(live(), indent=1, sort_keys=True))
