"""The page's opt-out (engine/lifecycle/optout.py) over the real server, on both stores.
Issue 15: the applicant could erase their own fraud history with the public site key and
their page's session ID: `{"erased": 2}`, the device's score at another tenant fell from
0.93 to 0.003, and the lender's own re-score and feedback on the reported session
answered 404."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ORIGIN, Running, copy_config, tenant_setting, web_attributes

AUTH = {"demo": "demo_key", "demo2": "demo2_key", "demo3": "demo3_key"}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """demo and demo2 as established lenders (their reports weigh at other tenants)."""
    config = copy_config(tmp_path / "config")
    for tenant in ("demo", "demo2"):
        tenant_setting(config, tenant, "report_trust = 0.6")
    return config


async def _optout(svc: Running, sid: str, site: str = "demo_site") -> dict[str, int]:
    r = await svc.client.post(
        "/v1/optout", json={"session_id": sid, "site_key": site}, headers={"Origin": ORIGIN}
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _feedback(svc: Running, sid: str, label: str, tenant: str = "demo") -> int:
    r = await svc.client.post(
        "/v1/feedback",
        json={"session_id": sid, "label": label},
        headers={"Authorization": f"Bearer {AUTH[tenant]}"},
    )
    return r.status_code


async def _at(svc: Running, tenant: str) -> dict[str, object]:
    return await svc.flow(site_key=f"{tenant}_site", key=AUTH[tenant])


def _codes(answer: dict[str, object]) -> set[str]:
    return {r["code"] for r in answer["reasons"]}  # type: ignore[attr-defined]


async def test_the_self_wipe_leaves_the_evidence_at_every_tenant(svc: Running) -> None:
    """The issue's scenario: demo reports the device, the applicant opts out from demo's
    page with the reported session's ID. (Few visits of the one test fingerprint: a
    fingerprint seen often in a short time is read as a crowd, engine/devices.)"""
    reported = await _at(svc, "demo")
    sid = str(reported["session_id"])
    assert await _feedback(svc, sid, "fraud") == 202

    assert await _optout(svc, sid) == {"erased": 1}  # what the page collected in it

    # demo keeps its record: the re-score answers as before, feedback still works
    again = await svc.score(sid)
    assert again.status_code == 200, again.text
    assert again.json() == reported
    assert await _feedback(svc, sid, "damage") == 202
    # the collected attributes are gone from the session, the lender's record stays
    record = await svc.service.session_record(sid)
    assert record is not None
    assert record.attributes is None
    assert record.http_user_agent is None
    assert record.scored is not None
    assert record.label == "damage"
    assert record.opted_out
    # the report still acts at another tenant (one reporter: held in the review band)
    at_demo3 = await _at(svc, "demo3")
    assert "KNOWN_FRAUD_DEVICE" in _codes(at_demo3)
    assert 0.01 < at_demo3["score"] <= 0.3  # type: ignore[operator]
    # and in full at demo itself
    at_demo = await _at(svc, "demo")
    assert at_demo["flags"]["known_fraud_device"] is True  # type: ignore[index]
    # collection stays stopped, and a second opt-out is a no-op
    assert (await svc.collect(sid)).status_code in (404, 409)
    assert await _optout(svc, sid) == {"erased": 0}


async def test_corroborated_evidence_survives_the_self_wipe(svc: Running) -> None:
    elsewhere = await _at(svc, "demo2")
    assert await _feedback(svc, str(elsewhere["session_id"]), "fraud", "demo2") == 202
    reported = await _at(svc, "demo")
    sid = str(reported["session_id"])
    assert await _feedback(svc, sid, "fraud") == 202
    assert await _optout(svc, sid) == {"erased": 1}
    at_demo3 = await _at(svc, "demo3")
    assert at_demo3["flags"]["known_fraud_device"] is True  # type: ignore[index]
    assert at_demo3["score"] >= 0.8  # type: ignore[operator]


async def test_opting_out_of_an_unscored_session_deletes_it(svc: Running) -> None:
    sid = await svc.session()
    assert (await svc.collect(sid)).status_code == 202
    assert await _optout(svc, sid) == {"erased": 1}
    assert await svc.service.session_record(sid) is None
    assert (await svc.score(sid)).status_code == 404
    assert (await svc.collect(sid)).status_code == 404  # the tombstone: no more collection
    assert await _optout(svc, sid) == {"erased": 0}


async def test_the_persistent_session_path_keeps_the_devices_reports(svc: Running) -> None:
    """With the persistent session on (demo2), an unscored session names the device: the
    opt-out used to erase the tenant's part of it, reports and scored sessions included,
    with no lender action at all."""
    attrs = web_attributes(software__persistent_session="ps_value_from_indexeddb")
    scored = await svc.flow(attrs, site_key="demo2_site", key="demo2_key")
    assert await _feedback(svc, str(scored["session_id"]), "fraud", "demo2") == 202
    sid = await svc.session("demo2_site")
    assert (await svc.collect(sid, attrs, site_key="demo2_site")).status_code == 202
    assert await _optout(svc, sid, site="demo2_site") == {"erased": 1}  # that session only
    r = await svc.score(str(scored["session_id"]), key="demo2_key")
    assert r.status_code == 200
    assert r.json() == scored
    later = await svc.flow(attrs, site_key="demo2_site", key="demo2_key")
    assert later["flags"]["known_fraud_device"] is True
    assert later["device_id"] == scored["device_id"]


async def test_another_tenants_session_is_not_touched(svc: Running) -> None:
    theirs = await _at(svc, "demo2")
    # demo's site key with demo2's session: unknown to demo, nothing erased anywhere
    r = await svc.client.post(
        "/v1/optout",
        json={"session_id": theirs["session_id"], "site_key": "demo_site"},
        headers={"Origin": ORIGIN},
    )
    assert r.status_code == 404
    assert (await svc.score(str(theirs["session_id"]), key="demo2_key")).status_code == 200
