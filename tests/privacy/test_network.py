"""engine/privacy/network.py: the client IP reduced to prefix, keyed hash and the IP data's
facts (country, AS, hosting, VPN, Tor exit), against the table set-up builds (var/ipdata)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.ipdata import DEFAULT_DIR, load_ip_data
from engine.privacy.network import IpFacts, IpReducer, reduce_ip
from tests.ipdata.support import tiny_data

SECRET = b"test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def reducer() -> IpReducer:
    data = load_ip_data(DEFAULT_DIR)
    assert data.built is not None, f"{data.problem}"
    return IpReducer(SECRET, data)


def _is_hash(value: str | None) -> bool:
    return value is not None and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def test_public_ipv4(reducer: IpReducer) -> None:
    facts = reducer.reduce("8.8.8.8")
    assert facts.prefix == "8.8.8.0/24"
    assert (facts.country, facts.asn, facts.asn_name) == ("US", 15169, "Google LLC")
    assert facts.is_private is False
    assert facts.tor_exit is False
    assert _is_hash(facts.ip_hash)


def test_public_ipv6(reducer: IpReducer) -> None:
    facts = reducer.reduce("2001:4860:4860::8888")
    assert facts.prefix == "2001:4860:4860::/48"
    assert (facts.country, facts.asn) == ("US", 15169)
    assert facts.is_private is False
    assert _is_hash(facts.ip_hash)


def test_another_country(reducer: IpReducer) -> None:
    facts = reducer.reduce(" 77.88.8.8 ")
    assert (facts.prefix, facts.country, facts.asn) == ("77.88.8.0/24", "RU", 13238)
    assert (facts.hosting, facts.vpn) == (None, None)


@pytest.mark.parametrize(
    ("ip", "asn", "hosting"),
    [
        ("3.5.140.2", 16509, "Amazon AWS"),  # AWS's published range beats the AS name
        ("34.120.0.1", 396982, "Google Cloud"),
        ("212.227.1.1", 8560, "IONOS SE"),  # no published ranges: the hosting ASN list
        ("24.1.1.1", 7922, None),  # Comcast, residential
        ("172.224.226.1", 36183, None),  # iCloud Private Relay egress on a listed Akamai AS
    ],
)
def test_hosting_facts(reducer: IpReducer, ip: str, asn: int, hosting: str | None) -> None:
    facts = reducer.reduce(ip)
    assert (facts.asn, facts.hosting, facts.vpn, facts.tor_exit) == (asn, hosting, None, False)


def test_tor_exit_is_decided_on_the_exact_address(reducer: IpReducer) -> None:
    exit_ = reducer.reduce("185.220.101.33")  # listed in engine/data/tor_exits.txt
    assert exit_.tor_exit is True
    assert exit_.prefix == "185.220.101.0/24"  # what is stored: the prefix, not the address
    neighbour = reducer.reduce("185.220.101.64")  # same /24, no exit relay listed there
    assert neighbour.tor_exit is False


@pytest.mark.parametrize(
    ("ip", "prefix"),
    [
        ("10.1.2.3", "10.1.2.0/24"),
        ("192.168.1.77", "192.168.1.0/24"),
        ("172.16.5.4", "172.16.5.0/24"),
        ("127.0.0.1", "127.0.0.0/24"),
        ("169.254.10.20", "169.254.10.0/24"),
        ("::1", "::/48"),
        ("fe80::1", "fe80::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("fd12:3456:789a::1", "fd12:3456:789a::/48"),
        ("::ffff:192.168.1.1", "192.168.1.0/24"),
    ],
)
def test_private_addresses(reducer: IpReducer, ip: str, prefix: str) -> None:
    facts = reducer.reduce(ip)
    assert facts.is_private is True
    assert facts.prefix == prefix
    assert (facts.country, facts.asn, facts.asn_name, facts.hosting) == (None, None, None, None)
    assert _is_hash(facts.ip_hash)


def test_shared_address_space_is_not_private_and_has_no_geo(reducer: IpReducer) -> None:
    facts = reducer.reduce("100.64.0.1")
    assert facts == IpFacts(prefix="100.64.0.0/24", ip_hash=facts.ip_hash)


@pytest.mark.parametrize(
    "ip", ["", "bogus", "999.1.1.1", "1.2.3", "1.2.3.4.5", "::g", "01.2.3.4", "8.8.8.8/24"]
)
def test_invalid_addresses_never_raise(reducer: IpReducer, ip: str) -> None:
    assert reducer.reduce(ip) == IpFacts()


def test_mapped_ipv4_is_the_same_address(reducer: IpReducer) -> None:
    assert reducer.reduce("::ffff:8.8.8.8") == reducer.reduce("8.8.8.8")
    assert reducer.reduce("::ffff:185.220.101.33").tor_exit is True


def test_hash_is_keyed_and_per_address(reducer: IpReducer) -> None:
    a = reducer.reduce("203.0.113.5").ip_hash
    assert a == reducer.reduce("203.0.113.5").ip_hash
    assert a != reducer.reduce("203.0.113.6").ip_hash  # same /24, another address
    assert a != IpReducer(b"another secret", reducer.data).reduce("203.0.113.5").ip_hash
    # a secret given per call takes precedence over the reducer's own
    assert IpReducer(data=reducer.data).reduce("203.0.113.5", SECRET).ip_hash == a
    assert reducer.reduce("203.0.113.5", b"another secret").ip_hash != a


@settings(max_examples=200, deadline=None)
@given(st.ip_addresses())
def test_any_address_reduces_without_leaking_it(address: Any) -> None:
    facts = IpReducer(SECRET, load_ip_data(DEFAULT_DIR)).reduce(str(address))
    assert facts.prefix is not None
    assert _is_hash(facts.ip_hash)
    network = ipaddress.ip_network(facts.prefix)
    assert network.prefixlen == (24 if network.version == 4 else 48)
    host = address.ipv4_mapped or address if address.version == 6 else address
    assert host in network  # only the network part is kept, host bits zeroed by ip_network
    assert facts.country is None or (len(facts.country) == 2 and facts.country.isupper())
    assert facts.asn is None or 0 < facts.asn < 2**32


def test_reduce_ip_uses_the_current_build(reducer: IpReducer) -> None:
    assert load_ip_data(DEFAULT_DIR) is load_ip_data(DEFAULT_DIR)  # loaded once per build
    assert reduce_ip("8.8.8.8", SECRET) == reducer.reduce("8.8.8.8")


def test_assigning_data_switches_every_later_lookup(reducer: IpReducer) -> None:
    swapped = IpReducer(SECRET, reducer.data)
    assert swapped.reduce("8.8.8.8").asn == 15169
    swapped.data = tiny_data()  # documentation ranges only: nothing known of 8.8.8.8
    facts = swapped.reduce("8.8.8.8")
    assert (facts.prefix, facts.asn, facts.country, facts.hosting) == (
        "8.8.8.0/24",
        None,
        None,
        None,
    )
    assert reducer.reduce("8.8.8.8").asn == 15169  # the other reducer kept its data


def test_a_secret_is_required(reducer: IpReducer) -> None:
    with pytest.raises(ValueError, match="secret must not be empty"):
        IpReducer(b"", reducer.data)
    with pytest.raises(ValueError, match=r"no secret for ip_hash"):
        IpReducer(data=reducer.data).reduce("8.8.8.8")
