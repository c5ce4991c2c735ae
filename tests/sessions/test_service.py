"""engine/sessions/service.py without HTTP: the operations on a RocksDB store in tmp_path."""

from __future__ import annotations

import pytest

from engine.errors import Conflict, Gone, NotFound, PersonalData
from engine.sessions.facts import ClientFacts
from engine.sessions.refusal import REFUSED
from tests.sessions.support import Domain
from tests.support import ORIGIN, web_attributes


async def test_session_collect_score(domain: Domain) -> None:
    sid = domain.session()
    assert await domain.stored(sid) == {"eu": None, "us": None, "apac": None}  # token only
    collected = await domain.collect(sid)
    assert collected.accepted > 10
    answer = await domain.score(sid)
    assert answer.session_id == sid
    assert 0 <= answer.score <= 100
    assert answer.device_id
    record = await domain.service.session_record(sid)
    assert record is not None
    assert record.scored is not None
    assert record.tenant == "demo"


async def test_repeated_score_is_idempotent(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    first = await domain.score(sid)
    before = await domain.snapshot()
    domain.now += 600
    again = await domain.score(sid)
    assert again == first
    assert await domain.snapshot() == before  # nothing written by the second score


async def test_scored_session_is_sealed(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    await domain.score(sid)
    with pytest.raises(Conflict):
        await domain.collect(sid, web_attributes(device__screen_width=800))


async def test_score_before_collect_is_a_conflict(domain: Domain) -> None:
    sid = domain.session()
    with pytest.raises(Conflict) as caught:
        await domain.score(sid)
    assert caught.value.field == "session_id"


async def test_another_tenants_session_is_unknown(domain: Domain) -> None:
    sid = domain.session("demo2")
    await domain.collect(sid, tenant_id="demo2")
    with pytest.raises(NotFound):
        await domain.score(sid, tenant_id="demo")
    with pytest.raises(NotFound):
        await domain.service.feedback(domain.tenant("demo"), sid, "fraud")
    erased = await domain.service.erase_session(domain.tenant("demo"), sid)
    assert erased.deleted == 0
    assert (await domain.score(sid, tenant_id="demo2")).session_id == sid  # still there


async def test_forged_token_is_unknown(domain: Domain) -> None:
    sid = domain.session()
    forged = sid[:-4] + ("AAAA" if not sid.endswith("AAAA") else "BBBB")
    with pytest.raises(NotFound):
        await domain.collect(forged)
    with pytest.raises(NotFound):
        await domain.score(forged)
    assert await domain.snapshot() == {}


async def test_expired_token(domain: Domain) -> None:
    sid = domain.session()
    domain.now += domain.service.runtime.config.service.session_ttl_s + 1
    with pytest.raises(Gone):
        await domain.collect(sid)
    with pytest.raises(NotFound):  # never collected, and past its time
        await domain.score(sid)
    assert await domain.snapshot() == {}


async def test_personal_data_refused(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)  # a clean payload first: it goes too
    attrs = web_attributes()
    attrs["custom"] = {"note": "write to jane.roe@example.com"}
    with pytest.raises(PersonalData) as caught:
        await domain.collect(sid, attrs)
    assert "jane" not in caught.value.message
    record = await domain.service.session_record(sid)
    assert record is not None
    assert record.refused
    assert record.attributes is None
    rows = await domain.snapshot()
    assert not any(b"jane.roe" in k or b"jane.roe" in v for k, v in rows.items())
    answer = await domain.score(sid)
    assert [r.code for r in answer.reasons] == [REFUSED]
    assert answer.device_id is None
    assert answer.user_id is None
    with pytest.raises(Conflict):  # no more payloads
        await domain.collect(sid)


async def test_personal_data_in_a_new_session_stores_nothing_but_the_marker(
    domain: Domain,
) -> None:
    sid = domain.session()
    with pytest.raises(PersonalData):
        await domain.collect(sid, web_attributes(software__user_agent="Mozilla/5.0 (a@b.org)"))
    rows = await domain.snapshot()
    assert not any(b"a@b.org" in v for v in rows.values())
    assert [r.code for r in (await domain.score(sid)).reasons] == [REFUSED]


async def test_feedback(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    tenant = domain.tenant()
    with pytest.raises(Conflict):  # not scored yet
        await domain.service.feedback(tenant, sid, "fraud")
    await domain.score(sid)
    answer = await domain.service.feedback(tenant, sid, "fraud")
    assert (answer.session_id, answer.label) == (sid, "fraud")
    record = await domain.service.session_record(sid)
    assert record is not None
    assert record.label == "fraud"
    before = await domain.snapshot()
    await domain.service.feedback(tenant, sid, "fraud")  # the same label again: no change
    assert await domain.snapshot() == before
    await domain.service.feedback(tenant, sid, "good")  # a corrected label replaces it
    record = await domain.service.session_record(sid)
    assert record is not None
    assert record.label == "good"


async def test_erase_session(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    await domain.score(sid)
    tenant = domain.tenant()
    assert (await domain.service.erase_session(tenant, sid)).deleted == 1
    assert await domain.service.session_record(sid) is None
    with pytest.raises(NotFound):  # the tombstone keeps it from coming back
        await domain.collect(sid)
    with pytest.raises(NotFound):
        await domain.score(sid)
    assert (await domain.service.erase_session(tenant, sid)).deleted == 0  # idempotent


async def test_erase_device(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    device = (await domain.score(sid)).device_id
    assert device is not None
    tenant = domain.tenant()
    assert (await domain.service.erase_device(tenant, device)).deleted >= 1
    assert await domain.service.session_record(sid) is None
    assert (await domain.service.erase_device(tenant, device)).deleted == 0


async def test_optout(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    client = ClientFacts(origin=ORIGIN)
    answer = await domain.service.optout({"session_id": sid, "site_key": "demo_site"}, client)
    assert answer.erased
    assert await domain.service.session_record(sid) is None
    with pytest.raises(NotFound):  # collection stops
        await domain.collect(sid)
