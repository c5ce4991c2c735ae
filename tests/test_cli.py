"""The console entry point, run as a real process: serve, SIGHUP/reload, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.process import free_port, run_module
from tests.support import REPO, copy_config


def _cli(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_module("engine.cli", *args, input=input)


def test_help_lists_the_commands() -> None:
    out = _cli("--help")
    assert out.returncode == 0
    for word in ("serve", "reload", "check-config", "hash-key", "/v1/score"):
        assert word in out.stdout
    serve = _cli("serve", "--help")
    for word in ("--host", "--port", "--data-dir", "--config-dir"):
        assert word in serve.stdout


def test_check_config_reports_file_and_key(tmp_path: Path) -> None:
    cfg = copy_config(tmp_path / "cfg")
    assert _cli("check-config", "--config-dir", str(cfg)).returncode == 0
    (cfg / "service.toml").write_text("max_body_bytes = 'big'\n")
    out = _cli("check-config", "--config-dir", str(cfg))
    assert out.returncode == 1
    assert "service.toml" in out.stderr
    assert "max_body_bytes" in out.stderr


def test_serve_with_bad_config_exits_with_a_clear_message(tmp_path: Path) -> None:
    cfg = copy_config(tmp_path / "cfg")
    (cfg / "tenants.toml").write_text("[tenants]\n")
    out = _cli(
        "serve",
        "--port",
        str(free_port()),
        "--data-dir",
        str(tmp_path / "d"),
        "--config-dir",
        str(cfg),
    )
    assert out.returncode == 1
    assert "tenants.toml: no tenant defined" in out.stderr


def test_hash_key_reads_stdin() -> None:
    out = _cli("hash-key", "--stdin", input="a-long-random-api-key-123\n")
    assert out.returncode == 0
    assert out.stdout.startswith('api_key_hash = "sha256:')
    assert "a-long-random-api-key-123" not in out.stdout


def test_serve_reload_and_sigterm(tmp_path: Path) -> None:
    cfg = copy_config(tmp_path / "cfg")
    data = tmp_path / "data"
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "engine.cli",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data),
        "--config-dir",
        str(cfg),
    ]
    with subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            _exercise_running_service(f"http://127.0.0.1:{port}", cfg, data)
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.communicate()
    assert proc.returncode == 0
    assert not (data / "anonscore.pid").exists()
    # structured logs: every line is one JSON object
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert any(json.loads(line)["event"] == "ready" for line in lines)
    assert any("config reload refused" in json.loads(line)["event"] for line in lines)


def _exercise_running_service(url: str, cfg: Path, data: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/readyz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "service never became ready"
        time.sleep(0.2)
    tenants = cfg / "tenants.toml"
    good = tenants.read_text()
    # an invalid config is refused by the service on `anonscore reload`, which says so;
    # the service keeps running on its config
    _deploy(tenants, good.replace("optional = []", 'optional = ["nope"]'))
    out = _cli("reload", "--data-dir", str(data))
    assert out.returncode == 1
    assert "unknown optional attribute 'nope'" in out.stderr
    assert httpx.post(url + "/v1/sessions", json={"site_key": "demo_site"}).status_code == 201
    # a valid one is applied, as soon as `anonscore reload` returns
    _deploy(tenants, good.replace('site_key = "demo_site"', 'site_key = "renamed_site"'))
    out = _cli("reload", "--data-dir", str(data))
    assert out.returncode == 0, out.stderr
    assert "reloaded" in out.stdout
    r = httpx.post(url + "/v1/sessions", json={"site_key": "renamed_site"})
    assert r.status_code == 201
    _destructive_reload(url, cfg, data)


def _destructive_reload(url: str, cfg: Path, data: Path) -> None:
    """Issue 15: a tenants.toml cut at a tenant boundary is valid TOML and was applied (the
    tenant's in-flight flows got 403). Now check-config and reload show the change, reload
    refuses it, and applies it only with --allow-destructive."""
    tenants = cfg / "tenants.toml"
    text = tenants.read_text()
    _deploy(tenants, text[: text.index("[tenants.demo3]")])
    out = _cli("check-config", "--config-dir", str(cfg), "--data-dir", str(data))
    assert out.returncode == 0, out.stderr
    assert "  tenant removed: demo3" in out.stdout
    assert "refuses this change unless run as `anonscore reload --allow-destructive`" in out.stdout
    out = _cli("reload", "--data-dir", str(data))
    assert out.returncode == 1
    assert "  tenant removed: demo3" in out.stdout
    assert "run `anonscore reload --allow-destructive`" in out.stderr
    assert httpx.post(url + "/v1/sessions", json={"site_key": "demo3_site"}).status_code == 201
    out = _cli("reload", "--data-dir", str(data), "--allow-destructive")
    assert out.returncode == 0, out.stderr
    assert httpx.post(url + "/v1/sessions", json={"site_key": "demo3_site"}).status_code == 403
    assert not (data / "reload.allow-destructive").exists()  # one-shot
    out = _cli("check-config", "--config-dir", str(cfg), "--data-dir", str(data))
    assert "no change" in out.stdout


def _deploy(path: Path, text: str) -> None:
    """The documented way: write a new file, rename it over the old one."""
    tmp = path.with_suffix(".new")
    tmp.write_text(text)
    os.replace(tmp, path)


def test_serve_on_a_busy_port_says_so(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = _cli(
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "d"),
            "--config-dir",
            str(copy_config(tmp_path / "cfg")),
        )
    assert out.returncode == 1
    assert f"cannot start on 127.0.0.1:{port}" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_second_service_on_one_data_dir_says_so(tmp_path: Path) -> None:
    from engine.store import RocksStore

    data = tmp_path / "d"
    store = RocksStore(data / "regions" / "eu")  # a region's store, held by another process
    try:
        out = _cli(
            "serve",
            "--port",
            str(free_port()),
            "--data-dir",
            str(data),
            "--config-dir",
            str(copy_config(tmp_path / "cfg")),
        )
    finally:
        store.close()
    assert out.returncode == 1
    assert "in use by another anonscore process" in out.stderr
    assert "Traceback" not in out.stderr
