"""The whole flow over real HTTP on loopback, against a real RocksDB directory."""

from __future__ import annotations

import msgspec

from engine.schema import ScoreResponse
from tests.support import OPERATOR, ORIGIN, Running, web_attributes

API_FLAGS = (
    "proxy vpn tor datacenter_ip emulator virtual_machine automation timezone_mismatch "
    "language_mismatch ua_mismatch paste_in_form typing_anomaly credit_app_stacking "
    "proxy_app_installed known_fraud_device"
).split()


async def test_session_collect_score_has_every_field_and_flag(svc: Running) -> None:
    r = await svc.client.post(
        "/v1/sessions", json={"site_key": "demo_site"}, headers={"Origin": ORIGIN}
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"session_id", "expires_at", "collect"}
    assert body["expires_at"].endswith("Z")
    assert body["collect"] == {
        "typing_rhythm": False,
        "device_mac": False,
        "wifi_router_mac": False,
        "bluetooth_details": False,
        "persistent_session": False,
        "geolocation": False,
    }
    sid = body["session_id"]
    r = await svc.collect(sid)
    assert r.status_code == 202
    assert r.json()["accepted"] > 20
    assert r.json()["dropped"] == []
    r = await svc.score(sid)
    assert r.status_code == 200
    data = r.json()
    assert set(data) == {
        "session_id",
        "score",
        "device_id",
        "device_confidence",
        "user_id",
        "flags",
        "attributes",
        "reasons",
        "model_version",
    }
    msgspec.convert(data, ScoreResponse)
    assert data["session_id"] == sid
    assert 0.0 <= data["score"] <= 1.0
    assert set(API_FLAGS) <= set(data["flags"])
    assert all(isinstance(v, bool) for v in data["flags"].values())
    contributions = [x["contribution"] for x in data["reasons"]]
    assert contributions == sorted(contributions, reverse=True)


async def test_score_is_idempotent_and_device_is_recognised(svc: Running) -> None:
    sid = await svc.session()
    assert (await svc.collect(sid)).status_code == 202
    first = (await svc.score(sid)).json()
    again = (await svc.score(sid)).json()
    assert first == again
    second = await svc.flow()
    assert second["device_id"] == first["device_id"]
    assert second["device_confidence"] > first["device_confidence"]
    assert first["device_confidence"] == 0.0


async def test_webdriver_session_scores_higher_with_reason(svc: Running) -> None:
    clean = await svc.flow()
    bot = await svc.flow(web_attributes(software__webdriver=True))
    assert bot["flags"]["automation"] is True
    assert clean["flags"]["automation"] is False
    assert bot["score"] > clean["score"]
    assert "AUTOMATION_WEBDRIVER" in [r["code"] for r in bot["reasons"]]


async def test_device_ids_are_tenant_scoped(svc: Running) -> None:
    a = await svc.flow()
    b = await svc.flow(site_key="demo2_site", key="demo2_key")
    assert a["device_id"] != b["device_id"]
    # demo2's second look at the same device sees one other client in its history
    assert b["attributes"].get("device_other_clients", 1) >= 1


async def test_tenant_cannot_read_another_tenants_session(svc: Running) -> None:
    sid = await svc.session()
    assert (await svc.collect(sid)).status_code == 202
    r = await svc.score(sid, key="demo2_key")
    assert r.status_code == 404
    assert r.json()["error"]["field"] == "session_id"
    r = await svc.client.post(
        "/v1/feedback",
        json={"session_id": sid, "label": "fraud"},
        headers={"Authorization": "Bearer demo2_key"},
    )
    assert r.status_code == 404


async def test_feedback_marks_device_as_known_fraud(svc: Running) -> None:
    first = await svc.flow()
    auth = {"Authorization": "Bearer demo_key"}
    r = await svc.client.post(
        "/v1/feedback", json={"session_id": first["session_id"], "label": "fraud"}, headers=auth
    )
    assert r.status_code == 202
    assert r.json() == {"session_id": first["session_id"], "label": "fraud"}
    later = await svc.flow()
    assert later["device_id"] == first["device_id"]
    assert later["flags"]["known_fraud_device"] is True
    assert later["score"] > first["score"]


async def test_feedback_before_score_is_a_conflict(svc: Running) -> None:
    sid = await svc.session()
    r = await svc.client.post(
        "/v1/feedback",
        json={"session_id": sid, "label": "good"},
        headers={"Authorization": "Bearer demo_key"},
    )
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "session_id"


async def test_score_before_collect_is_a_conflict(svc: Running) -> None:
    sid = await svc.session()
    r = await svc.score(sid)
    assert r.status_code == 409
    assert "collect" in r.json()["error"]["message"]


async def test_erasure_by_session(svc: Running) -> None:
    data = await svc.flow()
    auth = {"Authorization": "Bearer demo_key"}
    r = await svc.client.post("/v1/erasure", json={"session_id": data["session_id"]}, headers=auth)
    assert r.json() == {"deleted": 1}
    assert (await svc.score(data["session_id"])).status_code == 404
    r = await svc.client.post("/v1/erasure", json={"session_id": data["session_id"]}, headers=auth)
    assert r.json() == {"deleted": 0}


async def test_erasure_by_device_removes_every_session_and_the_profile(svc: Running) -> None:
    one = await svc.flow()
    two = await svc.flow()
    other_tenant = await svc.flow(site_key="demo2_site", key="demo2_key")
    assert one["device_id"] == two["device_id"]
    auth = {"Authorization": "Bearer demo_key"}
    r = await svc.client.post("/v1/erasure", json={"device_id": one["device_id"]}, headers=auth)
    assert r.status_code == 200
    assert r.json() == {"deleted": 2}
    for sid in (one["session_id"], two["session_id"]):
        assert (await svc.score(sid)).status_code == 404
    # the other tenant's own session stays, and its evidence on the device: the device is
    # known again, but under a new ID at this tenant (its old one was erased)
    assert (await svc.score(other_tenant["session_id"], key="demo2_key")).status_code == 200
    fresh = await svc.flow()
    assert fresh["device_id"] != one["device_id"]
    again = await svc.score(other_tenant["session_id"], key="demo2_key")
    assert again.json()["device_id"] == other_tenant["device_id"]
    keys = (await svc.snapshot()).keys()
    for sid in (one["session_id"], two["session_id"]):
        # only a tombstone (until the token expires) keeps a later collect from reviving it
        left = [k for k in keys if svc.sh(sid).encode() in k]
        assert sorted(k[:2] for k in left) == [b"t:", b"x:"]
        assert not any(sid.encode() in k + v for k, v in (await svc.snapshot()).items())


async def test_erasure_needs_exactly_one_identifier(svc: Running) -> None:
    auth = {"Authorization": "Bearer demo_key"}
    for body in ({}, {"session_id": "a", "device_id": "b"}):
        r = await svc.client.post("/v1/erasure", json=body, headers=auth)
        assert r.status_code == 422
        assert "exactly one" in r.json()["error"]["message"]


async def test_attribute_catalogue_is_per_tenant(svc: Running) -> None:
    r1 = await svc.client.get("/v1/attributes", headers={"Authorization": "Bearer demo_key"})
    r2 = await svc.client.get("/v1/attributes", headers={"Authorization": "Bearer demo2_key"})
    one = {a["name"]: a for a in r1.json()}
    two = {a["name"]: a for a in r2.json()}
    assert set(one) == set(two)
    for item in r1.json():
        assert set(item) >= {"name", "category", "type", "description", "optional", "enabled"}
    assert one["behaviour.keystroke_intervals_ms"]["optional"] is True
    assert one["behaviour.keystroke_intervals_ms"]["enabled"] is False
    assert two["behaviour.keystroke_intervals_ms"]["enabled"] is True
    assert one["device.screen_width"] == {
        **one["device.screen_width"],
        "optional": False,
        "enabled": True,
        "type": "integer",
    }


async def test_operations_endpoints(svc: Running) -> None:
    assert (await svc.client.get("/healthz")).status_code == 200
    ready = (await svc.client.get("/readyz")).json()
    assert ready["status"] == "ready"
    assert ready["ip_data"]["built"]  # the IP data's build date
    await svc.flow()
    metrics = (await svc.client.get("/metrics", headers=OPERATOR)).text
    assert 'anonscore_http_requests_total{endpoint="score",status="200"}' in metrics
    assert "anonscore_ready 1.0" in metrics
    assert "anonscore_ip_data_age_days " in metrics
    doc = (await svc.client.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    assert {
        "/v1/sessions",
        "/v1/collect",
        "/v1/score",
        "/v1/feedback",
        "/v1/erasure",
        "/v1/attributes",
    } <= set(doc["paths"])
    assert "ScoreResponse" in doc["components"]["schemas"]


async def test_cors_preflight_for_allowed_origin_only(svc: Running) -> None:
    r = await svc.client.options(
        "/v1/collect", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    r = await svc.client.options(
        "/v1/collect",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in r.headers


async def test_forwarded_for_is_trusted_from_loopback_only(svc: Running) -> None:
    sid = await svc.session()
    r = await svc.collect(sid, headers={"X-Forwarded-For": "10.0.0.1, 8.8.8.8"})
    assert r.status_code == 202
    record = await svc.service.session_record(sid)
    assert record.ip_prefix == "8.8.8.0/24"


async def test_rendering_hashes_may_be_numbers(svc: Running) -> None:
    # collectors built on other libraries send 32-bit canvas hashes and audio sums as numbers
    attrs = web_attributes(
        device__canvas_hash=-1254785632,
        device__audio_hash=124.04347527516,
        device__fonts_hash=1457896325,
    )
    first = await svc.flow(attrs)
    assert (await svc.flow(attrs))["device_id"] == first["device_id"]


async def test_console_page_shows_aggregates_only(svc: Running) -> None:
    bot = await svc.flow(web_attributes(software__webdriver=True))
    await svc.score("unknown-session")
    r = await svc.client.get("/console", headers=OPERATOR)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "ready" in page
    assert "automation" in page  # flags raised
    assert "not_found" in page  # errors by code
    assert "score" in page
    assert bot["session_id"] not in page
    assert bot["device_id"] not in page
    assert "demo_site" not in page


async def test_catalogue_documents_every_attribute_a_score_returns(svc: Running) -> None:
    scored = await svc.flow()
    r = await svc.client.get("/v1/attributes", headers={"Authorization": "Bearer demo_key"})
    listed = {a["name"]: a for a in r.json()}
    for name in scored["attributes"]:
        assert name in listed, f"{name} is returned by /v1/score but not in the catalogue"
        assert listed[name]["category"].startswith("Score attribute")
        assert listed[name]["description"]
        assert listed[name]["enabled"] is True


async def test_a_disabled_plugin_is_off_in_the_catalogue_and_the_answer(svc: Running) -> None:
    from engine.runtime.reloading import reload

    path = svc.handle.opts.config_dir / "tenants.toml"
    path.write_text(path.read_text() + "\n[tenants.demo.plugins.behaviour]\nenabled = false\n")
    assert reload(svc.handle.state, svc.handle.opts.config_dir, svc.handle.host) is True
    r = await svc.client.get("/v1/attributes", headers={"Authorization": "Bearer demo_key"})
    listed = {a["name"]: a for a in r.json()}
    assert listed["chars_typed_total"]["enabled"] is False
    assert listed["ua_browser"]["enabled"] is True
    scored = await svc.flow()
    assert "chars_typed_total" not in scored["attributes"]
    assert scored["flags"]["paste_in_form"] is False
