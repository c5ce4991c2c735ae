"""Input realism: how the keys and the pointer arrived in the form (counts, never values).

The collector counts per form (collector.js, `coherence.input`): key and input events a
script dispatched (`isTrusted` false), intervals between keys that equal the one before
within 1 ms, and the pointer moves that led to each field entered with the pointer.

- `INPUT_SYNTHETIC`: three or more untrusted events in a form: a page script typed.
- `INPUT_MECHANICAL`: at least 10 intervals and half or more of them equal to the one
  before: a fixed delay between keys (a driver's `type(delay=...)`, `xdotool type`).
- `INPUT_POINTER_JUMPS`: three or more fields entered with the pointer, at most two moves
  per field on the way: the pointer jumps onto each field (a driver's click; a person's
  hand draws tens of moves).

Each has an innocent reading (an accessibility tool, a password manager that types, a
tablet pen), so they set `typing_anomaly` with small weights: evidence that adds to the
strong signals, never a verdict alone.
"""

from __future__ import annotations

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl

FLAGS: tuple[str, ...] = ("typing_anomaly",)
CODES: tuple[str, ...] = ("INPUT_SYNTHETIC", "INPUT_MECHANICAL", "INPUT_POINTER_JUMPS")
FEATURES: dict[str, str] = {
    "input_untrusted": "key and input events a script dispatched, over all forms",
    "input_flat_share": "share of key intervals equal to the one before within 1 ms "
    "(None under 10 intervals)",
    "input_moves_per_field": "pointer moves per field entered with the pointer (None when "
    "no field was)",
}

_MIN_UNTRUSTED = 3
_MIN_INTERVALS = 10
_FLAT_SHARE = 0.5
_MIN_POINTER_FIELDS = 3
_MAX_MOVES_PER_FIELD = 2.0


def totals(session: CollectedSession) -> tuple[int, int, int, int, int]:
    """(untrusted, intervals, flat intervals, pointer fields, pointer moves) over all forms."""
    forms = session.attributes.coherence.input or ()
    return (
        sum(f.untrusted for f in forms),
        sum(f.intervals for f in forms),
        sum(f.flat_intervals for f in forms),
        sum(f.pointer_fields for f in forms),
        sum(f.pointer_moves for f in forms),
    )


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    untrusted, intervals, flat, fields, moves = totals(session)
    return {
        "input_untrusted": untrusted,
        "input_flat_share": round(flat / intervals, 3) if intervals >= _MIN_INTERVALS else None,
        "input_moves_per_field": round(moves / fields, 2) if fields else None,
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    untrusted, intervals, flat, fields, moves = totals(session)
    hits: list[RuleHit] = []
    if untrusted >= _MIN_UNTRUSTED:
        hits.append(
            RuleHit(code="INPUT_SYNTHETIC", flag="typing_anomaly", detail=f"{untrusted} events")
        )
    if intervals >= _MIN_INTERVALS and flat >= _FLAT_SHARE * intervals:
        detail = f"{flat} of {intervals} intervals equal"
        hits.append(RuleHit(code="INPUT_MECHANICAL", flag="typing_anomaly", detail=detail))
    if fields >= _MIN_POINTER_FIELDS and moves <= _MAX_MOVES_PER_FIELD * fields:
        detail = f"{moves} moves for {fields} fields"
        hits.append(RuleHit(code="INPUT_POINTER_JUMPS", flag="typing_anomaly", detail=detail))
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
