"""What fraud patterns share: making a fraudster's device, sending an application from it,
and the edits fraud makes to what a device reports (locale, address, installed apps)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from ..applicant import Application, submit
from ..catalogue import COUNTRIES, FOREIGN, Lender, Locale
from ..devices import SimDevice
from ..world import World


def target(w: World) -> tuple[Lender, int]:
    """A lender and one of its market countries (a `COUNTRIES` index)."""
    lender = w.lender()
    return lender, w.country(lender)


def start(w: World, span: float) -> float:
    """First day of a campaign lasting `span` days, inside the run."""
    return w.rng.uniform(0, max(w.days - span, 0))


def send(
    w: World,
    d: SimDevice,
    at: float,
    lender: Lender,
    form: dict[str, Any],
    pattern: str,
    actor: str,
    tags: Sequence[str] = (),
    *,
    ip: str | None = None,
) -> Application:
    """A fraudulent application from `d` (its own address unless `ip` is given)."""
    if ip is not None:
        d.ip = ip
    return submit(d, w.rng, at, lender, form, fraud=True, pattern=pattern, actor=actor, tags=tags)


def foreign(w: World) -> Locale:
    return w.rng.choice(FOREIGN)


def relocale(app: Application, zone: str, languages: Sequence[str], *, header: bool = True) -> None:
    """The device reports `zone` and `languages` (and, with `header`, sends them as
    Accept-Language): a device set up in another country than its address."""
    sw = app.attributes["software"]
    offset = ZoneInfo(zone).utcoffset(dt.datetime.fromtimestamp(app.at, dt.UTC))
    sw["timezone"] = zone
    sw["timezone_offset_min"] = int(offset.total_seconds() // 60) if offset is not None else 0
    sw["languages"] = list(languages)
    if header:
        app.headers["Accept-Language"] = accept_language(languages)


def accept_language(languages: Sequence[str]) -> str:
    return ",".join(
        lang if i == 0 else f"{lang};q={max(0.1, 1 - i / 10):.1f}"
        for i, lang in enumerate(languages)
    )


def home_zone(country: int) -> str:
    return COUNTRIES[country].zone


def apps(app: Application, **counts: int) -> None:
    """Installed app categories (SDK only)."""
    cc = app.attributes.get("apps", {}).get("category_counts")
    if cc is not None:
        cc.update(counts)
