"""Shadow mode: a candidate model scores beside the live one without changing any answer;
/metrics shows how they compare; promoting the candidate is a config reload."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from engine.runtime.reloading import reload
from tests.hostile.conftest import set_service
from tests.support import OPERATOR, Running, copy_config, start, web_attributes


def _candidate(config_dir: Path) -> Path:
    text = (config_dir / "model.toml").read_text()
    lines = []
    for line in text.splitlines():
        if line.startswith("version ="):
            line = 'version = "candidate-1"'
        elif line.startswith("bias ="):
            line = "bias = -1.0"  # a much more suspicious candidate
        lines.append(line)
    path = config_dir / "model.candidate.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
async def shadowed(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config_dir = copy_config(tmp_path / "config")
    _candidate(config_dir)
    set_service(config_dir, shadow_model="model.candidate.toml")
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running


async def test_the_shadow_never_changes_an_answer(shadowed: Running) -> None:
    live_version = shadowed.service.runtime.model.version
    answer = await shadowed.flow()
    assert answer["model_version"] == live_version
    record = await shadowed.service.session_record(answer["session_id"])
    assert record.scored.shadow_score is not None
    assert record.scored.shadow_score > answer["score"]  # the candidate's bias is higher
    assert record.scored.strengths is not None
    metrics = (await shadowed.client.get("/metrics", headers=OPERATOR)).text
    assert 'anonscore_shadow_scores_total{agreement="' in metrics
    assert "anonscore_shadow_score_difference_count 1.0" in metrics


async def test_promoting_the_candidate_is_a_reload(shadowed: Running) -> None:
    config_dir = shadowed.handle.opts.config_dir
    os.replace(config_dir / "model.candidate.toml", config_dir / "model.toml")
    set_service(config_dir, shadow_model="")
    assert reload(shadowed.handle.state, config_dir, shadowed.handle.host) is True
    answer = await shadowed.flow(web_attributes())
    assert answer["model_version"] == "candidate-1"
    assert shadowed.service.runtime.shadow is None


async def test_a_missing_shadow_file_is_refused_by_name(shadowed: Running) -> None:
    config_dir = shadowed.handle.opts.config_dir
    set_service(config_dir, shadow_model="nope.toml")
    before = shadowed.service.runtime
    assert reload(shadowed.handle.state, config_dir, shadowed.handle.host) is False
    assert shadowed.service.runtime is before
