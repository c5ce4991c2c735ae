"""Where a rounded location is: the towns around it, their countries and time zones.

`plugins/data/places.tsv` holds every GeoNames place of 15,000 people or more (34,006
places; source, date and licence in its header): latitude and longitude to 0.01 degree,
ISO country and IANA time zone. Loaded once, on first use (~0.1-0.2 s, ~1 MB), into numpy arrays
sorted by latitude, so a query looks only at a band of latitudes. Not a plugin.
"""

from __future__ import annotations

import functools
import math
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from engine.features import CollectedSession

PLACES = Path(__file__).resolve().parent / "data" / "places.tsv"
EARTH_KM = 6371.0
_KM_PER_DEGREE = 111.2


@dataclass(frozen=True)
class Places:
    lat: npt.NDArray[np.float64]  # degrees, ascending
    lon: npt.NDArray[np.float64]
    country: tuple[str, ...]
    zone: tuple[str, ...]
    by_country: dict[str, npt.NDArray[np.int64]]  # country -> row indexes
    date: str


@functools.cache
def places() -> Places:
    lat: list[float] = []
    lon: list[float] = []
    country: list[str] = []
    zone: list[str] = []
    date = ""
    with open(PLACES, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                if line.startswith("# date:"):
                    date = line.split(":", 1)[1].strip()
                continue
            a, b, cc, tz = line.rstrip("\n").split("\t")
            lat.append(float(a))
            lon.append(float(b))
            country.append(cc)
            zone.append(tz)
    rows: dict[str, list[int]] = {}
    for i, cc in enumerate(country):
        rows.setdefault(cc, []).append(i)
    return Places(
        lat=np.array(lat),
        lon=np.array(lon),
        country=tuple(country),
        zone=tuple(zone),
        by_country={cc: np.array(ix, dtype=np.int64) for cc, ix in rows.items()},
        date=date,
    )


def _km(
    lat: float, lon: float, lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Great-circle distances (haversine) from one point to many, in km."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: npt.NDArray[np.float64] = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


@functools.lru_cache(maxsize=4096)  # locations arrive rounded to ~1 km: they repeat
def distance_to_country(lat: float, lon: float, country: str) -> float | None:
    """km from the point to the nearest listed place of `country`; None for a country
    with no place of 15,000 people (or an unknown code)."""
    rows = places().by_country.get(country.upper())
    if rows is None:
        return None
    p = places()
    return float(_km(lat, lon, p.lat[rows], p.lon[rows]).min())


@functools.lru_cache(maxsize=4096)
def nearby(
    lat: float, lon: float, radius_km: float, at_least: int = 3
) -> tuple[tuple[str, str], ...]:
    """(country, zone) of the places within `radius_km`, nearest first; at least the
    `at_least` nearest wherever they are (a desert, an ocean, the poles)."""
    p = places()
    span = max(radius_km / _KM_PER_DEGREE, 0.5)
    for _ in range(6):
        lo, hi = np.searchsorted(p.lat, [lat - span, lat + span])
        if hi - lo >= at_least or span > 180:
            break
        span *= 4
    idx = np.arange(lo, hi)
    if idx.size == 0:
        return ()
    dist = _km(lat, lon, p.lat[idx], p.lon[idx])
    order = np.argsort(dist)
    keep = [int(i) for k, i in enumerate(order) if k < at_least or dist[i] <= radius_km]
    return tuple((p.country[int(idx[i])], p.zone[int(idx[i])]) for i in keep)


@functools.lru_cache(maxsize=1024)
def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA time zone of that name; None for a name no zone has."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, UnicodeError):
        return None


def collected_utc(session: CollectedSession) -> datetime | None:
    """When the session was collected, in UTC; None for a time out of datetime's range."""
    try:
        return datetime.fromtimestamp(session.collected_at, UTC)
    except (OverflowError, OSError, ValueError):
        return None
