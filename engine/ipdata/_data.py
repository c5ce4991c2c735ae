"""`IpData`: one loaded build of the range table, and what the service reports about it.

Why a holder: the service keeps one `IpData` and swaps it whole when a newer build appears
(`load_ip_data` on reload), so a lookup never mixes two builds. It carries the data's date
for `/readyz`, its age for the `anonscore_ip_data_age_days` gauge, and the warning to log
once the data is older than `STALE_AFTER_DAYS`.

With no build in the directory (a checkout where set-up has not run), `load_ip_data` still
answers: the shipped lists compiled alone, so cloud ranges and Tor exits are matched, but no
AS number, no country and no hosting ASN; `built` is None and `problem` says what to run.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from engine.ipdata._lists import LIST_NAMES, shipped_list
from engine.ipdata._store import BuildMeta, current_id, open_current
from engine.ipdata._table import Row, Table, compile_table

STALE_AFTER_DAYS = 60
DAY = 86_400.0


class IpData:
    """A loaded build (or the lists-only fallback). Read-only; lookups are thread-safe."""

    def __init__(
        self, table: Table, meta: BuildMeta | None, directory: Path | None, problem: str = ""
    ) -> None:
        self.table = table
        self.meta = meta
        self.directory = directory  # the build directory, None for the fallback
        self.problem = problem  # why there is no build, "" when there is one

    @property
    def built(self) -> dt.datetime | None:
        """The data's build time (UTC): the older of the two npm packages' versions."""
        return self.meta.built if self.meta is not None else None

    @property
    def build_id(self) -> str | None:
        return self.meta.build_id if self.meta is not None else None

    def age_days(self, now: float | dt.datetime) -> float | None:
        """Days between the data's build time and `now` (a datetime or a Unix time)."""
        if self.meta is None:
            return None
        ts = now.timestamp() if isinstance(now, dt.datetime) else now
        return max(0.0, (ts - self.meta.built.timestamp()) / DAY)

    def warning(self, now: float | dt.datetime) -> str | None:
        """The line to log at start-up and reload, or None when the data is fresh enough."""
        if self.meta is None:
            return self.problem or "no ip data; run anonscore update-data"
        age = self.age_days(now) or 0.0
        if age <= STALE_AFTER_DAYS:
            return None
        return (
            f"ip data is {age:.0f} days old (built {self.meta.built:%Y-%m-%d}), over "
            f"{STALE_AFTER_DAYS}; run anonscore update-data, then anonscore reload"
        )

    def describe(self, now: float | dt.datetime) -> dict[str, Any]:
        """For /readyz: the data's date and age, the build, and each list's date."""
        if self.meta is None:
            return {"built": None, "age_days": None, "build": None, "problem": self.problem}
        age = self.age_days(now)
        return {
            "built": self.meta.built.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "age_days": round(age, 1) if age is not None else None,
            "build": self.meta.build_id,
            "lists": {m.name: m.date.isoformat() if m.date else None for m in self.meta.lists},
        }

    def row(self, packed: bytes) -> Row:
        return self.table.row(packed)


_lock = threading.Lock()
_cache: dict[tuple[Path, str | None], IpData] = {}


def load_ip_data(directory: Path | str) -> IpData:
    """The current build in `directory` (see `_store`), or the lists-only fallback.

    Blocking (reads ~20 MB on first use): call it from a thread. Loads are cached per
    directory and build, so services started one after another (the tests) share one copy;
    after `update-data` the next call returns the new build.
    """
    root = Path(directory).resolve()
    with _lock:
        cached = _cache.get((root, current_id(root)))
        if cached is not None:
            return cached
        opened = open_current(root)
        if opened is None:
            problem = f"no ip data in {directory}; run anonscore update-data (or tools/run setup)"
            data = IpData(lists_only(), None, None, problem)
        else:
            meta, table, build = opened
            data = IpData(table, meta, build)
        for old in [k for k in _cache if k[0] == root]:
            del _cache[old]
        _cache[(root, data.build_id)] = data
        return data


def lists_only() -> Table:
    """The shipped lists compiled without the npm data (no AS numbers, no countries)."""
    return compile_table({}, {}, {}, {name: shipped_list(name) for name in LIST_NAMES})
