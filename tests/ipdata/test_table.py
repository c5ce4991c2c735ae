"""engine/ipdata/_table.py: painting ranges into one table, and looking addresses up."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import numpy as np
import pytest

from engine.ipdata import RELAY, TOR_EXIT, Table
from engine.ipdata._table import compile_table
from tests.ipdata.support import tiny_data


@pytest.fixture(scope="module")
def table() -> Table:
    return tiny_data().table


def facts(table: Table, ip: str) -> tuple[int, str, str, str, int]:
    """asn, hosting, vpn, country, flags of `ip`, with names instead of indexes."""
    asn, hosting, vpn, country, flags = table.row(ipaddress.ip_address(ip).packed)
    return asn, table.providers[hosting], table.providers[vpn], table.countries[country], flags


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("0.0.0.0", (0, "", "", "", 0)),  # below every range
        ("198.51.99.255", (0, "", "", "", 0)),  # one before a range
        ("198.51.100.0", (64500, "Example Cloud", "", "NL", 0)),  # first of a range
        ("198.51.100.127", (64500, "Example Cloud", "", "NL", 0)),  # last of the cloud /25
        ("198.51.100.128", (64500, "Example Cloud Networks", "", "NL", 0)),  # hosting by ASN
        ("198.51.100.255", (64500, "Example Cloud Networks", "", "NL", 0)),  # last of a range
        ("198.51.101.0", (0, "", "", "", 0)),  # one after
        ("203.0.113.15", (64501, "", "Example VPN", "SE", 0)),  # VPN by ASN
        ("203.0.113.16", (64501, "", "Example VPN", "DE", 0)),  # nested country: narrower wins
        ("203.0.113.23", (64501, "", "Example VPN", "DE", 0)),
        ("203.0.113.24", (64501, "", "Example VPN", "SE", 0)),  # back to the wider range
        ("203.0.113.5", (64501, "", "Example VPN", "SE", TOR_EXIT)),  # exact Tor exit
        ("203.0.113.4", (64501, "", "Example VPN", "SE", 0)),
        ("203.0.113.200", (64502, "", "Example Privacy VPN", "SE", 0)),  # VPN range in a telco
        ("203.0.113.201", (64502, "", "", "SE", 0)),
        ("192.0.2.1", (64503, "", "", "GB", RELAY)),  # relay egress clears hosting
        ("192.0.2.64", (64503, "Example Relay CDN", "", "GB", 0)),
        ("255.255.255.255", (0, "", "", "", 0)),  # the last address
    ],
)
def test_ipv4_lookups(table: Table, ip: str, expected: tuple[int, str, str, str, int]) -> None:
    assert facts(table, ip) == expected


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("::", (0, "", "", "", 0)),
        ("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", (0, "", "", "", 0)),
        ("2001:db8::", (64502, "", "", "FR", 0)),
        ("2001:db8::1", (64502, "", "", "FR", TOR_EXIT)),  # a /128 exit
        ("2001:db8::2", (64502, "", "", "FR", 0)),
        ("2001:db8::8", (64502, "", "", "BE", 0)),  # a single address inside a /64
        ("2001:db8::9", (64502, "", "", "FR", 0)),
        ("2001:db8:1::", (64502, "", "", "", 0)),  # past the country range, inside the AS
        ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", (64502, "", "", "", 0)),
        ("2001:db9::", (0, "", "", "", 0)),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", (0, "", "", "", 0)),
    ],
)
def test_ipv6_lookups(table: Table, ip: str, expected: tuple[int, str, str, str, int]) -> None:
    assert facts(table, ip) == expected


def test_trailing_zero_bytes_sort_like_addresses(table: Table) -> None:
    # numpy 'S' strings drop trailing NULs; the order must still be the addresses' order
    starts = table.families[4][0]
    as_ints = [int.from_bytes(s.ljust(4, b"\0"), "big") for s in starts.tolist()]
    assert as_ints == sorted(as_ints)
    assert as_ints[0] == 0
    assert len(set(as_ints)) == len(as_ints)


def test_neighbouring_equal_segments_are_merged(table: Table) -> None:
    rows = table.families[4][1]
    assert bool((rows[1:] != rows[:-1]).all())


def test_asn_names(table: Table) -> None:
    assert table.asn_name(64500) == "Example Cloud Networks"
    assert table.asn_name(64502) == "Example Telecom"
    assert table.asn_name(64499) is None
    assert table.asn_name(0) is None
    assert table.asn_name(4_000_000_000) is None


def test_save_and_load_give_the_same_answers(table: Table, tmp_path: Path) -> None:
    table.save(tmp_path)
    again = Table.load(tmp_path)
    for ip in ("198.51.100.7", "203.0.113.5", "2001:db8::8", "192.0.2.1", "8.8.8.8"):
        packed = ipaddress.ip_address(ip).packed
        assert again.row(packed) == table.row(packed)
    assert again.asn_name(64501) == "Example VPN AB"
    assert again.nbytes == table.nbytes


def test_an_overlapping_range_does_not_leak_past_its_end() -> None:
    # the asn CSV of 2026-06 holds 214.95.0.0-215.0.255.255 AS749 and 215.0.0.0-215.1.3.255
    # AS721: the narrower wins where they overlap, each keeps the rest
    n = lambda ip: int(ipaddress.ip_address(ip))  # noqa: E731
    spans = [(n("214.95.0.0"), n("215.0.255.255"), 749), (n("215.0.0.0"), n("215.1.3.255"), 721)]
    table = compile_table({4: spans}, {749: "A", 721: "B"}, {}, {})
    got = [
        table.row(ipaddress.ip_address(ip).packed)[0]
        for ip in ("214.95.0.0", "214.255.255.255", "215.0.0.0", "215.1.3.255", "215.1.4.0")
    ]
    assert got == [749, 749, 721, 721, 0]


def test_rows_are_compact() -> None:
    assert (
        np.dtype(
            [("asn", "<u4"), ("hosting", "<u2"), ("vpn", "<u2"), ("country", "u1"), ("flags", "u1")]
        ).itemsize
        == 10
    )
