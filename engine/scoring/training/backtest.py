"""`anonscore backtest PLUGIN`: a rule over the stored sessions, measured against feedback.

For a rule author, before turning a rule on: the plugin's rules run over every scored
session in the store (read-only: live traffic is not touched), enabled for the tenant or
not, with every extractor's features beside them. Each hit is compared with the session's
label (fraud or damage: positive; good, or no report after the performance window:
negative). The context a rule sees is the session's own facts; the velocity and device
history counters of the moment it was scored are not kept, so rules that read them are
measured without them (the report says so).
"""

from __future__ import annotations

from collections import Counter

import msgspec

from engine.config import Config
from engine.features import CollectedSession, Context
from engine.scoring.plugin_host import PluginHost
from engine.scoring.training.data import DAY, label_of, stored_sessions
from engine.store import KeyValueStore
from engine.store.keys import tag_of


class RuleFigures(msgspec.Struct):
    code: str
    flag: str | None
    hits: int
    hits_positive: int
    precision: float | None
    recall: float | None


class BacktestReport(msgspec.Struct):
    plugin: str
    sessions: int
    positives: int
    negatives: int
    unlabelled: int
    rules: list[RuleFigures]
    any_hit: RuleFigures


async def backtest(
    store: KeyValueStore,
    host: PluginHost,
    config: Config,
    plugin: str,
    now: float,
    *,
    assume_good_after_days: float = 14.0,
    batch: int = 2000,
) -> BacktestReport:
    if plugin not in host.names:
        raise ValueError(f"no plugin named '{plugin}'; known: {', '.join(sorted(host.names))}")
    horizon = now - assume_good_after_days * DAY
    hits: Counter[tuple[str, str | None]] = Counter()
    hits_pos: Counter[tuple[str, str | None]] = Counter()
    any_hit = any_pos = sessions = positives = negatives = unlabelled = 0
    async for key, record in stored_sessions(store, batch):
        if record is None:
            continue
        tenant = config.tenants.get(record.tenant)
        if record.scored is None or record.attributes is None or tenant is None:
            continue
        labelled = label_of(record, horizon)
        if labelled is None:
            unlabelled += 1
            continue
        positive = labelled[0] == 1.0
        sessions += 1
        positives += positive
        negatives += not positive
        session = CollectedSession.from_record(tag_of(key), record)
        context = Context(now=record.collected_at or now, device_key="backtest")
        _, fired = host.run(session, context, tenant, only=plugin)
        seen = {(hit.code, hit.flag) for hit, _ in fired}
        for rule in seen:
            hits[rule] += 1
            hits_pos[rule] += positive
        if seen:
            any_hit += 1
            any_pos += positive

    def figures(code: str, flag: str | None, n: int, n_pos: int) -> RuleFigures:
        return RuleFigures(
            code=code,
            flag=flag,
            hits=n,
            hits_positive=n_pos,
            precision=n_pos / n if n else None,
            recall=n_pos / positives if positives else None,
        )

    rules = [figures(c, f, n, hits_pos[(c, f)]) for (c, f), n in hits.most_common()]
    return BacktestReport(
        plugin=plugin,
        sessions=sessions,
        positives=positives,
        negatives=negatives,
        unlabelled=unlabelled,
        rules=rules,
        any_hit=figures("(any)", None, any_hit, any_pos),
    )
