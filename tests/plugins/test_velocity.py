from __future__ import annotations

import msgspec
import pytest

from engine.features import DeviceHistory, ReportEvidence, Velocity
from plugins import velocity
from tests.plugins.support import NOW, build_context, codes_of

extract = velocity.anonscore_extract_features
evaluate = velocity.anonscore_evaluate_rule
DAY = 86_400


def test_new_device_quiet_context() -> None:
    context = build_context(device_velocity=Velocity(h1=1, h24=1), ip_velocity=Velocity(1, 1))
    assert evaluate(context) is None
    assert extract(context) == {
        "device_sessions_1h": 1,
        "device_sessions_24h": 1,
        "ip_sessions_1h": 1,
        "ip_sessions_24h": 1,
        "ip_prefix_sessions_24h": 0,
        "device_known": False,
        "device_age_days": None,
        "device_other_clients": 0,
        "device_other_clients_30d": 0,
        "device_sessions_total": 0,
        "device_ua_count": 0,
    }


def test_history_features() -> None:
    history = DeviceHistory(
        known=True,
        first_seen=NOW - 10.5 * DAY,
        sessions=7,
        other_tenants=1,
        user_agents=("ua1", "ua2", "ua3"),
    )
    features = extract(build_context(device_history=history, ip_prefix_velocity=Velocity(3, 9)))
    assert features["device_known"] is True
    assert features["device_age_days"] == 10.5
    assert features["device_other_clients"] == 1
    assert features["device_sessions_total"] == 7
    assert features["device_ua_count"] == 3
    assert features["ip_prefix_sessions_24h"] == 9


def test_first_seen_in_the_future_gives_no_age() -> None:
    history = DeviceHistory(known=True, first_seen=NOW + 60)
    assert extract(build_context(device_history=history))["device_age_days"] is None


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("device_velocity", Velocity(h1=6, h24=6), "VELOCITY_DEVICE_1H"),
        ("device_velocity", Velocity(h1=1, h24=21), "VELOCITY_DEVICE_24H"),
        ("ip_velocity", Velocity(h1=21, h24=21), "VELOCITY_IP_1H"),
        ("ip_velocity", Velocity(h1=1, h24=101), "VELOCITY_IP_24H"),
    ],
)
def test_default_thresholds(field: str, value: Velocity, code: str) -> None:
    hits = evaluate(build_context(**{field: value}))
    assert codes_of(hits) == {code}
    assert all(h.flag is None for h in hits)


def test_at_the_threshold_is_quiet() -> None:
    context = build_context(device_velocity=Velocity(5, 20), ip_velocity=Velocity(20, 100))
    assert evaluate(context) is None


def test_strength_scales_with_the_excess() -> None:
    def strength(n: int) -> float:
        context = build_context({"device_24h_max": 10_000}, device_velocity=Velocity(n, n))
        (hit,) = evaluate(context)
        return hit.strength

    assert strength(6) == pytest.approx(0.7)
    assert strength(8) == pytest.approx(1.0)
    assert strength(500) == 1.0


def test_tenant_threshold_setting() -> None:
    context = build_context({"device_1h_max": 3}, device_velocity=Velocity(h1=4, h24=4))
    assert codes_of(evaluate(context)) == {"VELOCITY_DEVICE_1H"}
    context = build_context({"device_1h_max": "3"}, device_velocity=Velocity(h1=4, h24=4))
    assert evaluate(context) is None  # a mistyped setting means the default


def _seen_by(ever: int, recent: int) -> DeviceHistory:
    return DeviceHistory(known=True, other_tenants=ever, other_tenants_30d=recent)


def test_app_stacking_across_clients() -> None:
    one = build_context(device_history=_seen_by(1, 1))
    assert evaluate(one) is None
    two = build_context(device_history=_seen_by(2, 2))
    (hit,) = evaluate(two)
    assert (hit.code, hit.flag, hit.strength) == ("CREDIT_APP_STACKING", "credit_app_stacking", 0.8)
    four = build_context(device_history=_seen_by(4, 4))
    assert evaluate(four)[0].strength == pytest.approx(1.0)
    strict = build_context({"stacking_min_clients": 3}, device_history=two.device_history)
    assert evaluate(strict) is None


def test_app_stacking_counts_only_the_last_30_days() -> None:
    old = build_context(device_history=_seen_by(5, 1))
    assert evaluate(old) is None
    assert extract(old)["device_other_clients"] == 5
    assert extract(old)["device_other_clients_30d"] == 1


@pytest.mark.parametrize(("fraud", "damage"), [(1, 0), (0, 1), (2, 3)])
def test_known_fraud_device(fraud: int, damage: int) -> None:
    history = DeviceHistory(
        known=True,
        fraud_reports=fraud,
        damage_reports=damage,
        good_reports=9,
        reports=ReportEvidence(own=fraud + damage),
    )
    hits = evaluate(build_context(device_history=history))
    assert [(h.code, h.flag, h.strength) for h in hits] == [
        ("KNOWN_FRAUD_DEVICE", "known_fraud_device", 1.0)
    ]


def test_another_clients_reports_alone_weigh_by_trust_and_set_no_flag() -> None:
    """Issue 15: one tenant's reports flagged the device for every other tenant."""
    one = ReportEvidence(reporters=1, weight=0.6, sources=1)
    history = DeviceHistory(known=True, fraud_reports=30, reports=one)
    (hit,) = evaluate(build_context(device_history=history))
    assert (hit.code, hit.flag, hit.strength) == ("KNOWN_FRAUD_DEVICE", None, 0.6)
    assert hit.detail == "reported by 1 other clients, 1 independent"  # never which


def test_corroborated_reports_set_the_flag() -> None:
    two = ReportEvidence(reporters=2, weight=1.0, sources=2)
    (hit,) = evaluate(build_context(device_history=DeviceHistory(known=True, reports=two)))
    assert (hit.code, hit.flag, hit.strength) == ("KNOWN_FRAUD_DEVICE", "known_fraud_device", 1.0)
    weak = ReportEvidence(reporters=3, weight=0.3, sources=1)  # three new tenants: one source
    (hit,) = evaluate(build_context(device_history=DeviceHistory(known=True, reports=weak)))
    assert (hit.flag, hit.strength) == (None, 0.3)


def test_totals_alone_fire_nothing() -> None:
    """Rules act on the weighed evidence, not on raw counts anyone could inflate."""
    history = DeviceHistory(known=True, fraud_reports=1000, damage_reports=5)
    assert evaluate(build_context(device_history=history, ip_fraud_reports=9)) is None


def test_good_history_without_bad_reports() -> None:
    history = DeviceHistory(known=True, good_reports=1)
    (hit,) = evaluate(build_context(device_history=history))
    assert (hit.code, hit.flag) == ("DEVICE_GOOD_HISTORY", None)
    assert hit.strength == pytest.approx(1 / 3)


def test_ip_fraud_history_has_no_flag() -> None:
    (hit,) = evaluate(build_context(ip_reports=ReportEvidence(own=1)))
    assert (hit.code, hit.flag, hit.strength) == ("IP_FRAUD_HISTORY", None, 0.5)
    assert evaluate(build_context(ip_reports=ReportEvidence(own=5)))[0].strength == 1.0
    (hit,) = evaluate(build_context(ip_reports=ReportEvidence(reporters=1, weight=0.1)))
    assert (hit.code, hit.strength) == ("IP_FRAUD_HISTORY", 0.1)


# History on a crowd link: identical phones share one profile at a confidence under 0.5
# (engine/devices); what it holds is a look-alike's, not this device's.
CROWD_HISTORY = DeviceHistory(
    known=True,
    first_seen=NOW - 40 * DAY,
    sessions=300,
    other_tenants=4,
    other_tenants_30d=4,
    user_agents=("ua1", "ua2"),
    fraud_reports=2,
    damage_reports=1,
    reports=ReportEvidence(own=3),
)


@pytest.mark.parametrize("confidence", [0.0, 0.2, 0.499])
def test_a_crowd_link_reads_no_fraud_report_or_other_clients(confidence: float) -> None:
    history = msgspec.structs.replace(CROWD_HISTORY, confidence=confidence)
    assert evaluate(build_context(device_history=history)) is None


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.99])
def test_a_confident_link_reads_its_own_history(confidence: float) -> None:
    history = msgspec.structs.replace(CROWD_HISTORY, confidence=confidence)
    hits = evaluate(build_context(device_history=history))
    assert [(h.code, h.flag) for h in hits] == [
        ("CREDIT_APP_STACKING", "credit_app_stacking"),
        ("KNOWN_FRAUD_DEVICE", "known_fraud_device"),
    ]


def test_a_crowd_link_reads_no_good_history() -> None:
    """Look-alikes' good reports vouch for no one: a fraudster on a popular phone gets no
    credit from them."""
    good = DeviceHistory(known=True, good_reports=3, confidence=0.3)
    assert evaluate(build_context(device_history=good)) is None
    own = msgspec.structs.replace(good, confidence=0.7)
    assert codes_of(evaluate(build_context(device_history=own))) == {"DEVICE_GOOD_HISTORY"}


def test_a_crowd_link_has_no_history_features_of_its_own() -> None:
    crowd = build_context(device_history=msgspec.structs.replace(CROWD_HISTORY, confidence=0.3))
    own = build_context(device_history=msgspec.structs.replace(CROWD_HISTORY, confidence=0.6))
    new = build_context()
    history = [
        "device_known",
        "device_age_days",
        "device_other_clients",
        "device_other_clients_30d",
        "device_sessions_total",
        "device_ua_count",
    ]
    assert {k: extract(crowd)[k] for k in history} == {k: extract(new)[k] for k in history}
    assert [extract(own)[k] for k in history] == [True, 40.0, 4, 4, 300, 2]


def test_a_crowd_link_still_counts_the_profiles_sessions() -> None:
    """Velocity is no history: a burst of one fingerprint in an hour is evidence whether it
    is one device or a farm of look-alikes."""
    history = msgspec.structs.replace(CROWD_HISTORY, confidence=0.2)
    context = build_context(device_velocity=Velocity(h1=9, h24=9), device_history=history)
    assert codes_of(evaluate(context)) == {"VELOCITY_DEVICE_1H"}
    assert extract(context)["device_sessions_1h"] == 9
