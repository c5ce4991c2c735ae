"""What a new config changes for the tenants, and whether the change would delete data.

A `tenants.toml` cut at a line boundary is still valid TOML: before this check a tenant
whose `retention_days` line was lost fell to a default (and the next sweep deleted what was
older), and one cut at a tenant boundary disappeared while its flows were in flight. So a
reload (SIGHUP, `anonscore reload`) first compares the tenants it would apply with those it
runs: tenants added or removed, retention lowered, allowed origins dropped, optional
attributes or plugins turned off, a region changed. Removing a tenant or lowering a
retention is destructive: refused unless the operator allowed it for this reload
(`anonscore reload --allow-destructive`). The rest is printed and applied.

`check-config` shows the same change against the config the running service last applied,
which the service writes to `<data-dir>/config.applied.json` (tenant settings only: no key
hashes).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import msgspec

from engine.config import Config

APPLIED_FILE = "config.applied.json"
ALLOW_FILE = "reload.allow-destructive"  # a one-shot permission `anonscore reload` writes


class TenantSummary(msgspec.Struct, frozen=True):
    """The settings of a tenant whose change can lose data or break its integration."""

    retention_days: int
    region: str
    allowed_origins: list[str]
    optional: list[str]
    plugins_off: list[str]
    plugin_settings: dict[str, str]  # plugin -> its table, as JSON


class Change(msgspec.Struct, frozen=True):
    added: list[str]
    removed: list[str]
    retention_lowered: list[tuple[str, int, int]]  # tenant, from, to
    other: list[str]  # origins dropped, attributes or plugins turned off, region moved

    @property
    def destructive(self) -> bool:
        return bool(self.removed or self.retention_lowered)

    def destructive_lines(self) -> list[str]:
        out = [
            f"tenant removed: {t} (its sessions get 403, its data is swept)" for t in self.removed
        ]
        return out + [
            f"tenant {t}: retention_days lowered {a} -> {b} (the next sweep deletes what is older)"
            for t, a, b in self.retention_lowered
        ]

    def lines(self) -> list[str]:
        return [f"tenant added: {t}" for t in self.added] + self.destructive_lines() + self.other


def summary(config: Config) -> dict[str, TenantSummary]:
    return {
        tid: TenantSummary(
            retention_days=t.retention_days,
            region=t.region,
            allowed_origins=sorted(t.allowed_origins),
            optional=sorted(t.optional),
            plugins_off=sorted(n for n, p in t.plugins.items() if not p.enabled),
            plugin_settings={n: msgspec.json.encode(p).decode() for n, p in t.plugins.items()},
        )
        for tid, t in config.tenants.items()
    }


def change(old: dict[str, TenantSummary], new: dict[str, TenantSummary]) -> Change:
    lowered: list[tuple[str, int, int]] = []
    other: list[str] = []
    for tid in sorted(set(old) & set(new)):
        a, b = old[tid], new[tid]
        if b.retention_days < a.retention_days:
            lowered.append((tid, a.retention_days, b.retention_days))
        if dropped := sorted(set(a.allowed_origins) - set(b.allowed_origins)):
            other.append(f"tenant {tid}: allowed_origins dropped: {', '.join(dropped)}")
        if off := sorted(set(a.optional) - set(b.optional)):
            other.append(f"tenant {tid}: optional attributes turned off: {', '.join(off)}")
        if off := sorted(set(b.plugins_off) - set(a.plugins_off)):
            other.append(f"tenant {tid}: plugins turned off: {', '.join(off)}")
        moved = {n for n in a.plugin_settings if b.plugin_settings.get(n) != a.plugin_settings[n]}
        if moved := moved - set(b.plugins_off):
            other.append(f"tenant {tid}: plugin settings changed: {', '.join(sorted(moved))}")
        if a.region != b.region:
            other.append(f"tenant {tid}: region {a.region} -> {b.region} (new sessions only)")
    return Change(
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
        retention_lowered=lowered,
        other=other,
    )


def refusal(ch: Change) -> str:
    """The message of a refused destructive change."""
    return (
        "the new config would delete data ("
        + "; ".join(ch.destructive_lines())
        + "); if that is meant, run `anonscore reload --allow-destructive`"
    )


def write_applied(data_dir: Path, config: Config) -> None:
    """Record the tenants the service now runs (for `check-config`); best effort."""
    path = data_dir / APPLIED_FILE
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_bytes(msgspec.json.encode(summary(config)))
        os.replace(tmp, path)
    except OSError:
        pass


def read_applied(data_dir: Path) -> dict[str, TenantSummary] | None:
    try:
        raw = (data_dir / APPLIED_FILE).read_bytes()
        return msgspec.json.decode(raw, type=dict[str, TenantSummary])
    except (OSError, msgspec.DecodeError):
        return None


def allow_destructive(data_dir: Path, seconds: float) -> Path:
    """Let the running service apply a destructive change on reloads within `seconds`."""
    path = data_dir / ALLOW_FILE
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"until": time.time() + seconds}))
    os.replace(tmp, path)
    return path


def destructive_allowed(data_dir: Path | None, now: float) -> bool:
    if data_dir is None:
        return False
    try:
        until = float(json.loads((data_dir / ALLOW_FILE).read_text())["until"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return now <= until
