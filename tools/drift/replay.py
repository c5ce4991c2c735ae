"""The drift simulation through the device registry alone: no HTTP, no plugins, no sessions.

Every visit's payload goes through `engine.devices.Registry` (sight, link, record) on a
fresh RocksDB directory, as `/v1/score` would put it there, and the answer is set beside the
truth. It gives the same device and user IDs as the service for the same parameters (the
figures of `run` hold for it), in a tenth of the time, and it can run with parameters that
are not committed yet, which is what fitting needs. For each link it also keeps what the
decision saw (score, rivals, crowd evidence), so the link probability and the crowd units
can be fitted on the outcomes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import msgspec

from engine.devices import Params, Registry, crowd
from engine.devices.registry import known_network, same_locale
from engine.privacy.secrets import derive_keys
from engine.schema import Attributes, Events
from engine.store import RocksStore, WriteSet
from engine.store.keys import State, encode, events_key, record_event

from .events import Visit
from .metrics import Observation

TENANT = "demo"


class Decision(NamedTuple):
    """One visit tied to a known device: what the registry saw, and whether it was right
    (the device first given that ID is the visit's own)."""

    score: float
    rivals: int
    distinct: float
    visits: float
    decisive: bool
    correct: bool
    lookalike: bool
    shown: int = 1
    mass: float = 0.0  # the prior's share of real traffic for the fingerprint's class
    devices: float = 0.0  # the tenant's devices in the window
    same_locale: bool = True
    known_network: bool = False


def ip_prefix(v: Visit) -> str | None:
    """The /24 the service keeps of the visit's address."""
    ip = v.headers.get("X-Forwarded-For")
    if not ip:
        return None
    return ".".join(ip.split(".")[:3]) + ".0/24"


def replay(
    visits: Sequence[Visit],
    classes: dict[int, str],
    params: Params | None = None,
    data_dir: Path | None = None,
) -> tuple[list[Observation], list[Decision]]:
    """Every visit through a fresh registry; the answers beside the truth, and the
    decisions of the visits tied to a known device."""
    with tempfile.TemporaryDirectory(prefix="anonscore-replay-") as tmp:
        store = RocksStore(data_dir or Path(tmp))
        try:
            return _run(store, visits, classes, params)
        finally:
            store.close()


def _run(
    store: RocksStore,
    visits: Sequence[Visit],
    classes: dict[int, str],
    params: Params | None,
) -> tuple[list[Observation], list[Decision]]:
    devices = Registry(State(store), derive_keys(b"\x07" * 32), params)
    owner: dict[str, int] = {}
    out: list[Observation] = []
    decisions: list[Decision] = []
    for i, v in enumerate(visits):
        attrs = msgspec.convert(v.attributes, Attributes)
        s = devices.sight(attrs, v.channel, v.at, ip_prefix(v))
        link = devices.link(s, TENANT, v.at)
        w = WriteSet()
        profile = devices.record(w, s, link, TENANT, v.at, user_agent=attrs.software.user_agent)
        # the device's velocity, as /v1/score keeps it (the registry reads it for bursts)
        events = devices.state.events("d", link.dkey) if link.profile is not None else Events()
        w.put(events_key("d", link.dkey), encode(record_event(events, v.at)))
        store.apply(w)
        own = owner.setdefault(link.dkey, v.device)
        cls = classes[v.device]
        if link.profile is not None and link.score is not None:
            decisions.append(
                Decision(link.score, link.rivals, link.distinct, link.visits,
                         link.confidence >= 0.99, own == v.device, cls != "unique", link.shown,
                         s.mass, crowd.devices(link.population, TENANT, v.at),
                         same_locale(s.seen, link.profile), known_network(s.seen, link.profile))
            )  # fmt: skip
        out.append(
            Observation(v.device, devices.device_id(TENANT, link.dkey), link.confidence,
                        v.events, v.channel, v.at,
                        devices.user_id(TENANT, link, profile, f"visit{i}"), v.machine,
                        v.person, cls)
        )  # fmt: skip
    return out, decisions
