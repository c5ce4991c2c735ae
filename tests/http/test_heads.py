"""The request target made canonical, Host and framing checked (engine/http/heads.py).

The same rules are tried over the real server in tests/hostile/test_paths.py and
test_conformance.py; here the function itself, case by case.
"""

from __future__ import annotations

import pytest

from engine import errors as E
from engine.http.heads import check_framing, check_host, normalise_target

CANONICAL = [
    ("/", "/", ""),
    ("//", "/", ""),
    ("//metrics", "/metrics", ""),
    ("/a//b///c/", "/a/b/c", ""),
    ("/./a/./b/.", "/a/b", ""),
    ("/a/b/../../../../c", "/c", ""),
    ("/%2e%2E/%2E/a", "/a", ""),
    ("/.%2e/a", "/a", ""),
    ("/%61%7E%2D%5F", "/a~-_", ""),
    ("/a%20b%c3%a9", "/a%20b%C3%A9", ""),
    ("/METRICS", "/METRICS", ""),
    ("/a?b=%2F&c=/../", "/a", "b=%2F&c=/../"),
    ("http://h/v1/sessions?x", "/v1/sessions", "x"),
    ("HTTPS://h:8443", "/", ""),
    ("http://h?q=1", "/", "q=1"),
    ("*", "*", ""),
]


@pytest.mark.parametrize(("target", "path", "query"), CANONICAL)
def test_canonical_paths(target: str, path: str, query: str) -> None:
    assert normalise_target(target) == (path, query)


REFUSED = [
    ("/a%2Fb", "an encoded / in the path is refused; send the path without it"),
    ("/a%2fb", "an encoded / in the path is refused; send the path without it"),
    ("/a%5Cb", "an encoded \\ in the path is refused; send the path without it"),
    ("/a%00", "an encoded NUL in the path is refused; send the path without it"),
    ("/a%", "a % in the path must start an escape such as %20"),
    ("/a%g1", "a % in the path must start an escape such as %20"),
    ("/a\\b", "the request target must be ascii, other bytes percent-encoded"),
    ("/caf\xe9", "the request target must be ascii, other bytes percent-encoded"),
    ("/a#b", "the request target must not carry a fragment (#)"),
    ("ftp://h/a", "the request target must be a path or an http(s) url"),
    ("h:443", "the request target must be a path or an http(s) url"),
    ("a/b", "the request target must be a path or an http(s) url"),
]


@pytest.mark.parametrize(("target", "message"), REFUSED)
def test_refused_targets(target: str, message: str) -> None:
    with pytest.raises(E.BadRequest) as caught:
        normalise_target(target)
    assert caught.value.message == message


def test_host() -> None:
    check_host(["api.example.com:443"], "1.1")
    check_host(["[2001:db8::1]:8080"], "1.1")
    check_host([], "1.0")
    for hosts, version, message in [
        ([], "1.1", "http/1.1 requests need a host header"),
        (["a", "a"], "1.1", "send exactly one host header"),
        (["a", "b"], "1.0", "send exactly one host header"),
        (["a b"], "1.1", "the host header must be host[:port]"),
        (["user@a"], "1.1", "the host header must be host[:port]"),
        (["a:80x"], "1.1", "the host header must be host[:port]"),
    ]:
        with pytest.raises(E.BadRequest) as caught:
            check_host(hosts, version)
        assert caught.value.message == message


def test_framing() -> None:
    check_framing(None)
    check_framing("chunked")
    check_framing("Chunked")
    with pytest.raises(E.UnsupportedCoding) as caught:
        check_framing("gzip, chunked")
    assert caught.value.status == 501
    with pytest.raises(E.BadRequest):
        check_framing("chunked, chunked")
