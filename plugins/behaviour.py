"""Form behaviour: how the applicant filled the form (counts only, never the content).

- `paste_in_form`: something was pasted; the strength is the share of the form's fields
  pasted into (one pasted account number is ordinary, a password manager's address is
  three fields of many, a pasted identity is most of the form: what fraud rings do).
- `typing_anomaly`: with the optional typing rhythm, keystrokes too regular (coefficient of
  variation < 0.1 over >= 10 intervals) or faster than fingers (median < 25 ms) are a
  script; without it, many characters with no correction in < 30 ms of focus per character,
  or a form whose fields (three or more that had focus and got content, typed or pasted)
  had less than 150 ms of focus each on average: a script setting whole values
  (Playwright's fill), not a person moving through the form and pasting. Fields a
  browser's autofill fills have no focus of their own and are not counted; a value set
  without any input event cannot be told from autofill and is not judged.
"""

from __future__ import annotations

import math

from engine.features import CollectedSession, Context, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._settings import clamp, number

FLAGS: tuple[str, ...] = ("paste_in_form", "typing_anomaly")
CODES: tuple[str, ...] = ("PASTE_IN_FORM", "TYPING_ROBOTIC", "TYPING_TOO_FAST")
FEATURES: dict[str, str] = {
    "fields_count": "form fields the collector saw",
    "chars_typed_total": "characters typed over all fields",
    "chars_pasted_total": "characters pasted over all fields",
    "corrections_total": "deletions and corrections over all fields",
    "paste_ratio": "pasted / (typed + pasted) characters (None when nothing was entered)",
    "form_focus_ms_total": "time the form fields had focus, ms",
    "time_on_page_ms": "time on the page, ms",
    "history_length": "history.length of the tab",
    "typing_interval_median_ms": "median interval between keystrokes, ms (typing rhythm only)",
    "typing_interval_cv": "coefficient of variation of keystroke intervals (typing rhythm only)",
}

_MIN_INTERVALS = 10
_CV_MIN = 0.1
_MEDIAN_MIN_MS = 25.0
_MS_PER_CHAR_MIN = 30.0
_FAST_MIN_CHARS = 20
_MS_PER_FIELD_MIN = 150.0
_FAST_MIN_FIELDS = 3


def rhythm(session: CollectedSession) -> tuple[float, float] | None:
    """(median, coefficient of variation) of the keystroke intervals, or None (< 2 of them)."""
    intervals = session.attributes.behaviour.keystroke_intervals_ms
    if not intervals or len(intervals) < 2:
        return None
    n = len(intervals)
    ordered = sorted(intervals)
    middle = n // 2
    median = float(ordered[middle]) if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    mean = sum(intervals) / n
    if mean <= 0:
        return median, 0.0
    variance = sum((x - mean) ** 2 for x in intervals) / n
    return median, math.sqrt(variance) / mean


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    behaviour = session.attributes.behaviour
    fields = behaviour.fields or ()
    typed = sum(f.chars_typed for f in fields)
    pasted = sum(f.chars_pasted for f in fields)
    measured = rhythm(session)
    return {
        "fields_count": len(fields),
        "chars_typed_total": typed,
        "chars_pasted_total": pasted,
        "corrections_total": sum(f.corrections for f in fields),
        "paste_ratio": round(pasted / (typed + pasted), 4) if typed + pasted else None,
        "form_focus_ms_total": sum(f.focus_ms for f in fields),
        "time_on_page_ms": behaviour.time_on_page_ms,
        "history_length": behaviour.history_length,
        "typing_interval_median_ms": round(measured[0], 1) if measured else None,
        "typing_interval_cv": round(measured[1], 4) if measured else None,
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, context: Context) -> list[RuleHit] | None:
    hits: list[RuleHit] = []
    fields = session.attributes.behaviour.fields or ()
    pasted_fields = sum(1 for f in fields if f.chars_pasted > 0)
    if pasted_fields:
        hits.append(
            RuleHit(
                code="PASTE_IN_FORM",
                flag="paste_in_form",
                strength=clamp(pasted_fields / len(fields)),
                detail=f"pasted into {pasted_fields} of {len(fields)} field(s)",
            )
        )
    hit = _robotic(session) or _too_fast(session, context) or _filled_at_once(session, context)
    if hit is not None:
        hits.append(hit)
    return hits or None


def _filled_at_once(session: CollectedSession, context: Context) -> RuleHit | None:
    """Whole values set in a blink: the fields that had focus and got content (typed or
    pasted), `fast_min_fields` or more, had less than `min_ms_per_field` of focus on
    average. Fields without focus (autofilled) are left out."""
    if session.attributes.behaviour.keystroke_intervals_ms:
        return None
    fields = [
        f
        for f in session.attributes.behaviour.fields or ()
        if f.focus_ms > 0 and f.chars_typed + f.chars_pasted > 0
    ]
    if len(fields) < max(number(context, "fast_min_fields", _FAST_MIN_FIELDS), 1):
        return None
    if any(f.corrections for f in fields):
        return None
    per_field = sum(f.focus_ms for f in fields) / len(fields)
    limit = number(context, "min_ms_per_field", _MS_PER_FIELD_MIN)
    return _typing_too_fast(
        per_field, limit, f"{len(fields)} fields filled in {per_field:.0f} ms each"
    )


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)


def _robotic(session: CollectedSession) -> RuleHit | None:
    intervals = session.attributes.behaviour.keystroke_intervals_ms
    if not intervals or len(intervals) < _MIN_INTERVALS:
        return None
    measured = rhythm(session)
    if measured is None:
        return None
    median, cv = measured
    if median < _MEDIAN_MIN_MS:
        return RuleHit(code="TYPING_ROBOTIC", flag="typing_anomaly", detail="superhuman speed")
    if cv < _CV_MIN:
        return RuleHit(code="TYPING_ROBOTIC", flag="typing_anomaly", detail="machine-regular")
    return None


def _too_fast(session: CollectedSession, context: Context) -> RuleHit | None:
    if session.attributes.behaviour.keystroke_intervals_ms:
        return None  # the rhythm, when present, is the better witness
    fields = [f for f in session.attributes.behaviour.fields or () if f.chars_typed > 0]
    typed = sum(f.chars_typed for f in fields)
    focus = sum(f.focus_ms for f in fields)
    corrections = sum(f.corrections for f in fields)
    min_chars = max(number(context, "fast_min_chars", _FAST_MIN_CHARS), 1)
    if typed < min_chars or corrections or focus <= 0:
        return None
    per_char = focus / typed
    limit = number(context, "min_ms_per_char", _MS_PER_CHAR_MIN)
    return _typing_too_fast(per_char, limit, f"{per_char:.0f} ms per character, no correction")


def _typing_too_fast(took_ms: float, limit_ms: float, detail: str) -> RuleHit | None:
    """TYPING_TOO_FAST when `took_ms` (per field or per character) is under the limit,
    stronger the faster."""
    if took_ms >= limit_ms:
        return None
    return RuleHit(
        code="TYPING_TOO_FAST",
        flag="typing_anomaly",
        strength=clamp(0.6 + 0.4 * (1 - took_ms / limit_ms)),
        detail=detail,
    )
