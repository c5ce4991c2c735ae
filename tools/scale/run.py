"""Filling a store with synthetic device profiles and timing device links against it.

The devices are the drift simulation's (`tools.drift`: people, machines, browsers and app
installs with real models, fonts, locales and networks), drawn in chunks of 10,000 with one
seed each, so memory stays flat. Each is written as a new device through the registry's
own write path (`Registry.new_link` and `record`: profile, band and user index entries,
crowd sketch, ID mapping), one atomic write each, as the service writes a new device.
Then probes are timed:

- returning: a filled device seen again 60-120 days later (browser and OS updates, fonts,
  a new address), through `sight` + `link` (the reads and the decision of one score);
- new: a device never filled (a chunk of another seed);

and the store's size: bytes on disk after a flush, over the devices, and the bytes of the
device records themselves (keys and values of every device-owned record type).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import msgspec

from engine.devices import Registry
from engine.privacy.secrets import derive_keys
from engine.schema import Attributes
from engine.store import RocksStore, WriteSet
from engine.store.keys import State
from tools.drift.catalogue import DAY
from tools.drift.device import Device, render
from tools.drift.events import look_at
from tools.drift.population import Sizes, make_devices
from tools.drift.releases import START, Calendar

CHUNK = 10_000
TENANT = "scale"
DEVICE_RECORDS = (b"d:", b"b:", b"u:", b"k:", b"m:")


@dataclass
class Result:
    devices: int
    fill_s: float
    returning_ms: list[float] = field(default_factory=list)
    returning_cpu_ms: list[float] = field(default_factory=list)  # this thread's CPU time
    new_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    linked_back: int = 0
    linked_known: int = 0
    disk_bytes: int = 0
    record_bytes: int = 0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0

    def figures(self) -> dict[str, Any]:
        def pct(xs: list[float], q: int) -> float | None:
            if not xs:
                return None
            return round(statistics.quantiles(xs, n=100, method="inclusive")[q - 1], 3)

        return {
            "devices": self.devices,
            "fill_s": round(self.fill_s, 1),
            "fill_per_s": round(self.devices / max(self.fill_s, 1e-9)),
            "link_returning_ms": {
                "p50": pct(self.returning_ms, 50),
                "p99": pct(self.returning_ms, 99),
            },
            "link_returning_cpu_ms": {
                "p50": pct(self.returning_cpu_ms, 50),
                "p99": pct(self.returning_cpu_ms, 99),
            },
            "link_new_ms": {"p50": pct(self.new_ms, 50), "p99": pct(self.new_ms, 99)},
            "record_and_write_ms": {"p50": pct(self.write_ms, 50), "p99": pct(self.write_ms, 99)},
            "returning_linked_back": round(self.linked_back / max(1, len(self.returning_ms)), 3),
            "returning_linked_known": round(self.linked_known / max(1, len(self.returning_ms)), 3),
            "disk_bytes_per_device": round(self.disk_bytes / max(1, self.devices)),
            "record_bytes_per_device": round(self.record_bytes / max(1, self.devices)),
            "rss_mb": round(self.rss_mb),
            "peak_rss_mb": round(self.peak_rss_mb),
        }


def _devices(seed: int, n: int) -> Iterator[tuple[Device, Calendar]]:
    """`n` simulated devices, in chunks of one seed each."""
    made = 0
    chunk = 0
    while made < n:
        size = min(CHUNK, n - made)
        cal = Calendar(seed * 100_003 + chunk)
        sizes = Sizes(devices=size, days=180.0, fleet=0, iphones=0)
        for d in make_devices(seed * 100_003 + chunk, sizes):
            yield d, cal
        made += size
        chunk += 1


def _session(d: Device, cal: Calendar, t: float, rng: Random) -> tuple[Attributes, str, str]:
    look = look_at(d, cal, t, rng)
    attrs = msgspec.convert(render(d, look, rng), Attributes)
    prefix = ".".join(look.ip.split(".")[:3]) + ".0/24"
    return attrs, d.channel, prefix


def _disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _record_bytes(store: RocksStore) -> int:
    total = 0
    for prefix in DEVICE_RECORDS:
        start: bytes | None = None
        while True:
            rows = await store.scan(prefix, start=start, limit=50_000)
            total += sum(len(k) + len(v) for k, v in rows)
            if len(rows) < 50_000:
                break
            start = rows[-1][0] + b"\0"
    return total


SAMPLE = "scale-sample.json"  # in the data directory: which devices the probes come back as


def _fill(
    registry: Registry,
    store: RocksStore,
    devices: int,
    probes: int,
    seed: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[float, list[tuple[int, str]]]:
    """Write `devices` new devices; return the time taken and the probes' (index, key)."""
    every = max(1, devices // probes)
    sample: list[tuple[int, str]] = []
    step = max(1, devices // 20)
    t0 = time.perf_counter()
    for i, (d, cal) in enumerate(_devices(seed, devices)):
        rng = Random(f"{seed}/fill/{i}")
        at = START + rng.uniform(0, 60) * DAY
        attrs, channel, prefix = _session(d, cal, at, rng)
        s = registry.sight(attrs, channel, at, prefix)
        link = registry.new_link(s, TENANT, at)  # distinct devices, look-alikes too
        w = WriteSet()
        registry.record(w, s, link, TENANT, at, user_agent=attrs.software.user_agent)
        store.apply(w)
        if i % every == 0 and len(sample) < probes:
            sample.append((i, link.dkey))
        if progress and (i + 1) % step == 0:
            progress(i + 1, devices)
    return time.perf_counter() - t0, sample


def _probe(
    registry: Registry, store: RocksStore, result: Result, seed: int, sample: dict[int, str]
) -> None:
    rng = Random(f"{seed}/probes")
    returning = [(d, cal, sample[i]) for i, (d, cal) in
                 enumerate(_devices(seed, result.devices)) if i in sample]  # fmt: skip
    for d, cal, dkey in returning:  # 60 to 120 days later
        at = START + rng.uniform(60, 120) * DAY
        attrs, channel, prefix = _session(d, cal, at, rng)
        t, c = time.perf_counter(), time.thread_time()
        s = registry.sight(attrs, channel, at, prefix)
        link = registry.link(s, TENANT, at)
        result.returning_ms.append((time.perf_counter() - t) * 1000)
        result.returning_cpu_ms.append((time.thread_time() - c) * 1000)
        result.linked_back += link.dkey == dkey
        result.linked_known += link.profile is not None
        t = time.perf_counter()
        w = WriteSet()
        registry.record(w, s, link, TENANT, at, user_agent=attrs.software.user_agent)
        store.apply(w)
        result.write_ms.append((time.perf_counter() - t) * 1000)
    for d, cal in _devices(seed + 7919, len(returning)):  # never seen
        at = START + rng.uniform(60, 120) * DAY
        attrs, channel, prefix = _session(d, cal, at, rng)
        t = time.perf_counter()
        registry.link(registry.sight(attrs, channel, at, prefix), TENANT, at)
        result.new_ms.append((time.perf_counter() - t) * 1000)


async def run(
    data_dir: Path,
    devices: int,
    probes: int = 2000,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    *,
    probe_only: bool = False,
) -> Result:
    """Fill `data_dir` (a fresh directory) with `devices` profiles, then time `probes`
    links of returning devices and as many of new ones. `probe_only`: the directory holds
    a store this function filled before (its devices, seed and probes are read there)."""
    store = RocksStore(data_dir)
    try:
        registry = Registry(State(store), derive_keys(b"\x05" * 32))
        if probe_only:
            doc = json.loads((data_dir / SAMPLE).read_text())
            seed, devices, fill_s = doc["seed"], doc["devices"], doc["fill_s"]
            sample = [(int(i), str(k)) for i, k in doc["sample"]]
        else:
            fill_s, sample = _fill(registry, store, devices, probes, seed, progress)
            doc = {"seed": seed, "devices": devices, "fill_s": fill_s, "sample": sample}
            (data_dir / SAMPLE).write_text(json.dumps(doc))
        result = Result(devices, fill_s)
        _probe(registry, store, result, seed, dict(sample))
        await store.flush()
        result.disk_bytes = _disk_bytes(data_dir)
        result.record_bytes = await _record_bytes(store)
        result.rss_mb = _rss_mb()
        result.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return result
    finally:
        store.close()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores"
