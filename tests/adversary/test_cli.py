"""`python -m tools.adversary`: its arguments refused with a clear message, its report."""

from __future__ import annotations

from pathlib import Path

from tests.process import run_module
from tools.adversary import Result, write_results


def test_unknown_kit_is_refused_naming_the_known_ones() -> None:
    proc = run_module(
        "tools.adversary",
        "run",
        "--base-url",
        "http://127.0.0.1:9",
        "--out",
        "/dev/null",
        "--kits",
        "selenium",
    )
    assert proc.returncode == 2
    assert (
        "--kits must be a comma-separated list of: fingerprint-suite, browserforge, "
        "playwright-stealth, puppeteer-stealth (or none)" in proc.stderr
    )


def test_report_rebuilds_the_summary_from_a_results_file(tmp_path: Path) -> None:
    results = [
        Result(
            group="kit",
            kit="browserforge",
            costume="windows-chrome",
            mode="headless",
            session_id="s",
            score=0.9,
            flags=["tampering"],
            reasons=["LIE"],
        ),
        Result(
            group="kit",
            kit="browserforge",
            costume="iphone-safari",
            mode="headless",
            session_id="t",
            score=0.1,
            flags=["automation"],
            reasons=["X"],
        ),
        Result(
            group="kit",
            kit="browserforge",
            costume="macos-chrome",
            mode="headful",
            error="kit.js: boom",
        ),
        Result(
            group="control",
            kit="firefox-esr",
            costume="1600x900@1",
            mode="headful",
            session_id="u",
            score=0.02,
            flags=["virtual_machine"],
        ),
    ]
    write_results(tmp_path / "r.jsonl", results)
    proc = run_module(
        "tools.adversary",
        "report",
        "--results",
        str(tmp_path / "r.jsonl"),
        "--plot",
        str(tmp_path / "p.png"),
    )
    assert proc.returncode == 0, proc.stderr
    assert "| kit | browserforge | windows-chrome | headless | 0.9000 | yes |" in proc.stdout
    assert "| kit | browserforge | iphone-safari | headless | 0.1000 | no |" in proc.stdout
    assert "| headful | - | error: kit.js: boom |" in proc.stdout
    assert "| control | firefox-esr | 1600x900@1 | headful | 0.0200 | clean |" in proc.stdout
    assert "caught (tampering or automation, score >= 0.5): 1 of 3 (33%), 1 without" in proc.stdout
    assert "Honest controls flagged tampering or automation: 0 of 1, 0 without" in proc.stdout
    assert (tmp_path / "p.png").stat().st_size > 0


def test_repeat_below_one_is_refused() -> None:
    proc = run_module(
        "tools.adversary",
        "run",
        "--base-url",
        "http://127.0.0.1:9",
        "--out",
        "/dev/null",
        "--repeat",
        "0",
    )
    assert proc.returncode == 2
    assert "--repeat must be >= 1" in proc.stderr
