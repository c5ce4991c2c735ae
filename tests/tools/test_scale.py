"""tools/scale in its small mode: the store fills, links are timed, sizes are measured, and
the command prints the table of docs/performance.md. (Timing figures are the tool's, not the
test's.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.scale import main, run


async def test_a_small_fill_measures_every_figure(tmp_path: Path) -> None:
    seen: list[int] = []
    result = await run(tmp_path / "data", 600, probes=40, progress=lambda d, t: seen.append(d))
    f = result.figures()
    assert f["devices"] == 600
    assert seen[-1] == 600
    assert len(result.returning_ms) == len(result.new_ms) == 40
    assert f["link_returning_ms"]["p99"] >= f["link_returning_ms"]["p50"] > 0
    assert f["returning_linked_known"] >= 0.5  # drifted devices are found again
    assert 0 < f["record_bytes_per_device"] < 20_000
    assert f["disk_bytes_per_device"] > 0
    assert f["rss_mb"] > 0


def test_command_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, data = tmp_path / "scale.json", tmp_path / "store"
    argv = ["--devices", "300", "--probes", "20", "--json", str(out), "--data-dir", str(data)]
    assert main([*argv, "--keep"]) == 0
    printed = capsys.readouterr().out
    for row in ("link a returning device, p50 / p99", "CPU time", "bytes per device on disk"):
        assert row in printed
    first = json.loads(out.read_text())
    assert first["devices"] == 300
    # the probes again on the kept store: the same devices come back
    assert main(["--probe-only", "--data-dir", str(data), "--json", str(out)]) == 0
    again = json.loads(out.read_text())
    assert again["devices"] == 300
    assert again["returning_linked_known"] >= 0.5
    with pytest.raises(SystemExit):
        main(["--devices", "0"])
    with pytest.raises(SystemExit):
        main(["--probe-only", "--data-dir", str(tmp_path / "none")])
