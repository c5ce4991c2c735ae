"""What every generator draws from: one seeded random stream, the run's calendar, the
lenders and the client addresses, and a device factory built on `tools.drift`'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from .catalogue import COUNTRIES, DAY, LENDERS, T0, Lender, country_indices
from .devices import SimDevice, new_device
from .network import Addresses

DESKTOP_KINDS = {"win_desktop": 30, "win_laptop": 36, "mac": 28, "linux": 6}
MOBILE_KINDS = {"android": 52, "iphone": 40, "ipad": 8}


@dataclass
class World:
    rng: Random
    seed: int
    days: float
    net: Addresses
    lenders: tuple[Lender, ...] = LENDERS
    next_id: int = field(default=0)

    # -- calendar --------------------------------------------------------------------------

    def when(self, start: float = 0.0, span: float | None = None) -> float:
        """A moment `start` .. `start + span` days into the run (clamped to it)."""
        span = self.days - start if span is None else span
        t = T0 + (start + self.rng.uniform(0, max(span, 0))) * DAY
        return min(max(t, T0), T0 + self.days * DAY - 1)

    # -- lenders ---------------------------------------------------------------------------

    def lender(self) -> Lender:
        return self.rng.choices(self.lenders, [x.share for x in self.lenders])[0]

    def serving(self, code: str) -> list[Lender]:
        return [x for x in self.lenders if code in x.markets]

    def others(self, code: str, taken: list[Lender], n: int) -> list[Lender]:
        """Up to `n` more lenders serving `code` that are not in `taken`."""
        rest = [x for x in self.serving(code) if x not in taken]
        self.rng.shuffle(rest)
        return rest[:n]

    def country(self, lender: Lender) -> int:
        """A `COUNTRIES` index among the lender's markets."""
        return self.rng.choice([i for c in lender.markets for i in country_indices(c)])

    # -- devices ---------------------------------------------------------------------------

    def channel(self, lender: Lender) -> tuple[str, str]:
        """(channel, kind) of a new applicant of `lender`."""
        r = self.rng
        if r.random() >= lender.web:
            ch = "android" if r.random() < 0.6 else "ios"
            return ch, ch
        kinds = DESKTOP_KINDS if r.random() < lender.desktop else MOBILE_KINDS
        return "web", r.choices(list(kinds), list(kinds.values()))[0]

    def device(
        self, channel: str, kind: str, country: int, *, mobile_ip: bool = False
    ) -> SimDevice:
        """A new device of `kind` whose owner lives in `COUNTRIES[country]`."""
        self.next_id += 1
        d = new_device(self.rng, self.next_id, channel, kind, self.seed)
        d.country = country
        d.languages = list(COUNTRIES[country].languages)
        d.ip = self.net.home(self.rng, COUNTRIES[country].code, mobile=mobile_ip)
        return d

    def code(self, d: SimDevice) -> str:
        return COUNTRIES[d.country].code

    @staticmethod
    def code_of(country: int) -> str:
        return COUNTRIES[country].code
