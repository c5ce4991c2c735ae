"""engine/privacy/network.py: the client IP reduced to prefix, keyed hash, country and AS."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.privacy.network import IpFacts, IpReducer, load_geo_database, reduce_ip

SECRET = b"test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def reducer() -> IpReducer:
    return IpReducer(SECRET)


def _is_hash(value: str | None) -> bool:
    return value is not None and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def test_public_ipv4(reducer: IpReducer) -> None:
    facts = reducer.reduce("8.8.8.8")
    assert facts.prefix == "8.8.8.0/24"
    assert facts.country == "US"  # the bundled GeoLite2-derived data says so
    assert facts.asn_name == "GOOGLE"
    assert facts.asn is None  # geoip2fast's data names the AS but has no number
    assert facts.is_private is False
    assert _is_hash(facts.ip_hash)


def test_public_ipv6(reducer: IpReducer) -> None:
    facts = reducer.reduce("2001:4860:4860::8888")
    assert facts.prefix == "2001:4860:4860::/48"
    assert facts.country == "US"
    assert facts.is_private is False
    assert _is_hash(facts.ip_hash)


def test_another_country(reducer: IpReducer) -> None:
    facts = reducer.reduce(" 77.88.8.8 ")
    assert (facts.prefix, facts.country) == ("77.88.8.0/24", "RU")


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
    assert (facts.country, facts.asn, facts.asn_name) == (None, None, None)
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


def test_hash_is_keyed_and_per_address(reducer: IpReducer) -> None:
    a = reducer.reduce("203.0.113.5").ip_hash
    assert a == reducer.reduce("203.0.113.5").ip_hash
    assert a != reducer.reduce("203.0.113.6").ip_hash  # same /24, another address
    assert a != IpReducer(b"another secret").reduce("203.0.113.5").ip_hash
    # a secret given per call takes precedence over the reducer's own
    assert IpReducer(geo=_FakeGeo()).reduce("203.0.113.5", SECRET).ip_hash == a
    assert reducer.reduce("203.0.113.5", b"another secret").ip_hash != a


@settings(max_examples=200, deadline=None)
@given(st.ip_addresses())
def test_any_address_reduces_without_leaking_it(address: Any) -> None:
    reducer = IpReducer(SECRET)
    facts = reducer.reduce(str(address))
    assert facts.prefix is not None
    assert _is_hash(facts.ip_hash)
    network = ipaddress.ip_network(facts.prefix)
    assert network.prefixlen == (24 if network.version == 4 else 48)
    host = address.ipv4_mapped or address if address.version == 6 else address
    assert host in network  # only the network part is kept, host bits zeroed by ip_network
    assert facts.country is None or (len(facts.country) == 2 and facts.country.isupper())


def test_reduce_ip_uses_the_shared_database() -> None:
    assert load_geo_database() is load_geo_database()
    assert reduce_ip("8.8.8.8", SECRET) == IpReducer(SECRET).reduce("8.8.8.8")


class _BrokenGeo:
    def lookup(self, ipaddr: str) -> Any:
        raise RuntimeError("boom")


class _FakeGeo:
    def lookup(self, ipaddr: str) -> Any:
        class Detail:
            country_code = "--"
            asn_name = "<unknown>"

        return Detail()


def test_geo_failures_cost_the_enrichment_only() -> None:
    facts = IpReducer(SECRET, geo=_BrokenGeo()).reduce("8.8.8.8")
    assert (facts.prefix, facts.country) == ("8.8.8.0/24", None)
    assert _is_hash(facts.ip_hash)
    facts = IpReducer(SECRET, geo=_FakeGeo()).reduce("8.8.8.8")
    assert (facts.country, facts.asn_name) == (None, None)


def test_a_secret_is_required() -> None:
    with pytest.raises(ValueError, match="secret must not be empty"):
        IpReducer(b"", geo=_FakeGeo())
    with pytest.raises(ValueError, match=r"no secret for ip_hash"):
        IpReducer(geo=_FakeGeo()).reduce("8.8.8.8")
