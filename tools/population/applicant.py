"""One application as the service sees it (attributes, headers, tenant, time) next to its
hidden truth (fraud or not, which pattern, whose), and the ways people and scripts fill the
loan form. Devices are `tools.drift` devices: their payloads and headers are reused, and
this module only changes what an application adds (the form, the tenant's origin, the
client address)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from .catalogue import DAY, FORM, HOUR_WEIGHTS, T0, Lender
from .devices import SimDevice


@dataclass
class Application:
    """One session: what is sent, and the truth only the evaluator sees."""

    at: float
    tenant: str
    channel: str
    attributes: dict[str, Any]
    headers: dict[str, str]
    fraud: bool
    pattern: str  # "honest" or the fraud pattern's name
    actor: str  # the person, device or ring behind it: sessions of one actor share it
    tags: tuple[str, ...] = ()  # honest segments (travel, vpn, office...) or fraud variants
    feedback: str | None = None  # the label the lender will send, if any
    feedback_at: float | None = None

    @property
    def day(self) -> int:
        return int((self.at - T0) // DAY)


def submit(
    d: SimDevice,
    rng: Random,
    at: float,
    lender: Lender,
    form: dict[str, Any],
    *,
    fraud: bool,
    pattern: str,
    actor: str,
    tags: Sequence[str] = (),
) -> Application:
    """The application `d` sends to `lender` at `at`: the device's own payload and
    headers, this form, and the lender's page origin (web)."""
    attrs = d.payload(rng, at)
    attrs["behaviour"] = form
    memory = attrs["device"].get("device_memory")
    if memory is not None:  # Chrome rounds navigator.deviceMemory down to a power of two
        attrs["device"]["device_memory"] = max(
            (m for m in (0.25, 0.5, 1, 2, 4, 8) if m <= memory), default=0.25
        )
    headers = d.headers()
    if "Origin" in headers:
        headers["Origin"] = lender.origin
    return Application(at, lender.id, d.channel, attrs, headers, fraud, pattern, actor, tuple(tags))


def local_time(rng: Random, zone: str, day: float, days: float) -> float:
    """A moment on simulated `day` (clamped to the run) at a local hour people apply."""
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    midnight = T0 + int(min(max(day, 0), days - 1e-6)) * DAY
    offset = ZoneInfo(zone).utcoffset(dt.datetime.fromtimestamp(midnight, dt.UTC))
    shift = offset.total_seconds() if offset is not None else 0.0
    t = midnight + hour * 3600 + rng.uniform(0, 3600) - shift
    return min(max(t, T0), T0 + days * DAY - 1)


# -- filling the form ----------------------------------------------------------------------


def _fields(rng: Random, names: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(n, max(1, round(c * rng.uniform(0.6, 1.5)))) for n, c in names]


def human_form(
    rng: Random, *, pasted: Sequence[str] = (), speed: float = 1.0, extra_s: float = 0.0
) -> dict[str, Any]:
    """A person typing: 150-450 ms per character, corrections, reading time; `pasted`
    fields are pasted (a password manager's autofill, an IBAN copied from the bank app)."""
    fields = []
    total_ms = 0
    for name, chars in _fields(rng, FORM):
        entry: dict[str, Any]
        if name in pasted:
            entry = {"name": name, "chars_pasted": chars, "focus_ms": rng.randint(400, 2500)}
        else:
            per_char = rng.uniform(150, 450) / speed
            corrections = sum(rng.random() < 0.04 for _ in range(chars))
            entry = {
                "name": name,
                "chars_typed": chars + corrections,
                "corrections": corrections,
                "focus_ms": int(chars * per_char + corrections * 600 + rng.randint(300, 3000)),
            }
        total_ms += entry["focus_ms"]
        fields.append({k: v for k, v in entry.items() if v})
    reading = rng.uniform(20_000, 240_000) / speed + extra_s * 1000
    return {
        "time_on_page_ms": int(total_ms + reading),
        "history_length": rng.randint(1, 8),
        "pages_visited": rng.randint(1, 6),
        "fields": fields,
    }


def honest_paste(rng: Random) -> tuple[str, ...]:
    """What an honest applicant pastes: usually nothing, often the IBAN, sometimes the
    address from a password manager."""
    r = rng.random()
    if r < 0.15:
        return ("iban",)
    if r < 0.22:
        return ("street", "postcode", "city")
    if r < 0.25:
        return ("street", "postcode", "city", "iban")
    return ()


def scripted_form(rng: Random, how: str) -> dict[str, Any]:
    """A script filling the form: `keys` (send_keys: 5-25 ms per character, no correction),
    `paste` (every field set at once, like Playwright's fill), `none` (values set without
    any input event: the collector sees focus only)."""
    fields = []
    for name, chars in _fields(rng, FORM):
        entry: dict[str, Any]
        if how == "keys":
            entry = {
                "name": name,
                "chars_typed": chars,
                "focus_ms": int(chars * rng.uniform(5, 25)),
            }
        elif how == "paste":
            entry = {"name": name, "chars_pasted": chars, "focus_ms": rng.randint(5, 60)}
        else:
            entry = {"name": name, "focus_ms": rng.randint(0, 30)}
        fields.append(entry)
    return {
        "time_on_page_ms": rng.randint(1_200, 7_000),
        "history_length": 1,
        "pages_visited": 1,
        "fields": fields,
    }


def pasted_identity(rng: Random) -> dict[str, Any]:
    """A fraudster pasting a (stolen or made-up) identity from a notes file: practised, fast,
    most fields pasted."""
    names = [n for n, _ in FORM]
    pasted = rng.sample(names, rng.randint(4, len(names)))
    return human_form(rng, pasted=pasted, speed=rng.uniform(1.5, 3.0))
