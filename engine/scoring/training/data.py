"""Stored sessions as training rows: the rule strengths they were scored on, and a label.

Labels come from feedback: `fraud` and `damage` are 1, `good` is 0. Lenders report fraud
and rarely report good outcomes, so a scored session with no feedback after
`assume_good_after_days` counts as good (the usual performance window: a fraud is found
within weeks), and one scored more recently is left out, still open. Without that rule
the honest sessions in the data would be the few reported good, and the fitted score
would not be a probability at the real base rate.

The strengths are the ones the kernel saw (`ScoreResult.strengths`, strength times the
tenant's plugin weight). A session scored before strengths were stored has them rebuilt
from its reasons when its model version is the one given (contribution / weight);
otherwise it is left out and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import msgspec
import numpy as np
import numpy.typing as npt

from engine.schema import SessionRecord
from engine.scoring.model import ScoringModel
from engine.store import KeyValueStore
from engine.store.keys import decode

DAY = 86_400.0
POSITIVE = frozenset({"fraud", "damage"})


class Dataset(msgspec.Struct):
    codes: list[str]
    x: npt.NDArray[np.float64]  # rows x codes: strengths
    y: npt.NDArray[np.float64]  # 1 fraud/damage, 0 good
    at: npt.NDArray[np.float64]  # when each session was collected
    tenants: list[str]
    scores: npt.NDArray[np.float64]  # the live score each got
    counts: dict[str, int]  # rows by how they were labelled, and what was left out


async def stored_sessions(
    store: KeyValueStore, batch: int = 2000
) -> AsyncIterator[tuple[bytes, SessionRecord | None]]:
    """Every stored session with its key, page by page; None where a record does not
    decode."""
    start: bytes | None = None
    while True:
        page = await store.scan(b"s:", start=start, limit=batch)
        for key, raw in page:
            try:
                record: SessionRecord | None = decode(raw, SessionRecord)
            except msgspec.DecodeError:
                record = None
            yield key, record
        if len(page) < batch:
            return
        start = page[-1][0] + b"\0"


def label_of(record: SessionRecord, horizon: float) -> tuple[float, str] | None:
    """(label, why): 1 for reported fraud or damage, 0 for a good report or for no report
    on a session collected by `horizon` (the end of the performance window); None for a
    session still open."""
    if record.label in POSITIVE:
        return 1.0, f"labelled {record.label}"
    if record.label == "good":
        return 0.0, "labelled good"
    if record.collected_at is not None and record.collected_at <= horizon:
        return 0.0, "assumed good (no report)"
    return None


def strengths_of(record: SessionRecord, model: ScoringModel) -> dict[str, float] | None:
    scored = record.scored
    if scored is None:
        return None
    if scored.strengths is not None:
        return dict(scored.strengths)
    if scored.response.model_version != model.version:
        return None
    out: dict[str, float] = {}
    for reason in scored.response.reasons:
        i = model.index.get(reason.code)
        if i is None or model.weights[i] == 0:
            return None
        out[reason.code] = reason.contribution / float(model.weights[i])
    return out


async def load_dataset(
    store: KeyValueStore,
    model: ScoringModel,
    now: float,
    *,
    assume_good_after_days: float = 14.0,
    batch: int = 2000,
) -> Dataset:
    """Every scored session of the store as a row, labelled as the module says."""
    rows: list[dict[str, float]] = []
    labels: list[float] = []
    times: list[float] = []
    tenants: list[str] = []
    live: list[float] = []
    counts: Counter[str] = Counter()
    horizon = now - assume_good_after_days * DAY
    async for _, record in stored_sessions(store, batch):
        if record is None:
            counts["undecodable"] += 1
            continue
        if record.scored is None or record.collected_at is None:
            counts["not scored"] += 1
            continue
        labelled = label_of(record, horizon)
        if labelled is None:
            counts["too recent, no report"] += 1
            continue
        label, why = labelled
        strengths = strengths_of(record, model)
        if strengths is None:
            counts["scored by another model"] += 1
            continue
        counts[why] += 1
        rows.append(strengths)
        labels.append(label)
        times.append(record.collected_at)
        tenants.append(record.tenant)
        live.append(record.scored.response.score)
    codes = sorted(set(model.codes) | {c for row in rows for c in row})
    index = {c: j for j, c in enumerate(codes)}
    x = np.zeros((len(rows), len(codes)), dtype=np.float64)
    for i, row in enumerate(rows):
        for code, value in row.items():
            x[i, index[code]] = value
    return Dataset(
        codes=codes,
        x=x,
        y=np.array(labels, dtype=np.float64),
        at=np.array(times, dtype=np.float64),
        tenants=tenants,
        scores=np.array(live, dtype=np.float64),
        counts=dict(counts),
    )
