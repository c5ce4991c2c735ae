"""engine/sessions/collect.py: the record a collect makes, its counters, and the refusal
marker, on a RocksDB store in tmp_path (through Service.collect, and the ops directly)."""

from __future__ import annotations

from engine.schema import SessionRecord
from engine.sessions import collect as collecting
from engine.sessions.facts import ClientFacts
from engine.store import WriteSet, transact
from engine.store.keys import DAY, State
from tests.sessions.support import Domain
from tests.support import ORIGIN, web_attributes


async def record_of(domain: Domain, sid: str) -> SessionRecord:
    record = await domain.service.session_record(sid)
    assert record is not None
    return record


async def test_collect_makes_the_record(domain: Domain) -> None:
    sid = domain.session()
    answer = await domain.collect(sid)
    record = await record_of(domain, sid)
    assert record.tenant == "demo"
    assert record.channel == "web"
    assert record.collected_at == domain.now
    assert record.scored is None
    assert not record.refused
    assert record.attributes is not None
    assert answer.accepted == collecting.count_attributes(record.attributes)
    retention = domain.service.runtime.config.service.unscored_retention_days
    assert record.purge_at == domain.now + retention * DAY
    assert record.ip_prefix is not None
    assert "81.2.69.160" not in record.ip_prefix


async def test_a_later_collect_replaces_the_payload(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    domain.now += 30
    await domain.collect(sid, web_attributes(device__screen_width=2560))
    record = await record_of(domain, sid)
    assert record.attributes is not None
    assert record.attributes.device.screen_width == 2560
    assert record.collected_at == domain.now


async def test_ip_counted_once_per_session(domain: Domain) -> None:
    first = domain.session()
    await domain.collect(first)
    await domain.collect(first)  # the same session again: not a new visit
    assert (await record_of(domain, first)).ip_velocity_h24 == 1
    second = domain.session()
    await domain.collect(second)
    assert (await record_of(domain, second)).ip_velocity_h24 == 2


async def test_header_with_an_identifier_is_withheld(domain: Domain) -> None:
    sid = domain.session()
    body = domain.body(sid)
    client = ClientFacts(origin=ORIGIN, user_agent="crawler (mailto:jane.roe@example.com)")
    await domain.service.collect(body, client, domain.now)
    record = await record_of(domain, sid)
    assert record.http_user_agent is None
    assert record.http_withheld == ["user-agent"]
    rows = await domain.snapshot()
    assert not any(b"jane.roe" in v for v in rows.values())


def test_header_evidence_keeps_the_payloads_own_user_agent() -> None:
    ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
    kept, withheld = collecting.header_evidence(ua, None, '"Linux"', ua)
    assert kept == {"user-agent": ua, "sec-ch-ua-platform": '"Linux"'}
    assert withheld == []
    kept, _ = collecting.header_evidence(None, None, None, ua)
    assert kept == {"user-agent": ""}  # no User-Agent sent is itself evidence


async def test_refuse_op_leaves_a_scored_session_sealed(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    await domain.score(sid)
    tenant, sh, cfg = domain.tenant(), domain.sh(sid), domain.service.runtime.config.service
    info = domain.service.session_ref(tenant, sid)
    store = domain.service.stores["eu"]
    _, writes = await transact(
        store,
        lambda view: (
            collecting.refuse_op(
                State(view), tenant, sh, info.issued_at, info.expires_at, cfg, domain.now
            ),
            WriteSet(),
        ),
    )
    assert not writes.puts
    assert not writes.deletes
    assert (await record_of(domain, sid)).scored is not None


async def test_refuse_op_after_expiry_writes_nothing(domain: Domain) -> None:
    sid = domain.session()
    tenant, sh, cfg = domain.tenant(), domain.sh(sid), domain.service.runtime.config.service
    info = domain.service.session_ref(tenant, sid)
    store = domain.service.stores["eu"]
    later = info.expires_at + 1
    _, writes = await transact(
        store,
        lambda view: (
            collecting.refuse_op(
                State(view), tenant, sh, info.issued_at, info.expires_at, cfg, later
            ),
            WriteSet(),
        ),
    )
    assert not writes.puts
    assert not writes.deletes
    assert await domain.snapshot() == {}
