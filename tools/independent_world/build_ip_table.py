"""Rebuild data/ip_ranges.tsv: real public address ranges of named networks, per country.

Why: the world's visits must come from addresses whose country and network (AS number) a
real IP database would report as intended: a British household on a BT or Sky range, a
Polish phone on T-Mobile Polska's, a device farm on Hetzner's or Amazon's. The generator
itself reads only the small committed table; this script is how that table was made, from
the npm packages `@ip-location-db/asn` (AS numbers and names; RouteViews and DB-IP data,
CC BY 4.0) and `@ip-location-db/geo-whois-asn-country` (registry country per range, CC0),
both version 2.3.2026061719. Which networks to take is this package's own judgement
(`NETWORKS` below: the large fixed-line and mobile operators of each country, the relays
of Apple's iCloud Private Relay, common hosting providers).

    python -m tools.independent_world.build_ip_table [--from DIR]

DIR holds the two packages' tarballs (`npm pack @ip-location-db/asn@2.3.2026061719 ...`);
without it the script runs `npm pack` into a temporary directory.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import ipaddress
import subprocess
import tarfile
import tempfile
from pathlib import Path

VERSION = "2.3.2026061719"
PACKAGES = ("@ip-location-db/asn", "@ip-location-db/geo-whois-asn-country")
OUT = Path(__file__).resolve().parent / "data" / "ip_ranges.tsv"

# (country, AS number, kind); kind: residential (fixed line, also offices), mobile, relay,
# hosting. Country "*" keeps the network's ranges in any of the world's COUNTRIES.
COUNTRIES = ("GB", "DE", "FR", "ES", "IT", "NL", "PL", "PT", "GR", "US")
NETWORKS: tuple[tuple[str, int, str], ...] = (
    ("GB", 2856, "residential"),
    ("GB", 5607, "residential"),
    ("GB", 5089, "residential"),
    ("GB", 13285, "residential"),
    ("GB", 206067, "mobile"),
    ("GB", 35228, "mobile"),
    ("GB", 25135, "mobile"),
    ("DE", 3320, "residential"),
    ("DE", 3209, "residential"),
    ("DE", 8881, "residential"),
    ("DE", 6805, "mobile"),
    ("DE", 3320, "mobile"),
    ("FR", 3215, "residential"),
    ("FR", 12322, "residential"),
    ("FR", 15557, "residential"),
    ("FR", 5410, "mobile"),
    ("FR", 3215, "mobile"),
    ("ES", 3352, "residential"),
    ("ES", 12479, "residential"),
    ("ES", 12430, "mobile"),
    ("IT", 3269, "residential"),
    ("IT", 12874, "residential"),
    ("IT", 30722, "mobile"),
    ("IT", 1267, "mobile"),
    ("NL", 1136, "residential"),
    ("NL", 33915, "residential"),
    ("NL", 50266, "mobile"),
    ("PL", 5617, "residential"),
    ("PL", 12912, "mobile"),
    ("PL", 8374, "mobile"),
    ("PT", 3243, "residential"),
    ("PT", 2860, "residential"),
    ("PT", 12353, "mobile"),
    ("GR", 6799, "residential"),
    ("GR", 3329, "mobile"),
    ("GR", 29247, "mobile"),
    ("US", 7922, "residential"),
    ("US", 20115, "residential"),
    ("US", 7018, "residential"),
    ("US", 21928, "mobile"),
    ("US", 22394, "mobile"),
    ("*", 36183, "relay"),
    ("*", 13335, "relay"),
    ("*", 54113, "relay"),
    ("*", 16509, "hosting"),
    ("*", 14061, "hosting"),
    ("*", 24940, "hosting"),
    ("*", 16276, "hosting"),
    ("*", 51167, "hosting"),
)
PER_NETWORK_V4 = 12  # largest ranges kept per (country, AS, kind)
PER_NETWORK_V6 = 3


def _pack(dest: Path) -> None:
    for name in PACKAGES:
        subprocess.run(
            ["npm", "pack", "--silent", f"{name}@{VERSION}"],
            cwd=dest,
            check=True,
            capture_output=True,
        )


def _rows(tarballs: Path, stem: str, family: str) -> list[list[str]]:
    for tgz in sorted(tarballs.glob("*.tgz")):
        with tarfile.open(tgz) as tar:
            for member in tar.getmembers():
                if member.name == f"package/{stem}-{family}.csv":
                    data = tar.extractfile(member)
                    assert data is not None
                    return list(csv.reader(data.read().decode().splitlines()))
    raise SystemExit(f"no {stem}-{family}.csv in {tarballs}: give the npm tarballs with --from")


def _select(tarballs: Path, family: str, keep: int) -> list[tuple[str, int, str, str, str, str]]:
    geo = _rows(tarballs, "geo-whois-asn-country", family)
    starts = [int(ipaddress.ip_address(r[0])) for r in geo]
    wanted = {(asn, kind): country for country, asn, kind in NETWORKS}
    found: dict[tuple[str, int, str], list[tuple[int, str, str, str]]] = {}
    smallest = 255 if family == "ipv4" else 2**64 - 1
    for first, last, asn_text, name in _rows(tarballs, "asn", family):
        asn = int(asn_text)
        if not any(w_asn == asn for w_asn, _ in wanted):
            continue
        lo, hi = int(ipaddress.ip_address(first)), int(ipaddress.ip_address(last))
        # the parts of the AS's range that one registry country covers whole
        for a, b, country in _pieces(geo, starts, lo, hi):
            if b - a < smallest:
                continue
            for (w_asn, kind), w_country in wanted.items():
                if w_asn == asn and country in COUNTRIES and w_country in (country, "*"):
                    found.setdefault((country, asn, kind), []).append(
                        (b - a, str(ipaddress.ip_address(a)), str(ipaddress.ip_address(b)), name)
                    )
    out = []
    for (country, asn, kind), ranges in sorted(found.items()):
        for _, first, last, name in sorted(ranges, reverse=True)[:keep]:
            out.append((country, asn, kind, name, first, last))
    return out


def _pieces(
    geo: list[list[str]], starts: list[int], lo: int, hi: int
) -> list[tuple[int, int, str]]:
    """[lo, hi] cut where the registry country changes: (first, last, country) pieces."""
    out = []
    at = max(0, bisect.bisect_right(starts, lo) - 1)
    while at < len(geo) and starts[at] <= hi:
        g_lo, g_hi = starts[at], int(ipaddress.ip_address(geo[at][1]))
        if g_hi >= lo:
            out.append((max(lo, g_lo), min(hi, g_hi), geo[at][2]))
        at += 1
    return out


def build(tarballs: Path, out: Path = OUT) -> int:
    rows = _select(tarballs, "ipv4", PER_NETWORK_V4) + _select(tarballs, "ipv6", PER_NETWORK_V6)
    lines = [
        f"# source: npm @ip-location-db/asn and @ip-location-db/geo-whois-asn-country {VERSION}",
        "# licence: AS data CC BY 4.0 (RouteViews, DB-IP: https://db-ip.com), country CC0 1.0",
        "# made by: python -m tools.independent_world.build_ip_table",
        "country\tasn\tkind\tname\tfirst\tlast",
    ]
    lines += ["\t".join(str(x) for x in row) for row in rows]
    out.write_text("\n".join(lines) + "\n")
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="src", type=Path, help="folder with the two tarballs")
    args = parser.parse_args(argv)
    if args.src is not None:
        print(build(args.src), "ranges")
        return
    with tempfile.TemporaryDirectory() as tmp:
        _pack(Path(tmp))
        print(build(Path(tmp)), "ranges")


if __name__ == "__main__":
    main()
