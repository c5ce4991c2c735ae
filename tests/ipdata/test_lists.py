"""engine/ipdata/_lists.py, and the committed lists under engine/data/."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

import pytest

from engine.ipdata import LIST_NAMES, IpDataError, parse_list
from engine.ipdata._lists import KINDS, collapse, render_list, shipped_list
from engine.ipdata._npm import load_pins


def test_render_and_parse_round_trip() -> None:
    text = render_list(
        "vpn_ranges",
        [("source", "a"), ("source", "b"), ("date", "2026-08-22"), ("licence", "MIT")],
        [("198.51.100.0/24", "Example VPN"), ("2001:db8::/32", "Other")],
    )
    lf = parse_list("vpn_ranges", text)
    assert lf.header["source"] == ["a", "b"]
    assert lf.date == dt.date(2026, 8, 22)
    assert lf.first("licence") == "MIT"
    assert lf.entries == (("198.51.100.0/24", "Example VPN"), ("2001:db8::/32", "Other"))
    assert lf.text == text
    assert [str(n) for n, _ in lf.networks()] == ["198.51.100.0/24", "2001:db8::/32"]


def test_comments_after_the_first_entry_are_not_header() -> None:
    lf = parse_list("vpn_asns", "# list: vpn_asns\n# date: bad\n64500 X\n# date: 2026-01-01\n")
    assert lf.date is None
    assert lf.asns() == {64500: "X"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("tor", "", "unknown list 'tor'; known: " + ", ".join(LIST_NAMES)),
        (
            "vpn_asns",
            "# list: hosting_asns\n",
            "vpn_asns.txt: its header says 'list: hosting_asns'",
        ),
        ("vpn_asns", "AS9009 M247\n", "vpn_asns.txt: line 1: expected an AS number first"),
        ("vpn_asns", "0 zero\n", "vpn_asns.txt: line 1: expected an AS number first"),
        ("vpn_asns", "4294967296 big\n", "vpn_asns.txt: line 1: expected an AS number first"),
        ("tor_exits", "\n\n1.2.3.4/33\n", "tor_exits.txt: line 3: expected a CIDR network first"),
        ("tor_exits", "1.2.3.4/24\n", "tor_exits.txt: line 1: expected a CIDR network first"),
    ],
)
def test_errors_name_the_file_and_line(name: str, text: str, message: str) -> None:
    with pytest.raises(IpDataError) as info:
        parse_list(name, text)
    assert str(info.value).startswith(message)


def test_collapse_merges_per_label_and_sorts() -> None:
    n = ipaddress.ip_network
    entries = [
        (n("2001:db8::/33"), "A"),
        (n("198.51.100.128/25"), "A"),
        (n("198.51.100.0/25"), "A"),
        (n("2001:db8:8000::/33"), "A"),
        (n("198.51.100.0/26"), "B"),  # another label: kept, the builder decides
        (n("192.0.2.7/32"), "A"),
    ]
    assert collapse(entries) == [
        ("192.0.2.7/32", "A"),
        ("198.51.100.0/24", "A"),
        ("198.51.100.0/26", "B"),
        ("2001:db8::/32", "A"),
    ]


@pytest.mark.parametrize("name", LIST_NAMES)
def test_every_shipped_list_names_source_commit_date_and_licence(name: str) -> None:
    lf = shipped_list(name)
    assert lf.header["source"], name
    assert len(lf.header["commit"]) == len(lf.header["source"])
    for commit in lf.header["commit"]:
        assert re.fullmatch(r"[0-9a-f]{40} \d{4}-\d\d-\d\dT\S+", commit), commit
    for source in lf.header["source"]:
        assert source.startswith("https://github.com/"), source
    assert lf.date is not None
    assert lf.date >= dt.date(2026, 1, 1)
    assert lf.first("licence")
    assert lf.first("derived")


@pytest.mark.parametrize(
    ("name", "at_least"),
    [
        ("hosting_asns", 800),  # X4BNet's datacenter list alone holds about 800
        ("vpn_asns", 10),
        ("cloud_ranges", 5000),
        ("vpn_ranges", 1000),
        ("relay_ranges", 500),
        ("tor_exits", 500),
    ],
)
def test_shipped_lists_hold_what_they_should(name: str, at_least: int) -> None:
    lf = shipped_list(name)
    assert len(lf.entries) >= at_least
    if KINDS[name] == "range":
        assert lf.entries == tuple(collapse(lf.networks())), "not collapsed"


def test_shipped_lists_know_the_providers_the_issue_names() -> None:
    hosting = shipped_list("hosting_asns").asns()
    assert {16509, 14618, 396982, 15169, 8075, 8560, 14061, 16276, 24940, 63949} <= set(hosting)
    assert not {7922, 3320, 13335, 54113} & set(hosting)  # access networks, shared edges
    vpn = shipped_list("vpn_asns").asns()
    assert 9009 in vpn
    assert 60729 not in vpn
    providers = {label for _, label in shipped_list("cloud_ranges").entries}
    assert {
        "Amazon AWS",
        "Google Cloud",
        "Microsoft Azure",
        "Oracle Cloud",
        "DigitalOcean",
        "Akamai Cloud (Linode)",
        "Vultr",
    } == providers
    tor = [n for n, _ in shipped_list("tor_exits").networks()]
    assert any(n.subnet_of(ipaddress.ip_network("185.220.100.0/22")) for n in tor)


def test_pins_carry_licence_and_attribution() -> None:
    pins = load_pins()
    assert set(pins) == {"asn", "country"}
    assert pins["asn"].licence == "CC-BY-4.0"
    for pin in pins.values():
        assert re.fullmatch(r"2\.3\.20\d{8}", pin.version)
        assert pin.integrity.startswith("sha512-")
        assert "https://github.com/sapics/ip-location-db" in pin.attribution
    assert "db-ip.com" in pins["asn"].attribution
    assert "routeviews.org" in pins["asn"].attribution
