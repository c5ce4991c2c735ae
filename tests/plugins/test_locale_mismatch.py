from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plugins import locale_mismatch
from tests.plugins.support import build_session, codes_of

extract = locale_mismatch.anonscore_extract_features
evaluate = locale_mismatch.anonscore_evaluate_rule
JULY = datetime(2026, 7, 15, 12, tzinfo=UTC).timestamp()

needs_zone_tables = pytest.mark.skipif(
    not locale_mismatch.zone_countries(), reason="no zone.tab installed (tzdata)"
)


def zone(name: str | None, offset: int | None, **kw: object):
    return build_session({"software": {"timezone": name, "timezone_offset_min": offset}}, **kw)


def test_no_hit_on_real_devices(real_profile) -> None:
    assert evaluate(real_profile) is None
    features = extract(real_profile)
    assert features["timezone_offset_consistent"] is True
    assert features["languages_consistent"] is True


@pytest.mark.parametrize(
    ("name", "offset", "when"),
    [
        ("America/New_York", -300, None),  # EST in November
        ("America/New_York", -240, None),  # EDT: a stale clock or tzdata, DST slack
        ("Europe/Berlin", 120, JULY),
        ("Europe/Berlin", 60, JULY),
        ("Asia/Kolkata", 330, None),
        ("Asia/Calcutta", 330, None),  # ICU's legacy name
        ("Australia/Sydney", 660, None),  # southern summer
        ("Asia/Kathmandu", 345, None),
        ("UTC", 0, None),
        ("Etc/GMT+5", -300, None),
    ],
)
def test_offsets_that_fit_the_zone(name: str, offset: int, when: float | None) -> None:
    session = zone(name, offset, **({"collected_at": when} if when else {}))
    assert extract(session)["timezone_offset_consistent"] is True
    assert evaluate(session) is None


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("America/New_York", 60),  # a European machine claiming New York
        ("America/New_York", 300),  # JavaScript's sign (minutes west) is not accepted
        ("Europe/Berlin", -300),
        ("Asia/Tokyo", 600),  # no DST in Tokyo: no slack
        ("Asia/Kolkata", 300),
        ("UTC", 120),
    ],
)
def test_offsets_that_do_not_fit(name: str, offset: int) -> None:
    hits = evaluate(zone(name, offset))
    assert [(h.code, h.flag, h.strength) for h in hits] == [
        ("TIMEZONE_MISMATCH", "timezone_mismatch", 1.0)
    ]


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        (None, 60),
        ("Europe/Berlin", None),
        ("Mars/Olympus_Mons", 60),
        ("../../etc/passwd", 0),
        ("America", 0),
        ("", 0),
        ("Europe/Berlin\x00", 60),
        ("zone.tab", 0),
    ],
)
def test_unknown_or_odd_zones_are_no_evidence(name: str | None, offset: int | None) -> None:
    assert extract(zone(name, offset))["timezone_offset_consistent"] is None
    assert evaluate(zone(name, offset)) is None


@needs_zone_tables
@pytest.mark.parametrize(
    ("name", "country", "consistent"),
    [
        ("Europe/Berlin", "DE", True),
        ("Europe/Berlin", "DK", True),  # zone1970.tab: Berlin's rules cover DK, NO, SE
        ("Europe/Copenhagen", "DK", True),
        ("Asia/Calcutta", "IN", True),
        ("America/Toronto", "CA", True),
        ("Europe/Berlin", "US", False),
        ("America/New_York", "RU", False),
        ("Asia/Shanghai", "NG", False),
        ("UTC", "US", None),
        ("Europe/Berlin", "EU", None),
        ("Europe/Berlin", "--", None),
        ("Europe/Berlin", None, None),
        ("Not/AZone", "DE", None),
    ],
)
def test_zone_against_ip_country(name: str, country: str | None, consistent: bool | None) -> None:
    session = build_session({"software": {"timezone": name}}, ip_country=country)
    assert extract(session)["timezone_country_consistent"] is consistent
    if consistent is False:
        hits = evaluate(session)
        assert [(h.code, h.flag, h.strength) for h in hits] == [
            ("TIMEZONE_COUNTRY_MISMATCH", "timezone_mismatch", 0.7)
        ]
    else:
        assert evaluate(session) is None


@pytest.mark.parametrize(
    ("header", "languages", "consistent"),
    [
        (("en",), ["en-US", "en"], True),
        (("de", "en"), ["en-GB"], True),  # Chrome reduces Accept-Language to fewer tags
        (("fr",), ["fr_FR"], True),
        (("EN",), ["en-us"], True),
        (("ru",), ["en-US", "en"], False),
        (("zh", "ru"), ["pt-BR"], False),
        ((), ["en-US"], None),  # SDK requests may carry no Accept-Language
        (("en",), [], None),
        (("en",), None, None),
        (("*",), ["en-US"], None),
        (("en;q=0.9",), ["en"], True),
    ],
)
def test_header_against_browser_languages(
    header: tuple[str, ...], languages: list[str] | None, consistent: bool | None
) -> None:
    session = build_session({"software": {"languages": languages}}, header_languages=header)
    assert extract(session)["languages_consistent"] is consistent
    expected = {"LANGUAGE_MISMATCH"} if consistent is False else set()
    assert codes_of(evaluate(session)) == expected
