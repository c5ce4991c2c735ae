"""Config reload while running: a valid config applies atomically, an invalid one is refused
and the running config stays."""

from __future__ import annotations

import logging

import pytest

from engine.reloading import reload
from tests.support import ORIGIN, Running


async def test_reload_applies_a_valid_config(svc: Running) -> None:
    path = svc.handle.opts.config_dir / "tenants.toml"
    text = path.read_text()
    path.write_text(
        text
        + """
[tenants.late]
name = "Added while running"
site_key = "late_site"
api_key_hash = "sha256:"""
        + "ab" * 32
        + """"
allowed_origins = ["http://127.0.0.1:8080"]
"""
    )
    r = await svc.client.post(
        "/v1/sessions", json={"site_key": "late_site"}, headers={"Origin": ORIGIN}
    )
    assert r.status_code == 403
    assert reload(svc.handle.state, svc.handle.opts.config_dir, svc.handle.host) is True
    r = await svc.client.post(
        "/v1/sessions", json={"site_key": "late_site"}, headers={"Origin": ORIGIN}
    )
    assert r.status_code == 201


async def test_reload_keeps_the_old_config_when_the_new_one_is_invalid(
    svc: Running, caplog: pytest.LogCaptureFixture
) -> None:
    path = svc.handle.opts.config_dir / "tenants.toml"
    path.write_text(path.read_text().replace("optional = []", 'optional = ["typing_rythm"]'))
    before = svc.service.runtime
    with caplog.at_level(logging.ERROR, logger="anonscore.server"):
        assert reload(svc.handle.state, svc.handle.opts.config_dir, svc.handle.host) is False
    assert svc.service.runtime is before
    assert "unknown optional attribute 'typing_rythm'" in caplog.text
    assert "keeping the running config" in caplog.text
    assert (await svc.flow())["score"] >= 0
