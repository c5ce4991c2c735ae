"""plugins/input_realism.py: synthetic, machine-regular and teleporting input, per form."""

from __future__ import annotations

from typing import Any

from plugins import input_realism
from tests.plugins.support import build_session, codes_of

PERSON = {"keys": 40, "untrusted": 0, "intervals": 39, "flat_intervals": 3,
          "pointer_fields": 5, "pointer_moves": 180}  # fmt: skip


def judge(*forms: dict[str, Any]) -> set[str]:
    session = build_session({"coherence": {"input": list(forms)}})
    return codes_of(input_realism.anonscore_evaluate_rule(session))


def test_a_person_typing_is_quiet() -> None:
    assert judge(PERSON) == set()
    assert judge() == set()
    features = input_realism.anonscore_extract_features(build_session({}))
    assert features == {
        "input_untrusted": 0,
        "input_flat_share": None,
        "input_moves_per_field": None,
    }


def test_script_dispatched_events() -> None:
    assert judge({**PERSON, "untrusted": 3}) == {"INPUT_SYNTHETIC"}
    assert judge({**PERSON, "untrusted": 2}) == set()


def test_a_fixed_delay_between_keys() -> None:
    assert judge({**PERSON, "flat_intervals": 20}) == {"INPUT_MECHANICAL"}
    assert judge({**PERSON, "intervals": 9, "flat_intervals": 9}) == set()  # too few


def test_a_pointer_that_jumps_onto_each_field() -> None:
    assert judge({**PERSON, "pointer_moves": 5}) == {"INPUT_POINTER_JUMPS"}
    assert judge({**PERSON, "pointer_fields": 2, "pointer_moves": 0}) == set()


def test_forms_add_up() -> None:
    half = {**PERSON, "untrusted": 2}
    assert judge(half, half) == {"INPUT_SYNTHETIC"}
