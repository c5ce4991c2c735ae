"""Where the device says it is, against where its network says it is.

Each rule runs only on what the tenant collects: the location rules only where the tenant
enabled `geolocation` (the firewall drops it otherwise, and stores it rounded to ~1 km);
the SIM rule on SDK payloads that report the SIM's country.

- `GEO_IP_COUNTRY` (location_mismatch): the location is far from the IP's country: more than
  `geo_ip_km` (300) from the nearest place of 15,000 people in that country. A commuter
  across a border is a few km away; a VPN or proxy exit is a country away.
- `SIM_IP_COUNTRY` (location_mismatch): the SIM's country is not the IP's. On a cellular
  connection roaming traffic usually leaves through the home network, so a foreign IP there
  is strong; on Wi-Fi a traveller abroad has one too, so it counts half.
- `TIMEZONE_GEO_MISMATCH` (timezone_mismatch): the device's UTC offset is not the offset of
  any time zone of the places around the location (150 km; at least the 3 nearest).

Places: GeoNames (plugins/data/places.tsv, source and date in its header).
"""

from __future__ import annotations

from datetime import datetime

from engine.features import CollectedSession, Context, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._places import collected_utc, distance_to_country, nearby, zone_named
from plugins._settings import clamp, number

FLAGS: tuple[str, ...] = ("location_mismatch", "timezone_mismatch")
CODES: tuple[str, ...] = ("GEO_IP_COUNTRY", "SIM_IP_COUNTRY", "TIMEZONE_GEO_MISMATCH")
FEATURES: dict[str, str] = {
    "geo_ip_country_km": "km from the device's location to the IP's country (nearest place "
    "of 15,000 people; None without a location)",
    "geo_country": "country of the place nearest the device's location",
    "sim_ip_country_match": "the SIM's country is the IP's (SDK; None when unknown)",
    "timezone_geo_consistent": "the device's UTC offset is one used around its location",
}

_GEO_IP_KM = 300.0
_TZ_RADIUS_KM = 150.0
_MAX_ACCURACY_M = 50_000.0  # a coarser fix says nothing about the country
_CELLULAR = ("cell", "2g", "3g", "4g", "5g", "lte", "mobile")


def _point(session: CollectedSession) -> tuple[float, float] | None:
    loc = session.attributes.location
    if loc.lat is None or loc.lon is None:
        return None
    if loc.accuracy_m is not None and loc.accuracy_m > _MAX_ACCURACY_M:
        return None
    return loc.lat, loc.lon


def _ip_country(session: CollectedSession) -> str | None:
    country = (session.ip_country or "").strip().upper()
    return country if len(country) == 2 and country.isalpha() else None


def geo_ip_km(session: CollectedSession) -> float | None:
    point, country = _point(session), _ip_country(session)
    if point is None or country is None:
        return None
    return distance_to_country(point[0], point[1], country)


def sim_matches(session: CollectedSession) -> bool | None:
    sim = (session.attributes.network.sim_country or "").strip().upper()
    country = _ip_country(session)
    if len(sim) != 2 or not sim.isalpha() or country is None:
        return None
    return sim == country


def _offset_at(name: str, when: datetime) -> int | None:
    zone = zone_named(name)
    delta = None if zone is None else zone.utcoffset(when)
    return None if delta is None else round(delta.total_seconds() / 60)


def timezone_consistent(session: CollectedSession) -> bool | None:
    """Whether the device's offset is one of the zones around it; None when unknown."""
    point = _point(session)
    software = session.attributes.software
    when = collected_utc(session)
    if point is None or when is None:
        return None
    offset = software.timezone_offset_min
    if offset is None and software.timezone:
        offset = _offset_at(software.timezone.strip(), when)
    if offset is None:
        return None
    zones = {zone for _, zone in nearby(point[0], point[1], _TZ_RADIUS_KM)}
    offsets = {o for zone in zones if (o := _offset_at(zone, when)) is not None}
    return None if not offsets else offset in offsets


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    km = geo_ip_km(session)
    point = _point(session)
    near = nearby(point[0], point[1], 0.0, at_least=1) if point is not None else ()
    return {
        "geo_ip_country_km": None if km is None else round(km, 1),
        "geo_country": near[0][0] if near else None,
        "sim_ip_country_match": sim_matches(session),
        "timezone_geo_consistent": timezone_consistent(session),
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, context: Context) -> list[RuleHit] | None:
    hits: list[RuleHit] = []
    km = geo_ip_km(session)
    limit = max(number(context, "geo_ip_km", _GEO_IP_KM), 1.0)
    if km is not None and km > limit:
        hits.append(
            RuleHit(
                code="GEO_IP_COUNTRY",
                flag="location_mismatch",
                strength=clamp(0.6 + 0.4 * (km - limit) / 1000),
                detail=f"location {km:.0f} km from the IP's country",
            )
        )
    if sim_matches(session) is False:
        kind = (session.attributes.network.connection_type or "").strip().lower()
        cellular = any(k in kind for k in _CELLULAR)
        hits.append(
            RuleHit(
                code="SIM_IP_COUNTRY",
                flag="location_mismatch",
                strength=1.0 if cellular else 0.5,
                detail="sim country is not the ip's" + (" on cellular" if cellular else ""),
            )
        )
    if timezone_consistent(session) is False:
        hits.append(
            RuleHit(
                code="TIMEZONE_GEO_MISMATCH",
                flag="timezone_mismatch",
                detail="utc offset not used around the location",
            )
        )
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
