"""`anonscore train`, `anonscore backtest` and the evaluator's candidate comparison, on the
store of a small simulated population (tools/population), as an operator runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import trio

from engine.config import load_config
from tests.process import run_module
from tools.population import Settings, simulate


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pop") / "run"
    trio.run(simulate, Settings(seed=4, applicants=700, days=6, fraud_rate=0.12), out)
    return out


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module("engine.cli", *args, timeout=300)


def _run_args(run_dir: Path) -> list[str]:
    """A population run's store and config, as the training commands take them."""
    return ["--data-dir", str(run_dir / "data"), "--config-dir", str(run_dir / "config")]


def test_train_writes_a_candidate_that_loads(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.candidate.toml"
    r = _cli("train", *_run_args(run_dir), "--out", str(out), "--version", "test-trained-1")
    assert r.returncode == 0, r.stderr
    assert "candidate written to" in r.stdout
    assert "labelled fraud" in r.stdout
    # the candidate is a valid model file: it loads as config/model.toml would
    config_dir = tmp_path / "config"
    subprocess.run(["cp", "-r", str(run_dir / "config"), str(config_dir)], check=True)
    (config_dir / "model.toml").write_text(out.read_text())
    config = load_config(config_dir)
    assert config.model.version == "test-trained-1"
    live = load_config(run_dir / "config").model
    assert set(live.weights) <= set(config.model.weights)
    assert config.model.weights != live.weights


def test_train_refuses_a_store_without_feedback(tmp_path: Path) -> None:
    from engine.store import RocksStore

    RocksStore(tmp_path / "empty").close()
    r = _cli("train", "--data-dir", str(tmp_path / "empty"))
    assert r.returncode == 1
    assert "too little labelled data" in r.stderr


def test_backtest_measures_a_rule_against_feedback(run_dir: Path) -> None:
    args = _run_args(run_dir)
    r = _cli("backtest", "network_risk", *args)
    assert r.returncode == 0, r.stderr
    assert "labelled sessions" in r.stdout
    lines = r.stdout.splitlines()
    any_line = next(line for line in lines if line.startswith("(any)"))
    hits, fraud = (int(v) for v in any_line.split()[2:4])
    assert 0 < fraud <= hits
    r = _cli("backtest", "no_such_plugin", *args)
    assert r.returncode == 2
    assert "no plugin named" in r.stderr


def test_the_evaluator_shows_where_a_candidate_disagrees(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "candidate.toml"
    r = _cli("train", *_run_args(run_dir), "--out", str(out))
    assert r.returncode == 0, r.stderr
    report = tmp_path / "report"
    r = run_module(
        "tools.evaluate", str(run_dir), "--out", str(report), "--candidate", str(out), timeout=300
    )
    assert r.returncode == 0, r.stderr
    text = (report / "report.md").read_text()
    assert "candidate" in text.lower()
    metrics = json.loads((report / "metrics.json").read_text())
    assert "candidate" in metrics
    assert 0.0 <= metrics["candidate"]["auc"] <= 1.0
