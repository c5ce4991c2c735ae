"""Nothing of the caller's is echoed: not in error messages, not in fields, not in logs.

Issue 6: an unknown key such as `"john.doe@example.com"` came back in the error's message
and field and went to the log; a 60 KB key made a 60 KB log line.
"""

from __future__ import annotations

import logging

import pytest

from tests.support import ORIGIN, Running, web_attributes

SECRET_KEY = "zq9-unknown-key-7xk"


def _body(sid: str, attributes: dict[str, object]) -> dict[str, object]:
    return {"session_id": sid, "site_key": "demo_site", "channel": "web", "attributes": attributes}


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("device", "attributes.device"),
        ("custom", "attributes.custom"),
        ("top", None),
    ],
)
async def test_unknown_keys_are_named_by_their_place_only(
    svc: Running, caplog: pytest.LogCaptureFixture, where: str, field: str | None
) -> None:
    sid = await svc.session()
    attrs = web_attributes()
    body = _body(sid, attrs)
    if where == "device":
        attrs["device"][SECRET_KEY] = 1
    elif where == "custom":
        attrs["custom"] = {SECRET_KEY: {"nested": True}}
    else:
        body[SECRET_KEY] = 1
    with caplog.at_level(logging.DEBUG):
        r = await svc.client.post("/v1/collect", json=body, headers={"Origin": ORIGIN})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error.get("field") == field
    assert SECRET_KEY not in r.text
    assert SECRET_KEY not in caplog.text


@pytest.mark.parametrize(
    "key",
    ["john.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "DE89370400440532013000"],
)
async def test_identifiers_used_as_keys_are_refused_without_echo(
    svc: Running, caplog: pytest.LogCaptureFixture, key: str
) -> None:
    sid = await svc.session()
    attrs = web_attributes()
    attrs["custom"] = {key: 1}
    before = await svc.snapshot()
    with caplog.at_level(logging.DEBUG):
        r = await svc.client.post("/v1/collect", json=_body(sid, attrs), headers={"Origin": ORIGIN})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "personal_data"
    assert r.json()["error"]["field"] == "attributes.custom"
    assert key not in r.text
    assert key not in caplog.text
    # the payload is not stored: only the session's refusal marker is new
    after = await svc.snapshot()
    assert sorted(k[:2] for k, v in after.items() if before.get(k) != v) == [b"s:", b"x:"]
    assert not any(key.encode() in v for v in after.values())


async def test_a_huge_key_makes_no_huge_log_line(
    svc: Running, caplog: pytest.LogCaptureFixture
) -> None:
    sid = await svc.session()
    attrs = web_attributes()
    attrs["device"]["k" * 60_000] = 1
    with caplog.at_level(logging.DEBUG):
        r = await svc.client.post("/v1/collect", json=_body(sid, attrs), headers={"Origin": ORIGIN})
    assert r.status_code == 422
    assert len(r.content) < 1000
    from engine.logs import JsonFormatter

    formatter = JsonFormatter()
    assert caplog.records
    for record in caplog.records:
        assert len(formatter.format(record)) < 2600
    assert "k" * 200 not in caplog.text
