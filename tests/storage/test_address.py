"""The store URL: seeds, TLS, credentials; errors that never quote a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.store._address import StoreAddress, parse_store_url

NO_ENV: dict[str, str] = {}


def test_seeds() -> None:
    assert parse_store_url("redis://10.0.0.5:6379", NO_ENV).seeds == [("10.0.0.5", 6379)]
    assert parse_store_url("valkey://a:1,b:2/", NO_ENV).seeds == [("a", 1), ("b", 2)]
    assert parse_store_url("redis://[::1]:7000", NO_ENV).seeds == [("::1", 7000)]
    plain = parse_store_url("redis://a:1", NO_ENV)
    assert (plain.tls, plain.username, plain.password, plain.ca_file) == (False, None, None, None)


def test_bad_shapes() -> None:
    for bad in ("http://a:1", "redis://", "redis://a:1/0", "a:1", "redis://a:1#x"):
        with pytest.raises(ValueError, match=r"must look like redis://HOST:PORT"):
            parse_store_url(bad, NO_ENV)
    for bad in ("redis://a", "redis://a:x", "redis://a:0", "redis://:1", "redis://pw@a"):
        with pytest.raises(ValueError, match=r"must name each node as HOST:PORT"):
            parse_store_url(bad, NO_ENV)


def test_credentials_from_the_url_percent_decoded() -> None:
    a = parse_store_url("redis://:p%40ss%3Aw%2Fd@h:1", NO_ENV)
    assert (a.username, a.password) == (None, "p@ss:w/d")
    b = parse_store_url("redis://scorer:pw@h:1,h:2", NO_ENV)
    assert (b.username, b.password, b.seeds) == ("scorer", "pw", [("h", 1), ("h", 2)])
    with pytest.raises(ValueError, match="names a user but no password"):
        parse_store_url("redis://scorer@h:1", NO_ENV)  # before the @: a user name


def test_credentials_from_the_environment_when_the_url_has_none() -> None:
    env = {"ANONSCORE_STORE_PASSWORD": "from-env", "ANONSCORE_STORE_USERNAME": "svc"}
    a = parse_store_url("redis://h:1", env)
    assert (a.username, a.password) == ("svc", "from-env")
    b = parse_store_url("redis://:in-url@h:1", env)
    assert b.password == "in-url"  # the URL wins


def test_tls_and_a_private_ca(tmp_path: Path) -> None:
    assert parse_store_url("rediss://h:1", NO_ENV).tls
    assert parse_store_url("valkeys://h:1", NO_ENV).tls
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    a = parse_store_url(f"rediss://h:1?ca={ca}", NO_ENV)
    assert (a.tls, a.ca_file) == (True, ca)
    with pytest.raises(ValueError, match="ca= is for TLS"):
        parse_store_url(f"redis://h:1?ca={ca}", NO_ENV)
    with pytest.raises(ValueError, match="no such file"):
        parse_store_url(f"rediss://h:1?ca={tmp_path}/missing.pem", NO_ENV)
    with pytest.raises(ValueError, match="unknown parameter 'db'"):
        parse_store_url("rediss://h:1?db=2", NO_ENV)


def test_no_message_quotes_the_password() -> None:
    secret = "Hunter2-secret"
    for bad in (
        f"redis://:{secret}@h",
        f"http://:{secret}@h:1",
        f"redis://:{secret}@h:1?x=1",
        f"redis://:{secret}@h:1/0",
    ):
        with pytest.raises(ValueError, match="store url") as info:
            parse_store_url(bad, NO_ENV)
        assert secret not in str(info.value)
    shown = parse_store_url(f"rediss://u:{secret}@h:1,[::1]:2", NO_ENV)
    assert shown.redacted() == "rediss://u:***@h:1,[::1]:2"
    assert secret not in repr(shown)
    assert StoreAddress([("h", 1)]).redacted() == "redis://h:1"
