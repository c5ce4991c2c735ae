"""The adversary harness against the real service: kits in costume, and honest controls.

What holds whatever the detection does: every kit in every costume of the small matrix gives
a scored session, and every honest control gives one that is neither `tampering` nor
`automation`. The issue's done-when figures (>= 95% of costumed sessions caught with a score
>= 0.5, no honest control flagged) are asserted too, expected to fail until the detection of
branch antidetect lands; the full matrix is the CLI's (docs/adversary.md).
"""

from __future__ import annotations

import httpx
import pytest

from tests.process import Server
from tools.adversary import Result, lender_server, read_results, summary_table, totals

from .conftest import Run, run_harness

pytestmark = pytest.mark.browser

KITS = ("fingerprint-suite", "browserforge", "playwright-stealth", "puppeteer-stealth")
HEADLESS_COSTUMES = ("windows-chrome", "iphone-safari")
HEADFUL_KITS = ("fingerprint-suite", "playwright-stealth")
HEADFUL_COSTUMES = ("macos-chrome",)
CONTROLS = ("chromium-xdotool", "chromium-csp", "firefox-esr", "firefox-esr-rfp")


@pytest.fixture(scope="module")
def headless(adversary_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Every kit in two costumes headless, and one set-up of each honest control."""
    return run_harness(
        adversary_server,
        tmp_path_factory.mktemp("headless"),
        *("--kits", ",".join(KITS), "--costumes", ",".join(HEADLESS_COSTUMES)),
        *("--modes", "headless", "--controls", ",".join(CONTROLS), "--variants", "1"),
    )


@pytest.fixture(scope="module")
def headful(adversary_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Two kits headful under Xvfb (one of each registry), no controls."""
    return run_harness(
        adversary_server,
        tmp_path_factory.mktemp("headful"),
        *("--kits", ",".join(HEADFUL_KITS), "--costumes", ",".join(HEADFUL_COSTUMES)),
        *("--modes", "headful", "--controls", "none"),
    )


def _kits(run: Run) -> dict[tuple[str, str, str], Result]:
    return {(r.kit, r.costume, r.mode): r for r in run.results if r.group == "kit"}


def _assert_scored(r: Result) -> None:
    assert r.error is None, f"{r.group_key}: {r.error}"
    assert r.session_id, r.group_key
    assert r.score is not None
    assert 0.0 <= r.score <= 1.0


def test_every_kit_and_costume_gives_a_scored_session_headless(headless: Run) -> None:
    sessions = _kits(headless)
    assert set(sessions) == {(k, c, "headless") for k in KITS for c in HEADLESS_COSTUMES}
    for result in sessions.values():
        _assert_scored(result)
    # the costume was put on: the page was told the claimed system, not Debian's Linux
    for kit in KITS:
        assert "Windows" in (sessions[kit, "windows-chrome", "headless"].user_agent or "")
        assert "iPhone" in (sessions[kit, "iphone-safari", "headless"].user_agent or "")


def test_every_kit_gives_a_scored_session_headful(headful: Run) -> None:
    sessions = _kits(headful)
    assert set(sessions) == {(k, "macos-chrome", "headful") for k in HEADFUL_KITS}
    for result in sessions.values():
        _assert_scored(result)
        assert "Mac OS X" in (result.user_agent or "")


def test_honest_controls_are_scored_and_clean(headless: Run) -> None:
    controls = [r for r in headless.results if r.group == "control"]
    assert sorted(r.kit for r in controls) == sorted(CONTROLS)
    for result in controls:
        _assert_scored(result)
        assert result.mode == "headful"
        assert result.clean, f"{result.group_key}: flags {result.flags}, {result.reasons}"


def test_outputs_agree_with_each_other(headless: Run) -> None:
    """The JSON Lines file, the summary it printed and wrote, and the plot, from one run."""
    table = (headless.out_dir / "summary.md").read_text()
    assert table == headless.stdout == summary_table(headless.results)
    assert table.count("\n| kit |") == len(KITS) * len(HEADLESS_COSTUMES)
    assert table.count("\n| control |") == len(CONTROLS)
    assert (headless.out_dir / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert read_results(headless.out_dir / "results.jsonl") == headless.results


def test_lender_page_is_served_under_a_strict_csp(adversary_server: Server) -> None:
    with lender_server(adversary_server.base_url, "demo_site") as (url, _):
        page = httpx.get(f"{url}/lender", timeout=10)
        proxied = httpx.get(f"{url}/collector.js", timeout=10)
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "<script>" not in page.text  # every script has a src on this origin
    assert proxied.content == httpx.get(f"{adversary_server.base_url}/collector.js").content


def test_done_when_costumes_caught_and_controls_clean(headless: Run, headful: Run) -> None:
    """The issue's figures: >= 95% of costumed sessions flagged tampering or automation with
    a score >= 0.5, and none of the honest controls flagged."""
    found = totals(headless.results + headful.results)
    assert found.failed == 0
    assert found.caught_share >= 0.95, summary_table(headless.results + headful.results)
    assert found.controls_flagged == 0
