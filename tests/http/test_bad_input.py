"""Every kind of bad input: a 4xx in the error shape of docs/api.md, never a 5xx, nothing stored."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from engine.http.messages import ErrorResponse
from tests.support import ORIGIN, Running, web_attributes

AUTH = {"Authorization": "Bearer demo_key"}


def assert_error(r: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    msgspec.convert(body, ErrorResponse)
    assert body["error"]["code"] == code
    if field is not None:
        assert body["error"]["field"] == field
    assert body["error"]["message"]
    return dict(body["error"])


async def _collect_raw(svc: Running, body: Any, headers: dict[str, str] | None = None) -> Any:
    return await svc.client.post(
        "/v1/collect",
        content=msgspec.json.encode(body),
        headers={"Content-Type": "application/json", "Origin": ORIGIN, **(headers or {})},
    )


@pytest.mark.parametrize(
    ("mutate", "code", "field"),
    [
        (
            lambda b: b["attributes"]["device"].update(screen_width="wide"),
            "validation_error",
            "attributes.device.screen_width",
        ),
        (
            lambda b: b["attributes"]["device"].update(screen_width=-5),
            "validation_error",
            "attributes.device.screen_width",
        ),
        (
            lambda b: b["attributes"]["software"].update(languages="en"),
            "validation_error",
            "attributes.software.languages",
        ),
        (
            lambda b: b["attributes"]["behaviour"]["fields"][1].update(chars_typed=True),
            "validation_error",
            "attributes.behaviour.fields.1.chars_typed",
        ),
        (
            lambda b: b["attributes"]["device"].update(gpu_serial="x1"),
            "validation_error",
            "attributes.device",
        ),
        (lambda b: b.update(channel="smart_tv"), "validation_error", "channel"),
        (lambda b: b.pop("channel"), "validation_error", "channel"),
        (lambda b: b.pop("attributes"), "validation_error", "attributes"),
        (lambda b: b.update(attributes=[]), "validation_error", "attributes"),
        (
            lambda b: b["attributes"]["software"].update(user_agent="x" * 5000),
            "validation_error",
            "attributes.software.user_agent",
        ),
        (
            lambda b: b["attributes"].update(custom={"note": {"nested": 1}}),
            "validation_error",
            "attributes.custom",
        ),
    ],
)
async def test_collect_type_errors_name_the_field_and_store_nothing(
    svc: Running, mutate: Any, code: str, field: str
) -> None:
    sid = await svc.session()
    body = {
        "session_id": sid,
        "site_key": "demo_site",
        "channel": "web",
        "attributes": web_attributes(),
    }
    mutate(body)
    before = await svc.snapshot()
    r = await _collect_raw(svc, body)
    assert_error(r, 422, code, field)
    assert await svc.snapshot() == before


async def test_error_messages_never_repeat_the_value(svc: Running) -> None:
    sid = await svc.session()
    body = {
        "session_id": sid,
        "site_key": "demo_site",
        "channel": "zz-secret-channel-zz",
        "attributes": {},
    }
    r = await _collect_raw(svc, body)
    assert "zz-secret-channel-zz" not in r.text


async def test_unknown_session(svc: Running) -> None:
    before = await svc.snapshot()
    body = {
        "session_id": "s1_" + "A" * 56,
        "site_key": "demo_site",
        "channel": "web",
        "attributes": web_attributes(),
    }
    assert_error(await _collect_raw(svc, body), 404, "not_found", "session_id")
    assert_error(await svc.score("nope"), 404, "not_found", "session_id")
    assert await svc.snapshot() == before


async def test_forged_session_token_is_refused(svc: Running) -> None:
    sid = await svc.session()
    forged = sid[:-6] + ("AAAAAA" if not sid.endswith("AAAAAA") else "BBBBBB")
    assert_error(await svc.score(forged), 404, "not_found", "session_id")


async def test_expired_session(svc: Running) -> None:
    sid = await svc.session()
    ttl = svc.service.runtime.config.service.session_ttl_s
    issued = svc.service.clock()
    before = await svc.snapshot()
    svc.service.clock = lambda: issued + ttl + 1
    r = await svc.collect(sid)
    assert_error(r, 410, "session_expired", "session_id")
    assert await svc.snapshot() == before


async def test_wrong_site_key(svc: Running) -> None:
    sid = await svc.session()
    before = await svc.snapshot()
    r = await svc.collect(sid, site_key="not_a_site")
    assert_error(r, 403, "forbidden", "site_key")
    r = await svc.client.post("/v1/sessions", json={"site_key": "not_a_site"})
    assert_error(r, 403, "forbidden", "site_key")
    # another tenant's site key with this tenant's session
    r = await svc.collect(sid, site_key="demo2_site")
    assert_error(r, 404, "not_found", "session_id")
    assert await svc.snapshot() == before


async def test_wrong_origin(svc: Running) -> None:
    sid = await svc.session()
    before = await svc.snapshot()
    r = await svc.client.post(
        "/v1/sessions",
        json={"site_key": "demo_site"},
        headers={"Origin": "https://attacker.example"},
    )
    assert_error(r, 403, "forbidden")
    r = await svc.collect(sid, headers={"Origin": "https://attacker.example"})
    assert_error(r, 403, "forbidden")
    assert await svc.snapshot() == before


@pytest.mark.parametrize("header", [None, "Bearer wrong_key", "Basic ZGVtbzpkZW1v", "Bearer"])
async def test_wrong_api_key(svc: Running, header: str | None) -> None:
    sid = await svc.session()
    headers = {} if header is None else {"Authorization": header}
    for path, body in (
        ("/v1/score", {"session_id": sid}),
        ("/v1/feedback", {"session_id": sid, "label": "good"}),
        ("/v1/erasure", {"session_id": sid}),
    ):
        r = await svc.client.post(path, json=body, headers=headers)
        assert_error(r, 401, "unauthorized")
    r = await svc.client.get("/v1/attributes", headers=headers)
    assert_error(r, 401, "unauthorized")


async def test_oversized_body(svc: Running) -> None:
    sid = await svc.session()
    before = await svc.snapshot()
    attrs = web_attributes()
    attrs["custom"] = {"k": "v" * 70_000}
    r = await _collect_raw(
        svc, {"session_id": sid, "site_key": "demo_site", "channel": "web", "attributes": attrs}
    )
    assert_error(r, 413, "payload_too_large")

    # chunked, no Content-Length
    async def chunks() -> Any:
        for _ in range(100):
            yield b" " * 1000

    r = await svc.client.post(
        "/v1/score", content=chunks(), headers={**AUTH, "Content-Type": "application/json"}
    )
    assert_error(r, 413, "payload_too_large")
    assert await svc.snapshot() == before


@pytest.mark.parametrize("body", [b"{", b"", b"\xff\xfe", b"[1, 2", b"nul", b'{"a": NaN}'])
async def test_invalid_json(svc: Running, body: bytes) -> None:
    r = await svc.client.post(
        "/v1/score", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert_error(r, 400, "invalid_json")


@pytest.mark.parametrize("body", [b"[]", b"1", b'"x"', b"null"])
async def test_json_that_is_not_an_object(svc: Running, body: bytes) -> None:
    r = await svc.client.post(
        "/v1/score", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert_error(r, 400, "bad_request")


@pytest.mark.parametrize(
    "ctype",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_non_json_content_type(svc: Running, ctype: str | None) -> None:
    headers = dict(AUTH)
    if ctype:
        headers["Content-Type"] = ctype
    r = await svc.client.post("/v1/score", content=b'{"session_id": "x"}', headers=headers)
    assert_error(r, 415, "unsupported_media_type")


async def test_json_with_charset_is_accepted(svc: Running) -> None:
    r = await svc.client.post(
        "/v1/sessions",
        content=b'{"site_key": "demo_site"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/score", {}, "session_id"),
        ("/v1/score", {"session_id": 5}, "session_id"),
        ("/v1/score", {"session_id": "x", "extra": 1}, None),
        ("/v1/feedback", {"session_id": "x"}, "label"),
        ("/v1/feedback", {"session_id": "x", "label": "maybe"}, "label"),
        ("/v1/erasure", {"device_id": ""}, "device_id"),
    ],
)
async def test_backend_validation(svc: Running, path: str, body: Any, field: str | None) -> None:
    r = await svc.client.post(path, json=body, headers=AUTH)
    assert_error(r, 422, "validation_error", field)


async def test_unknown_route_and_method(svc: Running) -> None:
    assert_error(await svc.client.get("/v2/score"), 404, "not_found")
    assert_error(await svc.client.get("/v1/score"), 405, "method_not_allowed")
    assert_error(await svc.client.delete("/v1/sessions"), 405, "method_not_allowed")
