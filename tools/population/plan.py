"""The whole population of a run: fraud campaigns first (their size is what it is), honest
applicants for the rest, then the lenders' feedback on both, in time order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from random import Random

from .applicant import Application
from .catalogue import DAY
from .fraud import PATTERNS, Pattern, fraud
from .honest import honest
from .network import Addresses
from .world import World


@dataclass(frozen=True)
class Settings:
    seed: int = 1
    applicants: int = 20_000  # sessions in all, honest and fraudulent
    days: float = 14.0
    fraud_rate: float = 0.02  # target share of fraudulent sessions
    fraud_reported: float = 0.85  # share of fraud the lenders find out about and report
    good_reported: float = 0.10  # share of honest sessions reported good (repaid)
    patterns: tuple[str, ...] = ()  # only these fraud patterns (all when empty)


def chosen(names: tuple[str, ...]) -> tuple[Pattern, ...]:
    if not names:
        return PATTERNS
    known = {p.name: p for p in PATTERNS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown fraud pattern {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(known[n] for n in names)


def population(cfg: Settings, net: Addresses) -> list[Application]:
    """Every application of the run, sorted by time, with the feedback each will get."""
    w = World(Random(cfg.seed), cfg.seed, cfg.days, net)
    bad = fraud(w, max(1, round(cfg.applicants * cfg.fraud_rate)), chosen(cfg.patterns))
    good = honest(w, max(cfg.applicants - len(bad), 0))
    apps = sorted(bad + good, key=lambda a: a.at)
    _feedback(apps, Random(cfg.seed + 1), cfg)
    return apps


def _feedback(apps: list[Application], r: Random, cfg: Settings) -> None:
    """What the lenders report, and when: most fraud within two weeks (a missed first
    payment, a victim's complaint), a sample of repaid honest loans after one to four
    weeks. A pattern may have set its own (a report that its story depends on)."""
    for a in apps:
        if a.feedback is not None:
            continue
        if a.fraud and r.random() < cfg.fraud_reported:
            a.feedback = "damage" if r.random() < 0.25 else "fraud"
            a.feedback_at = a.at + r.uniform(2, 14) * DAY
        elif not a.fraud and r.random() < cfg.good_reported:
            a.feedback = "good"
            a.feedback_at = a.at + r.uniform(7, 30) * DAY


def summary(apps: list[Application]) -> dict[str, object]:
    fraud_n = sum(a.fraud for a in apps)
    return {
        "sessions": len(apps),
        "fraud_sessions": fraud_n,
        "fraud_rate": round(fraud_n / max(len(apps), 1), 4),
        "by_pattern": dict(sorted(Counter(a.pattern for a in apps).items())),
        "by_tenant": dict(sorted(Counter(a.tenant for a in apps).items())),
        "fraud_by_tenant": dict(sorted(Counter(a.tenant for a in apps if a.fraud).items())),
        "by_channel": dict(sorted(Counter(a.channel for a in apps).items())),
        "feedback": dict(sorted(Counter(a.feedback for a in apps if a.feedback).items())),
    }
