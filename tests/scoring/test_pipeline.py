"""engine/scoring/pipeline.py: scoring a collected session on a RocksDB store in tmp_path,
without HTTP (the session made by Service.collect, then score_session on the store)."""

from __future__ import annotations

from engine.flags import FLAG_NAMES
from engine.schema import ScoreResponse
from engine.scoring.pipeline import ENGINE_ATTRIBUTES, score_session
from engine.store import WriteSet, transact
from engine.store.keys import State, session_key
from tests.sessions.support import Domain
from tests.support import web_attributes


async def dry_score(domain: Domain, sid: str) -> tuple[ScoreResponse, WriteSet]:
    """score_session on the stored record, its writes returned, not applied."""
    svc, sh, tenant = domain.service, domain.sh(sid), domain.tenant()

    def op(view: object) -> tuple[tuple[ScoreResponse, WriteSet], WriteSet]:
        st = State(view)  # type: ignore[arg-type]
        record = st.session(sh)
        assert record is not None
        answer, w, shadow = score_session(
            st, svc.keys, svc.host, svc.runtime, tenant, sh, record, domain.now
        )
        assert shadow is None  # no shadow model in config/
        return (answer, w), WriteSet()

    return await transact(svc.stores["eu"], op)


async def test_answer_shape(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    answer, writes = await dry_score(domain, sid)
    assert answer.session_id == ""  # the token is the caller's to put in, never stored
    assert set(answer.flags) == set(FLAG_NAMES)
    assert set(ENGINE_ATTRIBUTES) <= set(answer.attributes)
    assert answer.attributes["channel"] == "web"
    assert answer.model_version == domain.service.runtime.model.version
    assert all(r.code in domain.service.runtime.model.codes for r in answer.reasons)
    assert not any(sid.encode() in v for v in writes.puts.values())
    assert not any(sid.encode() in k for k in writes.puts)


async def test_score_session_only_reads(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    before = await domain.snapshot()
    first, w1 = await dry_score(domain, sid)
    second, w2 = await dry_score(domain, sid)
    assert await domain.snapshot() == before  # the caller applies the writes, not it
    assert first.score == second.score
    assert first.reasons == second.reasons
    # a new device's key is drawn at random each time; the session's own key is the same
    assert session_key(domain.sh(sid)) in set(w1.puts) & set(w2.puts)


async def test_same_device_is_linked(domain: Domain) -> None:
    ids = []
    for _ in range(2):
        sid = domain.session()
        await domain.collect(sid)
        ids.append((await domain.score(sid)).device_id)
        domain.now += 3600
    assert ids[0] is not None
    assert ids[0] == ids[1]
    other = domain.session()
    await domain.collect(
        other,
        web_attributes(
            device__canvas_hash="0" * 64,
            device__webgl_renderer="ANGLE (Intel, Intel(R) UHD Graphics 620 Direct3D11)",
            device__screen_width=1366,
            device__screen_height=768,
        ),
    )
    assert (await domain.score(other)).device_id not in (None, ids[0])


async def test_automation_raises_the_score(domain: Domain) -> None:
    clean = domain.session()
    await domain.collect(clean)
    bot = domain.session()
    await domain.collect(bot, web_attributes(software__webdriver=True))
    clean_answer, _ = await dry_score(domain, clean)
    bot_answer, _ = await dry_score(domain, bot)
    assert bot_answer.score > clean_answer.score
    assert set(r.code for r in bot_answer.reasons) - set(r.code for r in clean_answer.reasons)


async def test_first_score_writes_the_session_and_device(domain: Domain) -> None:
    sid = domain.session()
    await domain.collect(sid)
    answer, writes = await dry_score(domain, sid)
    st_keys = set(writes.puts)
    assert session_key(domain.sh(sid)) in st_keys
    assert len(st_keys) > 3  # device, events, index, counters besides the session
    assert answer.device_id
