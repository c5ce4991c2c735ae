"""The weighing rules of engine/reputation/weights.py on their own: trust learned from
corroboration, independent sources, the review-band hold, corroboration bookkeeping."""

from __future__ import annotations

import math

import pytest

from engine.reputation.weights import (
    REVIEW_MAX,
    TrustDeltas,
    evidence,
    hold_single,
    relabel_reports,
    trust_weight,
)
from engine.schema import Reports, TenantTrust


def test_trust_starts_at_the_base_and_follows_corroboration() -> None:
    assert trust_weight(None, 0.1) == pytest.approx(0.1)
    # 1,000 reports nobody backed up: an established base sinks towards 0
    assert trust_weight(TenantTrust(reported=1000), 0.6) < 0.01
    # reports always backed up: towards 1
    assert trust_weight(TenantTrust(reported=1000, corroborated=1000), 0.1) > 0.99


def test_untrusted_reporters_pool_into_one_source() -> None:
    bad = Reports(fraud=1)
    ring = {"r1": bad, "r2": bad, "r3": bad, "r4": bad}
    ev = evidence(ring, "victim", dict.fromkeys(ring, 0.1))
    assert (ev.reporters, ev.sources, ev.weight) == (4, 1, 0.3)  # pooled up to VOUCH
    assert not ev.corroborated
    two = evidence({"a": bad, "b": bad}, "victim", {"a": 0.6, "b": 0.6})
    assert (two.sources, two.weight, two.corroborated) == (2, 1.0, True)
    own = evidence({"victim": Reports(damage=2), "a": bad}, "victim", {"a": 0.6})
    assert (own.own, own.reporters, own.weight) == (2, 1, 0.6)


def test_one_source_is_held_in_the_review_band() -> None:
    bias, weights = -5.9, {"KNOWN_FRAUD_DEVICE": 7.3, "IP_FRAUD_HISTORY": 2.55}
    strengths = {"KNOWN_FRAUD_DEVICE": 1.5, "IP_FRAUD_HISTORY": 1.0, "PASTE_IN_FORM": 1.0}
    hold_single(strengths, bias, weights, {"a"})
    lift = sum(strengths[c] * w for c, w in weights.items())
    assert 1 / (1 + math.exp(-(bias + lift))) == pytest.approx(REVIEW_MAX)
    assert strengths["PASTE_IN_FORM"] == 1.0  # other evidence is not touched
    two = {"KNOWN_FRAUD_DEVICE": 1.0}
    hold_single(two, bias, weights, {"a", "b"})
    assert two == {"KNOWN_FRAUD_DEVICE": 1.0}


def test_corroboration_is_counted_once_and_taken_back() -> None:
    trust = {"a": 0.6, "b": 0.6, "new": 0.1}
    deltas = TrustDeltas()
    reports = relabel_reports({}, "a", None, "fraud", 1.0, trust, deltas)
    reports = relabel_reports(reports, "new", None, "fraud", 2.0, trust, deltas)
    reports = relabel_reports(reports, "b", None, "damage", 3.0, trust, deltas)
    # a backs up new and b; b backs up a and new; new backs up no one
    assert reports["new"].by == ["a", "b"]
    assert reports["a"].by == ["b"]
    assert reports["b"].by == ["a"]
    assert deltas.reported == {"a": 1, "new": 1, "b": 1}
    assert deltas.corroborated == {"a": 1, "new": 1, "b": 1}
    # b relabels its session good: its report and the backing it gave are taken back
    back = TrustDeltas()
    reports = relabel_reports(reports, "b", "damage", "good", 4.0, trust, back)
    assert reports["a"].by == []
    assert reports["new"].by == ["a"]
    assert back.reported == {"b": -1}
    assert back.corroborated == {"b": -1, "a": -1}
