"""The privacy firewall over HTTP: identifiers anywhere refuse the payload whole, with the
field path and nothing stored; realistic device payloads pass; the store audit finds zero."""

from __future__ import annotations

import copy
import sys
from typing import Any

import msgspec
import pytest
import trio

from tests.support import ORIGIN, Running, android_attributes, web_attributes
from tools.audit import audit, format_report

IDENTIFIERS = {
    "e-mail address": ["maria.gonzalez+loans@example.co.uk", "Jöhn.Doe@sub.mail.example.org"],
    "phone number": [
        "+44 20 7946 0958",
        "+7 (912) 345-67-89",
        "(415) 555-2671",
        "0049 30 1234567",
        "8 (912) 345-67-89",
    ],
    "payment card number": ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"],
    "IBAN": [
        "GB82 WEST 1234 5698 7654 32",
        "DE89370400440532013000",
        "FR14 2004 1010 0505 0001 3M02 606",
    ],
}

# (where, how to plant a value, the field path the error must name)
PLACEMENTS: list[tuple[str, Any, str]] = [
    (
        "custom value",
        lambda a, v: a.setdefault("custom", {}).update(note=v),
        "attributes.custom",  # a key of custom is the caller's own: never repeated
    ),
    (
        "custom value in text",
        lambda a, v: a.setdefault("custom", {}).update(comment=f"please call {v} after 6pm"),
        "attributes.custom",
    ),
    ("custom key", lambda a, v: a.setdefault("custom", {}).update({v: 1}), "attributes.custom"),
    (
        "field name",
        lambda a, v: a["behaviour"]["fields"][1].update(name=v),
        "attributes.behaviour.fields.1.name",
    ),
    (
        "renderer",
        lambda a, v: a["device"].update(webgl_renderer=f"ANGLE ({v})"),
        "attributes.device.webgl_renderer",
    ),
    (
        "language list",
        lambda a, v: a["software"].update(languages=["en", v]),
        "attributes.software.languages.1",
    ),
    ("unknown field", lambda a, v: a["device"].update(owner=v), "attributes.device"),
    (
        "referrer",
        lambda a, v: a["behaviour"].update(referrer_host=v),
        "attributes.behaviour.referrer_host",
    ),
]


def _body(sid: str, attrs: dict[str, Any]) -> bytes:
    return msgspec.json.encode(
        {"session_id": sid, "site_key": "demo_site", "channel": "web", "attributes": attrs}
    )


async def _post(svc: Running, body: bytes) -> Any:
    return await svc.client.post(
        "/v1/collect", content=body, headers={"Content-Type": "application/json", "Origin": ORIGIN}
    )


async def test_identifiers_anywhere_are_refused_and_nothing_is_stored(svc: Running) -> None:
    cases = 0
    for kind, values in IDENTIFIERS.items():
        for value in values:
            for where, plant, field in PLACEMENTS:
                sid = await svc.session()
                attrs = web_attributes()
                plant(attrs, value)
                before = await svc.snapshot()
                r = await _post(svc, _body(sid, attrs))
                assert r.status_code == 422, (kind, where, r.text)
                error = r.json()["error"]
                assert error["code"] == "personal_data", (kind, where)
                assert error["field"] == field, (kind, where, error["field"])
                assert kind in error["message"], (kind, where, error["message"])
                assert value not in r.text
                # nothing of the payload: only the session's refusal marker (no attributes)
                after = await svc.snapshot()
                new = {k: v for k, v in after.items() if before.get(k) != v}
                assert sorted(k[:2] for k in new) == [b"s:", b"x:"], (kind, where)
                assert not any(value.encode() in v for v in after.values())
                record = await svc.service.session_record(sid)
                assert record.refused is True
                assert record.attributes is None
                cases += 1
    assert cases == 13 * len(PLACEMENTS)


async def test_a_refusal_deletes_what_the_session_collected_and_it_stays_answerable(
    svc: Running,
) -> None:
    sid = await svc.session()
    assert (await svc.collect(sid)).status_code == 202
    attrs = web_attributes()
    attrs["custom"] = {"note": "write to jane.roe@example.com"}
    r = await _post(svc, _body(sid, attrs))
    assert r.status_code == 422
    record = await svc.service.session_record(sid)
    assert record.attributes is None  # the earlier, clean payload is gone too
    assert record.refused is True
    r = await svc.score(sid)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["device_id"] is None
    assert answer["user_id"] is None
    assert [x["code"] for x in answer["reasons"]] == ["PERSONAL_DATA_REFUSED"]
    assert 0.0 < answer["score"] < 1.0
    assert (await svc.score(sid)).json() == answer  # idempotent
    # the session takes no more payloads
    r = await svc.collect(sid)
    assert r.status_code == 409
    # a fraudster cannot dodge scoring with an e-mail address in the user agent
    other = await svc.session()
    ua = web_attributes(software__user_agent="Mozilla/5.0 (jane.roe@example.com)")
    assert (await _post(svc, _body(other, ua))).status_code == 422
    assert (await svc.score(other)).json()["reasons"][0]["code"] == "PERSONAL_DATA_REFUSED"


async def test_a_scored_session_is_left_as_the_lender_saw_it(svc: Running) -> None:
    answer = await svc.flow()
    before = await svc.snapshot()
    attrs = web_attributes()
    attrs["custom"] = {"note": "write to jane.roe@example.com"}
    assert (await _post(svc, _body(answer["session_id"], attrs))).status_code == 422
    assert await svc.snapshot() == before
    assert (await svc.score(answer["session_id"])).json() == answer


async def test_document_numbers_in_fields_named_like_documents(svc: Running) -> None:
    sid = await svc.session()
    for name, value in (
        ("passport_number", "AB1234567"),
        ("snils", "112-233-445 95"),
        ("national_id", "X1234567L"),
        ("ssn", "078-05-1120"),
    ):
        attrs = web_attributes()
        attrs["custom"] = {name: value}
        r = await _post(svc, _body(sid, attrs))
        assert r.status_code == 422, (name, r.text)
        # the key is the caller's own: the field names the object that holds it
        assert r.json()["error"]["field"] == "attributes.custom"
        assert name not in r.text
        assert not any(value.encode() in v for v in (await svc.snapshot()).values())


REALISTIC = [
    web_attributes(),
    web_attributes(
        software__user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) "
        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
        software__platform="iPhone",
        device__webgl_renderer="Apple GPU",
        device__webgl_vendor="Apple Inc.",
        device__touch_points=5,
        device__screen_width=393,
        device__screen_height=852,
        device__pixel_ratio=3,
    ),
    {
        **android_attributes(),
        "apps": {"category_counts": {"credit": 1, "shopping": 7, "games": 12}},
        "custom": {
            "build_ts": 1732370000000,
            "campaign": "autumn-2026",
            "uuid": "3f2b8c1e-9d4a-4f6b-8c2e-1a7d5e9f0b3c",
            "ab_bucket": 17,
        },
    },
]


async def test_realistic_payloads_pass_untouched(svc: Running) -> None:
    for attrs in REALISTIC:
        channel = "android" if "build_fingerprint" in attrs["device"] else "web"
        sid = await svc.session()
        r = await svc.collect(sid, copy.deepcopy(attrs), channel=channel)
        assert r.status_code == 202, r.text
        stored = (await svc.service.session_record(sid)).attributes
        sent = msgspec.convert(attrs, type(stored))
        if channel == "android":
            # the platform device ID is kept only as a truncated keyed hash
            assert stored.device.device_id_hash != sent.device.device_id_hash
            assert "5f1c9a2be44d0c7a" not in msgspec.json.encode(stored).decode()
            stored = msgspec.structs.replace(
                stored, device=msgspec.structs.replace(stored.device, device_id_hash=None)
            )
            sent = msgspec.structs.replace(
                sent, device=msgspec.structs.replace(sent.device, device_id_hash=None)
            )
        assert stored == sent
        assert (await svc.score(sid)).status_code == 200


async def test_store_audit_finds_no_identifier_after_the_privacy_tests(svc: Running) -> None:
    await test_identifiers_anywhere_are_refused_and_nothing_is_stored(svc)
    await test_document_numbers_in_fields_named_like_documents(svc)
    await test_realistic_payloads_pass_untouched(svc)
    report = await audit(svc.service.stores["eu"])
    assert report.records["session"] >= 4
    assert report.strings["session"] > 100
    assert report.total_findings == 0, format_report(report)


async def test_the_audit_command_reads_a_cluster_store(
    svc: Running, request: pytest.FixtureRequest
) -> None:
    """`python -m tools.audit --store redis://...`: every region on the cluster (keys under
    a region's prefix are read as their record type), no finding after a flow."""
    if request.node.callspec.params["svc"] != "redis":
        pytest.skip("the embedded store's audit is the --data-dir one")
    await svc.flow()
    await svc.flow(site_key="demo2_site", key="demo2_key")
    seed = request.getfixturevalue("redis_cluster")
    done = await trio.run_process(
        [sys.executable, "-m", "tools.audit", "--store", seed], capture_stdout=True, check=False
    )
    assert done.returncode == 0, done.stdout
    out = done.stdout.decode()
    assert "unknown" not in out
    lines = [line for line in out.splitlines()[1:] if line[:1] != " "]
    rows = {line[:22].strip(): line[22:].split() for line in lines}
    assert int(rows["session"][0]) == 2
    assert int(rows["total"][2]) == 0
