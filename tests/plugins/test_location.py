"""plugins/location.py and plugins/_places.py: location, SIM and time zone vs the network."""

from __future__ import annotations

import pytest

from plugins import location
from plugins._places import distance_to_country, nearby, places
from tests.plugins.support import build_context, build_session, codes_of

evaluate = location.anonscore_evaluate_rule
extract = location.anonscore_extract_features
CTX = build_context()
BERLIN = {"lat": 52.52, "lon": 13.41}


def test_the_places_file_is_dated_and_whole() -> None:
    p = places()
    assert p.date == "2026-07"
    assert len(p.country) > 30_000
    assert list(p.lat) == sorted(p.lat)


@pytest.mark.parametrize(
    ("point", "country", "near", "far"),
    [
        ((52.52, 13.41), "DE", 0, 5),  # Berlin
        ((48.58, 7.75), "DE", 0, 15),  # Strasbourg, FR: Kehl is across the Rhine
        ((40.71, -74.0), "DE", 5_000, 7_000),  # New York
        ((-33.87, 151.21), "AU", 0, 5),  # Sydney
    ],
)
def test_distance_to_a_country(point: tuple[float, float], country: str, near: int, far: int):
    km = distance_to_country(*point, country)
    assert km is not None
    assert near <= km <= far


def test_unknown_country_has_no_distance() -> None:
    assert distance_to_country(0.0, 0.0, "ZZ") is None


def test_nearby_has_at_least_three_places_even_at_sea() -> None:
    assert len(nearby(0.0, -140.0, 150)) >= 3  # the middle of the Pacific
    assert nearby(52.52, 13.41, 30)[0] == ("DE", "Europe/Berlin")


def test_location_rules_are_quiet_without_a_location() -> None:
    session = build_session({"network": {"sim_country": "us"}}, channel="android", ip_country="US")
    assert evaluate(session, CTX) is None
    assert extract(session)["geo_ip_country_km"] is None


def test_far_from_the_ip_country() -> None:
    session = build_session({"location": BERLIN}, channel="android", ip_country="US")
    (hit,) = [h for h in evaluate(session, CTX) if h.code == "GEO_IP_COUNTRY"]
    assert hit.flag == "location_mismatch"
    assert hit.strength == 1.0
    assert extract(session)["geo_country"] == "DE"
    near = build_session({"location": BERLIN}, channel="android", ip_country="DE")
    assert evaluate(near, CTX) is None


def test_the_distance_is_a_setting_and_coarse_fixes_do_not_count() -> None:
    session = build_session({"location": BERLIN}, channel="android", ip_country="PL")
    assert evaluate(session, CTX) is None  # Poland's nearest town is well within 300 km
    strict = build_context({"geo_ip_km": 10})
    assert "GEO_IP_COUNTRY" in codes_of(evaluate(session, strict))
    coarse = build_session(
        {"location": {**BERLIN, "accuracy_m": 200_000}}, channel="android", ip_country="US"
    )
    assert evaluate(coarse, CTX) is None


@pytest.mark.parametrize(("kind", "strength"), [("cellular", 1.0), ("wifi", 0.5)])
def test_sim_country(kind: str, strength: float) -> None:
    attrs = {"network": {"sim_country": "de", "connection_type": kind}}
    (hit,) = evaluate(build_session(attrs, channel="android", ip_country="US"), CTX)
    assert (hit.code, hit.strength) == ("SIM_IP_COUNTRY", strength)
    assert evaluate(build_session(attrs, channel="android", ip_country="DE"), CTX) is None


def test_time_zone_against_the_location() -> None:
    east = {"location": BERLIN, "software": {"timezone_offset_min": -300}}
    (hit,) = evaluate(build_session(east, channel="android", ip_country="DE"), CTX)
    assert (hit.code, hit.flag) == ("TIMEZONE_GEO_MISMATCH", "timezone_mismatch")
    # a zone of the same offset next door (Amsterdam time in Berlin) is no mismatch
    named = {"location": BERLIN, "software": {"timezone": "Europe/Amsterdam"}}
    assert evaluate(build_session(named, channel="android", ip_country="DE"), CTX) is None
