"""A session whose payload carried personal data: what the score answers for it.

The collect that carried the identifier was refused whole and what the session collected
before was deleted (engine/sessions/collect.py `refuse_op`); the session stays answerable:
its score is the model's score of the one reason PERSONAL_DATA_REFUSED, with no device and
no user, kept so that it stays the same."""

from __future__ import annotations

import msgspec

from engine.config import Tenant
from engine.flags import FLAG_NAMES
from engine.schema import ScoreResponse, ScoreResult, SessionRecord
from engine.scoring.model import Runtime
from engine.store import WriteSet
from engine.store.keys import DAY, State

REFUSED = "PERSONAL_DATA_REFUSED"  # the reason code of a session whose data was refused


def refused_answer(
    runtime: Runtime, tenant: Tenant, sh: str, record: SessionRecord, now: float
) -> tuple[tuple[ScoreResponse, float | None], WriteSet]:
    """The answer for a session whose data was refused, and the write that seals it."""
    strengths = {REFUSED: 1.0}
    score, reasons = runtime.model.score(strengths)
    response = ScoreResponse(
        session_id="",
        score=score,
        device_id=None,
        device_confidence=0.0,
        user_id=None,
        flags=dict.fromkeys(FLAG_NAMES, False),
        attributes={"channel": None, "ip_country": None, "ip_asn": None, "ip_asn_name": None},
        reasons=reasons,
        model_version=runtime.model.version,
    )
    new = msgspec.structs.replace(
        record,
        scored=ScoreResult(response=response, collected_at=now, strengths=strengths),
        purge_at=now + tenant.retention_days * DAY,
    )
    w = WriteSet()
    State.put_session(w, sh, record, new)
    return (response, None), w
