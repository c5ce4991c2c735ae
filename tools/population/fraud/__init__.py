"""The fraud patterns: a registry of generator functions, one per pattern.

Each generator takes the `World` and a budget of fraudulent sessions, and returns about
that many applications (whole campaigns: a little more rather than less; a pattern may
also return the honest sessions that precede its fraud, labelled honest). Its docstring
says what the fraudster does and which signals a real service could see; `weight` is the
pattern's share of fraud. Adding a pattern is one function and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..applicant import Application
from ..world import World
from .automation import form_filler, ip_velocity, spoofed_ua_bot
from .disguise import (
    antidetect_browser,
    ato_abroad,
    residential_proxy,
    sim_mismatch,
    tor_user,
    vpn_fraud,
)
from .farms import device_reset, emulator_farm, rooted_phone, vm_farm
from .history import bust_out, credit_stacking, known_fraud_device, synthetic_identity

Generator = Callable[[World, int], list[Application]]


class Pattern(NamedTuple):
    name: str
    weight: float
    make: Generator

    @property
    def doc(self) -> str:
        return " ".join((self.make.__doc__ or "").split())


PATTERNS: tuple[Pattern, ...] = tuple(
    Pattern(f.__name__, weight, f)
    for f, weight in (
        (emulator_farm, 10),
        (vm_farm, 5),
        (antidetect_browser, 8),
        (residential_proxy, 8),
        (credit_stacking, 9),
        (form_filler, 8),
        (ato_abroad, 6),
        (synthetic_identity, 8),
        (spoofed_ua_bot, 6),
        (device_reset, 5),
        (tor_user, 3),
        (rooted_phone, 4),
        (sim_mismatch, 4),
        (known_fraud_device, 5),
        (ip_velocity, 6),
        (vpn_fraud, 5),
        (bust_out, 4),
    )
)


def fraud(w: World, n: int, patterns: tuple[Pattern, ...] = PATTERNS) -> list[Application]:
    """About `n` fraudulent sessions, shared among `patterns` by weight (each pattern gets
    at least one campaign)."""
    total = sum(p.weight for p in patterns)
    out: list[Application] = []
    for p in patterns:
        out.extend(p.make(w, max(1, round(n * p.weight / total))))
    return out


__all__ = ["PATTERNS", "Generator", "Pattern", "fraud"]
