"""What a request head must be before anything routes it: a canonical path, one valid Host,
a framing we can decode.

Every routing and access decision (the API routes, the pages, the operator check) reads the
path made here, once, and nothing reads the raw target: when the operator check looked at
the raw path while the page router merged slashes, `//metrics` opened the page to anyone
(issue 15). The rules, and the RFCs behind them, are in docs/http.md:

- origin-form (`/a/b?q`) and absolute-form (`http://host/a/b?q`, RFC 9112 section 3.2.2:
  routed by its path) are served; asterisk-form (`*`) names no page; anything else is 400;
- percent-encoded unreserved characters are decoded (RFC 3986 section 6.2.2.2), so
  `/%6detrics` is `/metrics` and `/%2e%2e/` is `/../`; an encoded `/`, `\\` or NUL is
  refused with 400, never taken for a separator; other escapes are kept, in upper case;
- `.` and `..` segments are resolved (RFC 3986 section 5.2.4; `..` never climbs above the
  root), empty segments dropped: `//a`, `/a/` and `/a/./b/..` are `/a`;
- case is kept (RFC 3986 section 6.2.2.1: paths are case-sensitive): `/METRICS` is no page;
- an HTTP/1.1 request without Host, any request with two, or a Host that is no
  `host[:port]` is 400 (RFC 9112 section 3.2);
- a transfer coding other than `chunked` is 501 (RFC 9112 section 6.1, RFC 9110 15.6.2).

This module knows nothing of the service: plain strings in, a path or an error out.
"""

from __future__ import annotations

import re

from engine import errors as E

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_REFUSED_ESCAPES = {0x2F: "/", 0x5C: "\\", 0x00: "NUL"}
_ESCAPE = re.compile(r"%(?:([0-9A-Fa-f]{2})|)")
_ABSOLUTE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)(.*)$", re.S)
# RFC 3986 host (IP-literal, IPv4 or reg-name) and optional port, as RFC 9112 section 3.2
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.vV]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(?::[0-9]*)?$")


def normalise_target(target: str) -> tuple[str, str]:
    """The canonical path and the query of a request target (the one function that makes
    it), or BadRequest (400)."""
    if not target.isascii() or "\\" in target:
        raise E.BadRequest("the request target must be ascii, other bytes percent-encoded")
    if "#" in target:
        raise E.BadRequest("the request target must not carry a fragment (#)")
    if target == "*":
        return "*", ""
    if not target.startswith("/"):
        absolute = _ABSOLUTE.match(target)
        if absolute is None or absolute.group(1).lower() not in ("http", "https"):
            raise E.BadRequest("the request target must be a path or an http(s) url")
        target = absolute.group(3) or "/"
        if not target.startswith(("/", "?")):
            raise E.BadRequest("the request target must be a path or an http(s) url")
    path, _, query = target.partition("?")
    return canonical_path(path), query


def canonical_path(path: str) -> str:
    """Escapes decoded where RFC 3986 allows, dot segments resolved, empty segments (double
    and trailing slashes) dropped. The root is `/`; no other path ends with `/`."""
    segments: list[str] = []
    for segment in _decode_unreserved(path).split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments)


def _decode_unreserved(path: str) -> str:
    def one(match: re.Match[str]) -> str:
        digits = match.group(1)
        if digits is None:
            raise E.BadRequest("a % in the path must start an escape such as %20")
        value = int(digits, 16)
        if value in _REFUSED_ESCAPES:
            raise E.BadRequest(
                f"an encoded {_REFUSED_ESCAPES[value]} in the path is refused; "
                "send the path without it"
            )
        return chr(value) if value in _UNRESERVED else "%" + digits.upper()

    return _ESCAPE.sub(one, path) if "%" in path else path


def check_host(hosts: list[str], http_version: str) -> None:
    """RFC 9112 section 3.2: exactly one valid Host in HTTP/1.1, at most one before."""
    if len(hosts) > 1:
        raise E.BadRequest("send exactly one host header")
    if not hosts:
        if http_version == "1.0":
            return
        raise E.BadRequest("http/1.1 requests need a host header")
    if _HOST.match(hosts[0].strip()) is None:
        raise E.BadRequest("the host header must be host[:port]")


def check_framing(transfer_encoding: str | None) -> None:
    """Only `chunked` is decoded: any other coding is 501, never passed on undecoded
    (the parser has already refused a Transfer-Encoding that does not end in chunked)."""
    if transfer_encoding is None:
        return
    codings = [c.split(";", 1)[0].strip().lower() for c in transfer_encoding.split(",")]
    if codings.count("chunked") > 1:  # RFC 9112 section 6.1: applied once at most
        raise E.BadRequest("transfer-encoding may name chunked once only")
    if any(c != "chunked" for c in codings if c):
        raise E.UnsupportedCoding(
            "transfer codings other than chunked are not supported; send the body "
            "with content-length or chunked only"
        )
