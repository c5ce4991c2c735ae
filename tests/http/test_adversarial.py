"""Hostile and odd input on every endpoint: never a 5xx, always the error shape."""

from __future__ import annotations

import pytest

from tests.support import ORIGIN, Running

COLLECTOR = {"Content-Type": "application/json", "Origin": ORIGIN}
BACKEND = {"Content-Type": "application/json", "Authorization": "Bearer demo_key"}
ENDPOINTS = [
    ("/v1/collect", COLLECTOR),
    ("/v1/sessions", COLLECTOR),
    ("/v1/score", BACKEND),
    ("/v1/feedback", BACKEND),
    ("/v1/erasure", BACKEND),
]


def _collect(sid: str, attributes: str) -> bytes:
    return (
        f'{{"session_id": "{sid}", "site_key": "demo_site", "channel": "web", '
        f'"attributes": {attributes}}}'
    ).encode()


async def test_deep_nesting_is_invalid_json(svc: Running) -> None:
    for body in (b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000):
        for path, headers in ENDPOINTS:
            r = await svc.client.post(path, content=body, headers=headers)
            assert r.status_code == 400, (path, r.text)
            assert r.json()["error"]["code"] == "invalid_json"


async def test_integers_storage_cannot_hold_are_refused(svc: Running) -> None:
    sid = await svc.session()
    before = await svc.snapshot()
    body = _collect(sid, '{"custom": {"n": 123456789012345678901234567890}}')
    r = await svc.client.post("/v1/collect", content=body, headers=COLLECTOR)
    assert r.status_code == 422
    # the key is the caller's own: the field names the object that holds it
    assert r.json()["error"]["field"] == "attributes.custom"
    body = _collect(sid, '{"device": {"canvas_hash": 99999999999999999999999}}')
    r = await svc.client.post("/v1/collect", content=body, headers=COLLECTOR)
    assert r.status_code == 422
    assert await svc.snapshot() == before


@pytest.mark.parametrize(
    "attributes",
    [
        '{"device": {"screen_width": 1e400}}',
        '{"custom": {"n": -1e308}}',
        '{"custom": {"\\u0000": "\\u0000"}}',
        '{"software": {"languages": ["\\u65e5\\u672c\\u8a9e", "\\ud83d\\ude00"]}}',
        '{"behaviour": {"fields": [{"name": "a", "chars_typed": 99999999999999}]}}',
        '{"location": {"lat": 91}}',
        "null",
        '{"custom": {"k": "\\ud800"}}',
    ],
)
async def test_odd_values_never_5xx(svc: Running, attributes: str) -> None:
    sid = await svc.session()
    body = _collect(sid, attributes)
    for path, headers in ENDPOINTS:
        r = await svc.client.post(path, content=body, headers=headers)
        assert r.status_code < 500, (path, r.status_code, r.text)
        if r.status_code >= 400:
            assert r.json()["error"]["message"]


@pytest.mark.parametrize(
    "header",
    [
        {"Authorization": "Bearer " + "x" * 5000},
        {"Authorization": "bearer demo_key"},
        {"X-Forwarded-For": "not-an-ip, ::ffff:1.2.3.4, 999.1.1.1"},
        {"Accept-Language": "*" * 3000},
        {"Content-Type": "application/json; charset=latin-1"},
        {"Origin": "null"},
        {"DNT": "yes please"},
    ],
)
async def test_odd_headers_never_5xx(svc: Running, header: dict[str, str]) -> None:
    sid = await svc.session()
    r = await svc.client.post("/v1/score", json={"session_id": sid}, headers={**BACKEND, **header})
    assert r.status_code < 500, r.text
    r = await svc.collect(sid, headers=header)
    assert r.status_code < 500, r.text
