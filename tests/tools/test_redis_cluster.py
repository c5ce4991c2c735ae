"""The cluster tool as a CLI: start leaves a working cluster behind, stop removes every trace.
(The session fixture `redis_nodes` drives the same functions in-process, kill and restart too.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.process import run_module
from tools import redis_cluster as rc


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module("tools.redis_cluster", *args)


def test_start_then_stop(tmp_path: Path) -> None:
    where = tmp_path / "cluster"
    base = rc.free_base_port()
    started = _cli("start", "--dir", str(where), "--base-port", str(base))
    try:
        _check_then_stop(started, where, base)
    finally:
        if where.exists():
            rc.stop(rc.found(where))


def _check_then_stop(started: subprocess.CompletedProcess[str], where: Path, base: int) -> None:
    assert started.returncode == 0, started.stderr
    assert started.stdout.endswith(f"s: redis://127.0.0.1:{base}\n")
    cluster = rc.found(where)
    assert [n.port for n in cluster.nodes] == [base, base + 1, base + 2]
    pids = [int((n.dir / "redis.pid").read_text()) for n in cluster.nodes]
    for node in cluster.nodes:
        info = rc.command(node.port, "CLUSTER", "INFO")
        assert isinstance(info, bytes)
        assert b"cluster_state:ok" in info
        assert b"cluster_known_nodes:3" in info
        assert rc.command(node.port, "CONFIG", "GET", "appendonly") == [b"appendonly", b"yes"]

    again = _cli("start", "--dir", str(where), "--base-port", str(base + 3))
    assert again.returncode == 1
    assert "holds a cluster already; stop it or pick another --dir" in again.stderr

    stopped = _cli("stop", "--dir", str(where))
    assert stopped.returncode == 0, stopped.stderr
    assert not where.exists()
    for pid in pids:
        assert not _running(pid)
    nothing = _cli("stop", "--dir", str(where))
    assert nothing.returncode == 1
    assert "no node-PORT folders; nothing to stop" in nothing.stderr


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()  # a zombie has stopped
