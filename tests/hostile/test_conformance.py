"""HTTP/1.1 conformance over raw sockets (engine/http/parsing.py, heads.py; docs/http.md).

Issue 15: a parse error later in a pipeline replaced the answer to an earlier valid
request; a valid 20 KB POST followed by the start of the next request got a false 431;
a body was dropped on `Connection: Upgrade`; a missing or duplicate Host was accepted;
absolute-form targets were refused; unknown codings before `chunked` were accepted and
passed on undecoded.
"""

from __future__ import annotations

import json

import pytest
import trio
import trio.testing

from tests.hostile.conftest import RawClient, request
from tests.support import Running

JSON = {"Content-Type": "application/json"}
BODY = b'{"site_key": "demo_site"}'


def raw(*lines: str, body: bytes = b"") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _connect(svc: Running) -> RawClient:
    return await RawClient.connect(svc.handle.port)


LATER_ERRORS = [
    pytest.param(b"GARBAGE \x01\x02 nonsense\r\n\r\n", 400, id="bad-request-line"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400, id="bad-header"),
    pytest.param(request("GET", "/healthz", headers={"X-Big": "b" * 20_000}), 431, id="431"),
    pytest.param(
        request("POST", "/v1/sessions", headers={**JSON, "Transfer-Encoding": "chunked"})
        + b"zz\r\n",
        400,
        id="bad-chunk",
    ),
]


@pytest.mark.parametrize(("bad", "status"), LATER_ERRORS)
async def test_a_later_parse_error_does_not_replace_earlier_answers(
    hostile: Running, bad: bytes, status: int
) -> None:
    client = await _connect(hostile)
    await client.send(
        request("GET", "/healthz") + request("POST", "/v1/sessions", BODY, headers=JSON) + bad
    )
    first, second, third = [await client.answer() for _ in range(3)]
    assert (first.status, second.status, third.status) == (200, 201, status)
    assert json.loads(second.body)["session_id"]
    assert third.closes
    assert await client.closed(within=3)


async def test_the_header_limit_is_per_request_not_per_pipeline(hostile: Running) -> None:
    """A 20 KB body (over max_header_bytes, 16 KiB) followed by the start of the next
    request in one write is a valid request, then the next one."""
    body = b'{"site_key": "demo_site"' + b" " * 20_000 + b"}"
    client = await _connect(hostile)
    nxt = request("GET", "/healthz")
    await client.send(request("POST", "/v1/sessions", body, headers=JSON) + nxt[:20])
    first = await client.answer()
    assert first.status == 201
    assert not first.closes
    await client.send(nxt[20:])
    assert (await client.answer()).status == 200


async def test_a_head_over_the_limit_across_reads_is_still_431(hostile: Running) -> None:
    """The limit still holds for a header line that never ends, sent in pieces."""
    client = await _connect(hostile)
    await client.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ")
    try:
        for _ in range(10):
            await client.send(b"a" * 4096)
    except trio.BrokenResourceError:  # the server may close as soon as it has answered
        pass
    answer = await client.answer()
    assert answer.status == 431
    assert answer.closes


UPGRADES = [
    pytest.param({"Connection": "Upgrade", "Upgrade": "h2c"}, id="h2c"),
    pytest.param({"Connection": "keep-alive, Upgrade", "Upgrade": "websocket"}, id="websocket"),
    pytest.param({"Connection": "Upgrade"}, id="connection-only"),
]


@pytest.mark.parametrize("upgrade", UPGRADES)
@pytest.mark.parametrize("split", [False, True], ids=["one-write", "body-later"])
async def test_an_upgrade_request_keeps_its_body(
    hostile: Running, upgrade: dict[str, str], split: bool
) -> None:
    client = await _connect(hostile)
    data = request("POST", "/v1/sessions", BODY, headers={**JSON, **upgrade})
    head, body = data[: -len(BODY)], data[-len(BODY) :]
    if split:
        await client.send(head)
        await trio.testing.wait_all_tasks_blocked(cushion=0.05)  # the head is parsed alone
        await client.send(body)
    else:
        await client.send(data)
    answer = await client.answer()
    assert answer.status == 201, answer.body
    assert json.loads(answer.body)["session_id"]


async def test_an_upgrade_request_with_a_chunked_body(hostile: Running) -> None:
    client = await _connect(hostile)
    headers = {**JSON, "Connection": "Upgrade", "Upgrade": "h2c", "Transfer-Encoding": "chunked"}
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    await client.send(request("POST", "/v1/sessions", headers=headers) + chunked)
    answer = await client.answer()
    assert answer.status == 201
    assert answer.closes  # no upgrade is served; the connection ends after the answer


HOSTS = [
    pytest.param(["GET /healthz HTTP/1.1"], 400, id="missing"),
    pytest.param(["GET /healthz HTTP/1.1", "Host: a", "Host: a"], 400, id="duplicate"),
    pytest.param(["GET /healthz HTTP/1.1", "Host: a", "host: b"], 400, id="duplicate-case"),
    pytest.param(["GET /healthz HTTP/1.1", "Host: a/b"], 400, id="not-a-host"),
    pytest.param(["GET /healthz HTTP/1.1", "Host: a@b"], 400, id="userinfo"),
    pytest.param(["GET /healthz HTTP/1.0"], 200, id="http-1.0-without"),
    pytest.param(["GET /healthz HTTP/1.1", "Host: 127.0.0.1:8080"], 200, id="with-port"),
    pytest.param(["GET /healthz HTTP/1.1", "Host: [::1]:8080"], 200, id="ipv6"),
    pytest.param(["GET /healthz HTTP/1.1", "Host: api.example.com"], 200, id="name"),
]


@pytest.mark.parametrize(("lines", "status"), HOSTS)
async def test_exactly_one_valid_host(hostile: Running, lines: list[str], status: int) -> None:
    client = await _connect(hostile)
    await client.send(raw(*lines))
    answer = await client.answer()
    assert answer.status == status
    if status == 400:
        assert json.loads(answer.body)["error"]["message"].startswith(("send", "http", "the"))
        assert answer.closes


async def test_absolute_form_is_routed_by_its_path(hostile: Running) -> None:
    client = await _connect(hostile)
    await client.send(
        raw(
            "POST http://127.0.0.1/v1/sessions HTTP/1.1",
            "Host: 127.0.0.1",
            "Content-Type: application/json",
            f"Content-Length: {len(BODY)}",
            body=BODY,
        )
    )
    answer = await client.answer()
    assert answer.status == 201
    assert json.loads(answer.body)["session_id"]
    await client.send(raw("GET HTTPS://127.0.0.1:8443/healthz?x=1 HTTP/1.1", "Host: x"))
    assert (await client.answer()).status == 200


@pytest.mark.parametrize("coding", ["gzip, chunked", "x-foo, chunked", "chunked;x=1, chunked"])
async def test_an_unknown_transfer_coding_is_501(hostile: Running, coding: str) -> None:
    client = await _connect(hostile)
    headers = {**JSON, "Transfer-Encoding": coding}
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    await client.send(request("POST", "/v1/sessions", headers=headers) + chunked)
    answer = await client.answer()
    if coding.count("chunked") > 1:  # applied twice: not a framing, 400 (RFC 9112 6.1)
        assert answer.status == 400
    else:
        assert answer.status == 501
        assert json.loads(answer.body)["error"]["code"] == "not_implemented"
    assert answer.closes
    assert await client.closed(within=3)


async def test_chunked_alone_is_decoded(hostile: Running) -> None:
    client = await _connect(hostile)
    headers = {**JSON, "Transfer-Encoding": "chunked"}
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    await client.send(request("POST", "/v1/sessions", headers=headers) + chunked)
    answer = await client.answer()
    assert answer.status == 201
    assert not answer.closes


async def test_an_empty_line_after_a_request_is_no_new_request(hostile: Running) -> None:
    """RFC 9112 section 2.2: empty lines before a request line are ignored; the idle
    connection then closes quietly, without a 408 a pooled client could take for the
    answer to its next request."""
    client = await _connect(hostile)
    await client.send(request("POST", "/v1/sessions", BODY, headers=JSON) + b"\r\n")
    assert (await client.answer()).status == 201
    assert await client.closed(within=3)  # keep_alive_timeout_s is 1 s here
    assert client.buffer == b""
