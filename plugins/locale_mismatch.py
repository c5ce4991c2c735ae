"""Locale consistency: the time zone and languages a device reports against each other
and against the network it comes from.

- `TIMEZONE_MISMATCH`: the UTC offset the page measured is not the offset of the IANA zone
  it reports (a spoofed zone name; one hour of slack where the zone has daylight saving).
- `TIMEZONE_COUNTRY_MISMATCH`: the reported zone is not used in the IP's country (tzdata's
  zone.tab/zone1970.tab; skipped when those tables are not installed).
- `LANGUAGE_MISMATCH`: the Accept-Language header and navigator.languages share no primary
  language (one of them was rewritten).

The zone tables are read once, on first use, from the system tz database or the `tzdata`
package.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import zoneinfo
from datetime import UTC, datetime, timedelta

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._places import collected_utc, zone_named

FLAGS: tuple[str, ...] = ("timezone_mismatch", "language_mismatch")
CODES: tuple[str, ...] = ("TIMEZONE_MISMATCH", "TIMEZONE_COUNTRY_MISMATCH", "LANGUAGE_MISMATCH")
FEATURES: dict[str, str] = {
    "timezone_offset_consistent": "the measured UTC offset matches the reported time zone",
    "timezone_country_consistent": "the reported time zone is used in the IP's country",
    "languages_consistent": "Accept-Language and navigator.languages share a language",
}

# ICU (and so Chrome) still reports some pre-2000s names that are tzdata "backward" links.
_LEGACY_ZONES: dict[str, frozenset[str]] = {
    "asia/calcutta": frozenset({"IN"}),
    "asia/saigon": frozenset({"VN"}),
    "asia/katmandu": frozenset({"NP"}),
    "asia/rangoon": frozenset({"MM"}),
    "europe/kiev": frozenset({"UA"}),
    "atlantic/faeroe": frozenset({"FO"}),
    "america/godthab": frozenset({"GL"}),
    "america/buenos_aires": frozenset({"AR"}),
    "asia/ulan_bator": frozenset({"MN"}),
    "asia/dacca": frozenset({"BD"}),
}
_TABLES = ("zone.tab", "zone1970.tab")


@functools.cache
def zone_countries() -> dict[str, frozenset[str]]:
    """{lowercased IANA zone: ISO countries using it}, empty when no table is installed."""
    merged: dict[str, set[str]] = {}
    for text in _table_texts():
        for line in text.splitlines():
            parts = line.split("\t")
            if line.startswith("#") or len(parts) < 3:
                continue
            for country in parts[0].split(","):
                merged.setdefault(parts[2].strip().lower(), set()).add(country.strip().upper())
    if merged:
        for zone, countries in _LEGACY_ZONES.items():
            merged.setdefault(zone, set()).update(countries)
    return {zone: frozenset(countries) for zone, countries in merged.items()}


@functools.cache
def known_countries() -> frozenset[str]:
    """Every country the zone tables name."""
    return frozenset().union(*zone_countries().values())


def _table_texts() -> list[str]:
    texts: list[str] = []
    for directory in zoneinfo.TZPATH:
        for name in _TABLES:
            try:
                with open(os.path.join(directory, name), encoding="utf-8") as f:
                    texts.append(f.read())
            except OSError:
                continue
        if texts:
            return texts
    try:
        package = importlib.resources.files("tzdata").joinpath("zoneinfo")
        for name in _TABLES:
            texts.append(package.joinpath(name).read_text(encoding="utf-8"))
    except (ModuleNotFoundError, OSError):
        pass
    return texts


def offset_consistent(session: CollectedSession) -> bool | None:
    """Whether the measured offset fits the zone at collection time; None when unknown."""
    software = session.attributes.software
    name, measured = (software.timezone or "").strip(), software.timezone_offset_min
    if not name or measured is None:
        return None
    zone, when = zone_named(name), collected_utc(session)
    if zone is None or when is None:
        return None
    expected = _minutes(zone.utcoffset(when))
    if measured == expected:
        return True
    # Daylight saving: the zone's other offset this year (stale tzdata, a clock off by a day).
    year = when.year
    seasonal = {_minutes(zone.utcoffset(datetime(year, month, 1, tzinfo=UTC))) for month in (1, 7)}
    return len(seasonal) > 1 and measured in seasonal and abs(measured - expected) <= 60


def country_consistent(session: CollectedSession) -> bool | None:
    """Whether the reported zone is one the IP's country uses; None when unknown."""
    country = (session.ip_country or "").strip().upper()
    name = (session.attributes.software.timezone or "").strip().lower()
    if len(country) != 2 or not name:
        return None
    countries = zone_countries().get(name)
    if countries is None or country not in known_countries():
        return None  # an alias we do not know, UTC, or a code like "EU" / "--"
    return country in countries


def languages_consistent(session: CollectedSession) -> bool | None:
    """Whether the header and the browser share a primary language; None when unknown."""
    header = {_primary(tag) for tag in session.header_languages} - {""}
    browser = {_primary(tag) for tag in session.attributes.software.languages or ()} - {""}
    if not header or not browser:
        return None
    return not header.isdisjoint(browser)


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    return {
        "timezone_offset_consistent": offset_consistent(session),
        "timezone_country_consistent": country_consistent(session),
        "languages_consistent": languages_consistent(session),
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    hits: list[RuleHit] = []
    if offset_consistent(session) is False:
        hits.append(
            RuleHit(
                code="TIMEZONE_MISMATCH",
                flag="timezone_mismatch",
                detail="offset does not match the time zone",
            )
        )
    if country_consistent(session) is False:
        hits.append(
            RuleHit(
                code="TIMEZONE_COUNTRY_MISMATCH",
                flag="timezone_mismatch",
                strength=0.7,
                detail="time zone not used in the IP's country",
            )
        )
    if languages_consistent(session) is False:
        hits.append(
            RuleHit(
                code="LANGUAGE_MISMATCH",
                flag="language_mismatch",
                strength=0.8,
                detail="Accept-Language and navigator.languages disjoint",
            )
        )
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)


def _minutes(delta: timedelta | None) -> int:
    return round(delta.total_seconds() / 60) if delta is not None else 0


def _primary(tag: str) -> str:
    primary = tag.split(";", 1)[0].strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else ""
