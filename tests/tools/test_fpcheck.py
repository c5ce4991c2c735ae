"""tools/fpcheck.py: random device hashes through the detector, refusals per class."""

from __future__ import annotations

import random

import pytest

from tools.fpcheck import CLASSES, FIELDS, check_class, format_result, main


@pytest.mark.parametrize("name", list(CLASSES))
def test_each_class_writes_values_of_its_length(name: str) -> None:
    size, make = CLASSES[name]
    value = make(random.Random(1).randbytes(size))
    expected = {"uuid": 36}.get(name) or int(name.removeprefix("hex").removeprefix("b64-"))
    assert len(value) == expected


def test_a_small_run_refuses_nothing_in_the_hash_fields() -> None:
    rng = random.Random(7)
    for name in CLASSES:
        result = check_class(name, 2000, rng)
        assert result.count == 2000
        assert result.in_field == 0
        assert result.anywhere_other == 0
        assert format_result(result, anywhere=True).split()[:3] == [name, "2000", "0"]
    assert "device_id_hash" in FIELDS
    assert "persistent_session" in FIELDS


def test_the_command_prints_a_line_per_class_and_progress_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--count", "300", "--classes", "hex16,uuid", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["class", "values", "in", "field", "anywhere", "all-digits",
                                "checks/s"]  # fmt: skip
    assert [line.split()[0] for line in lines[1:3]] == ["hex16", "uuid"]
    assert lines[-1].startswith("total: 0 refused in their field")
    assert "hex16: 300/300" in err


def test_unknown_classes_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--classes", "hex17"])
    assert "unknown class hex17; known: hex16, hex24" in capsys.readouterr().err
