"""Config reload: read once, check those bytes, apply them, or keep the running config.

On SIGHUP the service waits until the config files have been left alone for `QUIET_S`
(a file still being written changes size and mtime), reads each file once, checks the
bytes it read (the stat of each file before and after reading must agree), and applies
exactly those bytes with one reference swap. A file that keeps changing for `WAIT_S` is
refused: deploy config by writing a new file and renaming it over the old one (`mv` is
atomic on one file system), never by rewriting a file in place.

Before applying, the tenants it would run are compared with those it runs
(engine/confdiff.py) and the change is logged; one that removes a tenant or lowers a
retention is refused, the running config kept, unless the operator allowed it
(`anonscore reload --allow-destructive` leaves a short-lived permission in the data
directory that every worker reads).

The outcome and the change are written to `<data-dir>/reload.json`, where `anonscore
reload` (which only signals) reads them to tell the operator.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import trio

from engine import confdiff
from engine.config import ConfigSnapshot, file_stamp, load_config, read_snapshot
from engine.errors import ConfigError
from engine.http.appstate import AppState
from engine.ipdata import load_ip_data
from engine.scoring.model import Runtime
from engine.scoring.plugin_host import PluginHost

log = logging.getLogger("anonscore.server")

QUIET_S = 0.5
WAIT_S = 10.0
STATUS_FILE = "reload.json"


def load_runtime(
    config_dir: Path, plugin_names: frozenset[str], snapshot: ConfigSnapshot | None = None
) -> Runtime:
    config = load_config(config_dir, plugin_names=plugin_names, snapshot=snapshot)
    return Runtime.from_config(config)


def reload(
    state: AppState,
    config_dir: Path,
    host: PluginHost,
    snapshot: ConfigSnapshot | None = None,
    data_dir: Path | None = None,
    *,
    allow_destructive: bool = False,
) -> bool:
    """Apply a new config atomically; keep the old one when the new one is invalid, or
    would delete data (a tenant removed, a retention lowered) without the operator's leave:
    `allow_destructive`, or the permission file in `data_dir`."""
    try:
        runtime = load_runtime(config_dir, host.names, snapshot)
    except ConfigError as exc:
        return _refused(state, data_dir, str(exc))
    assert state.service is not None
    old = confdiff.summary(state.service.runtime.config)
    change = confdiff.change(old, confdiff.summary(runtime.config))
    lines = change.lines()
    for line in lines:
        log.info(f"config change: {line}", extra={"change": line})
    allowed = allow_destructive or confdiff.destructive_allowed(data_dir, time.time())
    if change.destructive and not allowed:
        return _refused(state, data_dir, confdiff.refusal(change), lines)
    host.codes = frozenset(runtime.model.codes)
    state.service.runtime = runtime
    _reload_ip_data(state, runtime)
    state.metrics.reloads.labels("applied").inc()
    log.info("config reloaded", extra={"outcome": "applied", "version": runtime.model.version})
    if data_dir is not None:
        confdiff.write_applied(data_dir, runtime.config)
    _status(data_dir, "applied", f"model {runtime.model.version}", lines)
    return True


async def reload_when_stable(
    state: AppState,
    config_dir: Path,
    host: PluginHost,
    data_dir: Path | None = None,
    *,
    quiet_s: float = QUIET_S,
    wait_s: float = WAIT_S,
) -> bool:
    """Reload once the files have been still for `quiet_s`; refuse after `wait_s`."""
    give_up = time.monotonic() + wait_s
    while True:
        try:
            snapshot = read_snapshot(config_dir)
            still = all(
                file_stamp(config_dir / name) == stamp for name, stamp in snapshot.stamps.items()
            )
        except (ConfigError, OSError) as exc:
            return _refused(state, data_dir, str(exc))
        age = time.time() - snapshot.newest_mtime()
        if still and age >= quiet_s:
            return reload(state, config_dir, host, snapshot, data_dir)
        if time.monotonic() >= give_up:
            return _refused(
                state,
                data_dir,
                f"{config_dir}: the config files kept changing for {wait_s:.0f} s; deploy "
                "config by writing a new file and renaming it over the old one",
            )
        await trio.sleep(max(0.05, quiet_s - max(age, 0.0)))


def _reload_ip_data(state: AppState, runtime: Runtime) -> None:
    """A table rebuilt by `anonscore update-data` is taken on reload (loads are cached per
    build: an unchanged table is the same object, and costs nothing)."""
    assert state.service is not None
    reducer = state.service.ip
    try:
        data = load_ip_data(Path(runtime.config.service.ip_data_dir))
    except Exception as exc:  # the running table stays
        log.error("ip data reload failed", extra={"exc": type(exc).__name__})
        return
    if data is not reducer.data:
        reducer.data = data
        log.info("ip data reloaded", extra={"version": str(data.built)})
    if (stale := data.warning(time.time())) is not None:
        log.warning(stale, extra={"path": runtime.config.service.ip_data_dir})


def _refused(
    state: AppState, data_dir: Path | None, message: str, changes: list[str] | None = None
) -> bool:
    log.error(
        f"config reload refused, keeping the running config: {message}",
        extra={"outcome": "refused"},
    )
    state.metrics.reloads.labels("refused").inc()
    _status(data_dir, "refused", message, changes or [])
    return False


def _status(data_dir: Path | None, outcome: str, message: str, changes: list[str]) -> None:
    if data_dir is None:
        return
    path = data_dir / STATUS_FILE
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # workers write it each: a name of its own
    try:
        status = {"at": time.time(), "outcome": outcome, "message": message, "changes": changes}
        tmp.write_text(json.dumps(status))
        os.replace(tmp, path)
    except OSError:
        log.warning("cannot write the reload status file", extra={"path": str(path)})


def read_status(data_dir: Path) -> dict[str, object] | None:
    try:
        return dict(json.loads((data_dir / STATUS_FILE).read_text()))
    except (OSError, ValueError):
        return None
