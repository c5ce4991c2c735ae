"""Real browsers are not programs (issue 18, deliverable 6): on Matomo's real user agents
(tools/ua_corpus.py), 99% or more of the consistent desktop and phone browsers carry
neither `automation` nor `tampering`; old or odd browsers get `UA_OUTDATED_BROWSER`."""

from __future__ import annotations

import pytest

from tools.ua_corpus import DESKTOP, PHONE, Entry, corpus, judge

# the ones the issue found called automation: old Opera Presto, Konqueror, Servo, and an
# Android phone on Chrome 90
ODD_BUT_REAL = [
    Entry("Opera/9.80 (Windows NT 6.0; Edition Next) Presto/2.12 Version/12.10", DESKTOP,
          "windows", "Opera"),
    Entry("Mozilla/5.0 (X11; Linux x86_64) KHTML/5.20.0 (like Gecko) Konqueror/5.20",
          DESKTOP, "linux", "Konqueror"),
    Entry("Mozilla/5.0 (Android; Mobile; rv:37.0) Servo/1.0 Firefox/37.0", PHONE, "android",
          "Servo"),
    Entry("Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/90.0.4430.210 Mobile Safari/537.36", PHONE, "android", "Chrome Mobile"),
]  # fmt: skip


@pytest.fixture(scope="module")
def results() -> list[tuple[Entry, set[str], set[str]]]:
    return judge(corpus(phone_step=10))


@pytest.mark.parametrize("kind", [DESKTOP, PHONE])
def test_consistent_real_browsers_are_neither_automation_nor_tampering(
    results: list[tuple[Entry, set[str], set[str]]], kind: str
) -> None:
    rows = [r for r in results if r[0].kind == kind]
    assert len(rows) >= 200
    called = [r[0].user_agent for r in rows if {"automation", "tampering"} & r[1]]
    assert len(called) <= 0.01 * len(rows), called


def test_odd_or_old_browsers_are_outdated_not_automation() -> None:
    for entry, flags, codes in judge(ODD_BUT_REAL):
        assert not {"automation", "tampering"} & flags, (entry.user_agent, codes)
        assert "UA_OUTDATED_BROWSER" in codes, entry.user_agent
