"""tools/scale in its small mode: the store fills, links are timed, sizes are measured, and
the command prints the README's table. (Timing figures are the tool's, not the test's.)"""

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
    out = tmp_path / "scale.json"
    assert main(["--devices", "300", "--probes", "20", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for row in ("link a returning device, p50 / p99", "bytes per device on disk", "RSS"):
        assert row in printed
    assert json.loads(out.read_text())["devices"] == 300
    with pytest.raises(SystemExit):
        main(["--devices", "0"])
