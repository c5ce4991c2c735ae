"""A tiny IP dataset in documentation ranges (RFC 5737, RFC 3849) with known answers, as npm
package directories, list files and an in-memory table."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

from engine.ipdata import IpData, parse_list
from engine.ipdata._lists import LIST_NAMES, render_list
from engine.ipdata._table import compile_table

VERSION = "2.3.2026010212"  # 2026-01-02 12:00 UTC

ASN_V4 = [
    ("192.0.2.0", "192.0.2.255", 64503, "Example Relay CDN"),
    ("198.51.100.0", "198.51.100.255", 64500, "Example Cloud Networks"),
    ("203.0.113.0", "203.0.113.127", 64501, "Example VPN AB"),
    ("203.0.113.128", "203.0.113.255", 64502, "Example Telecom"),
]
ASN_V6 = [("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 64502, "Example Telecom")]
COUNTRY_V4 = [
    ("192.0.2.0", "192.0.2.255", "GB"),
    ("198.51.100.0", "198.51.100.255", "NL"),
    ("203.0.113.0", "203.0.113.255", "SE"),
    ("203.0.113.16", "203.0.113.23", "DE"),  # nested: the narrower range wins
]
COUNTRY_V6 = [
    ("2001:db8::", "2001:db8:0:ffff:ffff:ffff:ffff:ffff", "FR"),
    ("2001:db8::8", "2001:db8::8", "BE"),  # one address inside a /64
]
HEADER = [("source", "tests/ipdata/support.py"), ("date", "2026-01-03"), ("licence", "CC0-1.0")]
LISTS = {
    "hosting_asns": [("64500", "Example Cloud, NL"), ("64503", "Example CDN")],
    "vpn_asns": [("64501", "Example VPN")],
    "cloud_ranges": [("198.51.100.0/25", "Example Cloud")],
    "vpn_ranges": [("203.0.113.200/32", "Example Privacy VPN")],
    "relay_ranges": [("192.0.2.0/26", "Example Relay")],
    "tor_exits": [("203.0.113.5/32", ""), ("2001:db8::1/128", "")],
}


def _num(ip: str) -> int:
    return int(ipaddress.ip_address(ip))


def list_text(name: str, header: list[tuple[str, str]] | None = None) -> str:
    return render_list(name, HEADER if header is None else header, LISTS[name])


def write_packages(directory: Path, version: str = VERSION) -> Path:
    """The two npm packages, unpacked (package.json + the -num CSVs), under `directory`."""
    files = {
        "asn": (
            "@ip-location-db/asn",
            {"asn-ipv4-num.csv": ASN_V4, "asn-ipv6-num.csv": ASN_V6},
        ),
        "country": (
            "@ip-location-db/geo-whois-asn-country",
            {
                "geo-whois-asn-country-ipv4-num.csv": COUNTRY_V4,
                "geo-whois-asn-country-ipv6-num.csv": COUNTRY_V6,
            },
        ),
    }
    for key, (name, csvs) in files.items():
        package = directory / key / "package"
        package.mkdir(parents=True)
        (package / "package.json").write_text(json.dumps({"name": name, "version": version}))
        for file, rows in csvs.items():
            lines = [f"{_num(a)},{_num(b)}," + ",".join(map(str, rest)) for a, b, *rest in rows]
            (package / file).write_text("\n".join(f"{line}" for line in lines) + "\n")
    return directory


def write_lists(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in LIST_NAMES:
        (directory / f"{name}.txt").write_text(list_text(name))
    return directory


def tiny_data() -> IpData:
    """The dataset compiled in memory (no build directory, so no date)."""
    names: dict[int, str] = {}
    asn: dict[int, list[tuple[int, int, int]]] = {}
    for version, rows in ((4, ASN_V4), (6, ASN_V6)):
        asn[version] = [(_num(a), _num(b), n) for a, b, n, _ in rows]
        names.update({n: label for _, _, n, label in rows})
    country = {
        4: [(_num(a), _num(b), c) for a, b, c in COUNTRY_V4],
        6: [(_num(a), _num(b), c) for a, b, c in COUNTRY_V6],
    }
    lists = {name: parse_list(name, list_text(name)) for name in LIST_NAMES}
    return IpData(compile_table(asn, names, country, lists), None, None, "tiny test data")
