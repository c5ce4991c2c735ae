from __future__ import annotations

import pytest

from plugins import behaviour
from tests.plugins.support import HUMAN_FIELDS, HUMAN_RHYTHM, build_context, build_session

extract = behaviour.anonscore_extract_features
evaluate = behaviour.anonscore_evaluate_rule
CTX = build_context()


def form(fields: list[dict[str, object]], **extra: object):
    return build_session({"behaviour": {"fields": fields, **extra}})


def test_no_hit_on_real_devices(real_profile) -> None:
    assert evaluate(real_profile, CTX) is None


def test_features_of_a_human_form() -> None:
    session = form(
        HUMAN_FIELDS,
        time_on_page_ms=184_000,
        history_length=3,
        keystroke_intervals_ms=HUMAN_RHYTHM,
    )
    features = extract(session)
    assert features == {
        "fields_count": 4,
        "chars_typed_total": 24,
        "chars_pasted_total": 0,
        "corrections_total": 2,
        "paste_ratio": 0.0,
        "form_focus_ms_total": 12_800,
        "time_on_page_ms": 184_000,
        "history_length": 3,
        "typing_interval_median_ms": 140.0,
        "typing_interval_cv": pytest.approx(0.496, abs=0.001),
    }
    assert evaluate(session, CTX) is None


def test_empty_behaviour() -> None:
    features = extract(build_session({}))
    assert features["fields_count"] == 0
    assert features["paste_ratio"] is None
    assert features["typing_interval_median_ms"] is None
    assert features["time_on_page_ms"] is None
    assert evaluate(build_session({}), CTX) is None


def test_paste_strength_is_the_share_of_fields_pasted() -> None:
    names = ("amount", "term", "income", "employer", "street", "postcode", "city", "rent", "iban")

    def strength(pasted: set[str]) -> float:
        fields = [
            {"name": n, "chars_pasted": 12, "focus_ms": 900}
            if n in pasted
            else {"name": n, "chars_typed": 8, "focus_ms": 3_000}
            for n in names
        ]
        (hit,) = evaluate(form(fields), CTX)
        assert (hit.code, hit.flag) == ("PASTE_IN_FORM", "paste_in_form")
        return hit.strength

    iban = strength({"iban"})  # an account number copied from the bank's app
    address = strength({"street", "postcode", "city"})  # a password manager
    identity = strength(set(names) - {"amount", "term"})  # a pasted identity
    assert (iban, address, identity) == pytest.approx((1 / 9, 3 / 9, 7 / 9))
    assert strength(set(names)) == 1.0
    half = form([{"name": "iban", "chars_pasted": 22}, {"name": "x", "chars_typed": 22}])
    assert extract(half)["paste_ratio"] == 0.5


@pytest.mark.parametrize(
    "intervals",
    [
        [100] * 12,  # metronome
        [100, 101, 99, 100, 102, 98, 100, 101, 99, 100],  # cv ~ 0.01
        [12, 15, 9, 20, 11, 14, 13, 18, 10, 16, 12],  # 13 ms median: no fingers do that
    ],
)
def test_robotic_rhythm(intervals: list[int]) -> None:
    hits = evaluate(form([{"name": "a", "chars_typed": 12}], keystroke_intervals_ms=intervals), CTX)
    assert [(h.code, h.flag) for h in hits] == [("TYPING_ROBOTIC", "typing_anomaly")]


@pytest.mark.parametrize(
    "intervals",
    [
        HUMAN_RHYTHM,
        [100] * 9,  # too few intervals to judge
        [0, 5000],
        [],
    ],
)
def test_human_or_too_short_rhythm(intervals: list[int]) -> None:
    session = form([{"name": "a", "chars_typed": 12}], keystroke_intervals_ms=intervals)
    assert evaluate(session, CTX) is None


def test_too_fast_without_rhythm() -> None:
    fast = [
        {"name": "a", "chars_typed": 40, "focus_ms": 400},
        {"name": "b", "chars_typed": 20, "focus_ms": 200},
    ]
    (hit,) = evaluate(form(fast), CTX)
    assert (hit.code, hit.flag) == ("TYPING_TOO_FAST", "typing_anomaly")
    assert hit.strength == pytest.approx(0.6 + 0.4 * (1 - 10 / 30))


@pytest.mark.parametrize(
    "fields",
    [
        [{"name": "a", "chars_typed": 60, "focus_ms": 600, "corrections": 1}],  # corrected
        [{"name": "a", "chars_typed": 60, "focus_ms": 0}],  # focus not measured
        [{"name": "a", "chars_typed": 10, "focus_ms": 10}],  # too little to judge
        [{"name": "a", "chars_typed": 60, "focus_ms": 6_000}],  # 100 ms per character
        # autofill or a password manager: pasted, not typed, and focus of other fields
        [{"name": "a", "chars_pasted": 60, "focus_ms": 10}, {"name": "b", "focus_ms": 9_000}],
    ],
)
def test_not_too_fast(fields: list[dict[str, object]]) -> None:
    assert all(h.code != "TYPING_TOO_FAST" for h in evaluate(form(fields), CTX) or ())


def test_a_form_filled_at_once() -> None:
    """A script setting whole values (Playwright's fill): each field a few ms of focus."""
    scripted = [{"name": f"f{i}", "chars_pasted": 10, "focus_ms": 20} for i in range(9)]
    (paste, fast) = evaluate(form(scripted, time_on_page_ms=3_000), CTX)
    assert paste.code == "PASTE_IN_FORM"
    assert (fast.code, fast.flag) == ("TYPING_TOO_FAST", "typing_anomaly")
    assert fast.strength == pytest.approx(0.6 + 0.4 * (1 - 20 / 150))
    assert fast.detail == "9 fields filled in 20 ms each"


@pytest.mark.parametrize(
    "fields",
    [
        # a person pasting: focus the field, paste, move on
        [{"name": f"f{i}", "chars_pasted": 10, "focus_ms": 450} for i in range(9)],
        # autofill: the filled fields never had focus; the typed ones had seconds of it
        [{"name": f"a{i}", "chars_typed": 1} for i in range(5)]
        + [{"name": f"t{i}", "chars_typed": 6, "focus_ms": 2_500} for i in range(3)],
        # two quick fields are too few to judge
        [{"name": f"f{i}", "chars_pasted": 10, "focus_ms": 20} for i in range(2)],
        # a correction is a person
        [
            {"name": f"f{i}", "chars_pasted": 10, "focus_ms": 20, "corrections": int(i == 0)}
            for i in range(4)
        ],
    ],
)
def test_not_filled_at_once(fields: list[dict[str, object]]) -> None:
    assert all(h.code != "TYPING_TOO_FAST" for h in evaluate(form(fields), CTX) or ())


def test_filled_at_once_settings() -> None:
    fields = [{"name": f"f{i}", "chars_pasted": 10, "focus_ms": 200} for i in range(3)]
    assert all(h.code != "TYPING_TOO_FAST" for h in evaluate(form(fields), CTX))
    hits = evaluate(form(fields), build_context({"min_ms_per_field": 300}))
    assert hits[-1].code == "TYPING_TOO_FAST"
    quick = [{"name": f"f{i}", "chars_pasted": 10, "focus_ms": 20} for i in range(3)]
    assert all(
        h.code != "TYPING_TOO_FAST"
        for h in evaluate(form(quick), build_context({"fast_min_fields": 4}))
    )


def test_rhythm_overrides_the_focus_heuristic() -> None:
    fast = [{"name": "a", "chars_typed": 60, "focus_ms": 600}]
    assert evaluate(form(fast, keystroke_intervals_ms=HUMAN_RHYTHM), CTX) is None


def test_settings() -> None:
    fields = [{"name": "a", "chars_typed": 60, "focus_ms": 2_400}]  # 40 ms per char
    assert evaluate(form(fields), CTX) is None
    hits = evaluate(form(fields), build_context({"min_ms_per_char": 50}))
    assert hits[0].code == "TYPING_TOO_FAST"
    assert 0 < hits[0].strength <= 1
    assert evaluate(form(fields), build_context({"min_ms_per_char": 0})) is None
