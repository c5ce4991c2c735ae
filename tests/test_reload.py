"""Config reload while running: a valid config applies atomically, an invalid one is refused
and the running config stays; what is applied is what was read, once, from files that
were not being written."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trio

from engine.runtime.reloading import read_status, reload, reload_when_stable
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
retention_days = 30
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


async def test_a_file_still_being_written_is_not_applied_half_way(svc: Running) -> None:
    """Reload reads once, and only files that have been still for a moment: a tenants.toml
    caught half-written (a valid TOML prefix, one tenant and no origins) is never applied."""
    path = svc.handle.opts.config_dir / "tenants.toml"
    full = path.read_text() + '\n[tenants.late]\nname = "Late"\nsite_key = "late_site"\n'
    full += 'api_key_hash = "sha256:' + "cd" * 32 + '"\nallowed_origins = ["' + ORIGIN + '"]\n'
    full += "retention_days = 30\n"
    half = full[: full.index("[tenants.demo2]")]  # a valid config: demo alone
    path.write_text(half)
    before = svc.service.runtime
    done = trio.Event()
    outcome: list[bool] = []

    async def reload_now() -> None:
        outcome.append(
            await reload_when_stable(
                svc.handle.state, path.parent, svc.handle.host, quiet_s=0.5, wait_s=10
            )
        )
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reload_now)
        await trio.sleep(0.2)  # the writer is still at it: the half file is 0.2 s old
        assert svc.service.runtime is before
        path.write_text(full)
        await done.wait()
    assert outcome == [True]
    tenants = svc.service.runtime.config.tenants
    assert {"demo", "demo2", "late"} <= set(tenants)


async def test_files_that_keep_changing_are_refused(
    svc: Running, caplog: pytest.LogCaptureFixture
) -> None:
    path = svc.handle.opts.config_dir / "tenants.toml"
    text = path.read_text()
    before = svc.service.runtime

    async def writer() -> None:
        for i in range(1, 40):
            path.write_text(text + f"\n# edit {i}\n")
            await trio.sleep(0.05)

    path.write_text(text + "\n# edit 0\n")
    with caplog.at_level(logging.ERROR, logger="anonscore.server"):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(writer)
            ok = await reload_when_stable(
                svc.handle.state, path.parent, svc.handle.host, quiet_s=0.5, wait_s=1.0
            )
    assert ok is False
    assert svc.service.runtime is before
    assert "renaming it over the old one" in caplog.text


def _cut(svc: Running, before: str) -> str:
    """tenants.toml cut short just before `before` (a valid TOML prefix); the full text."""
    path = svc.handle.opts.config_dir / "tenants.toml"
    text = path.read_text()
    path.write_text(text[: text.index(before)])
    return text


async def _demo3_sessions(svc: Running) -> int:
    r = await svc.client.post(
        "/v1/sessions", json={"site_key": "demo3_site"}, headers={"Origin": ORIGIN}
    )
    return r.status_code


async def test_a_file_cut_at_a_line_is_refused_and_no_retention_falls_to_a_default(
    svc: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 15: a tenants.toml cut before a tenant's retention_days line was applied, the
    retention silently falling to 30 days (the next sweep deleted the rest)."""
    path = svc.handle.opts.config_dir / "tenants.toml"
    text = path.read_text()
    path.write_text(text[: text.rindex("retention_days = 730")])  # demo3 loses its last lines
    before = svc.service.runtime
    with caplog.at_level(logging.ERROR, logger="anonscore.server"):
        assert reload(svc.handle.state, path.parent, svc.handle.host) is False
    assert "tenant 'demo3': retention_days is missing" in caplog.text
    assert svc.service.runtime is before
    assert svc.service.runtime.config.tenants["demo3"].retention_days == 730
    assert await _demo3_sessions(svc) == 201


async def test_a_file_cut_at_a_tenant_boundary_is_refused_unless_allowed(
    svc: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 15: cut before `[tenants.demo3]`, the file is valid and demo3 vanished (its
    in-flight flows got 403). Now the reload says what it would remove and refuses."""
    in_flight = await svc.session("demo3_site")
    _cut(svc, "[tenants.demo3]")
    before = svc.service.runtime
    state, config_dir, host = svc.handle.state, svc.handle.opts.config_dir, svc.handle.host
    with caplog.at_level(logging.INFO):
        assert reload(state, config_dir, host) is False
    assert "tenant removed: demo3" in caplog.text
    assert "tenant demo2: plugin settings changed: velocity" in caplog.text
    assert "if that is meant, run `anonscore reload --allow-destructive`" in caplog.text
    assert svc.service.runtime is before
    assert await _demo3_sessions(svc) == 201
    # the flow begun before the reload goes on
    assert (await svc.collect(in_flight, site_key="demo3_site")).status_code == 202
    assert (await svc.score(in_flight, key="demo3_key")).status_code == 200
    assert reload(state, config_dir, host, allow_destructive=True) is True
    assert "demo3" not in svc.service.runtime.config.tenants
    assert await _demo3_sessions(svc) == 403


async def test_a_lowered_retention_needs_the_operators_leave(svc: Running, tmp_path: Path) -> None:
    from engine import confdiff

    path = svc.handle.opts.config_dir / "tenants.toml"
    path.write_text(path.read_text().replace("retention_days = 365", "retention_days = 90"))
    state, config_dir, host = svc.handle.state, svc.handle.opts.config_dir, svc.handle.host
    data = tmp_path / "perm"
    data.mkdir()
    assert reload(state, config_dir, host, data_dir=data) is False
    status = read_status(data)
    assert status is not None
    assert status["changes"] == ["tenant demo2: retention_days lowered 365 -> 90 (the next "
                                 "sweep deletes what is older)"]  # fmt: skip
    confdiff.allow_destructive(data, 30)  # what `anonscore reload --allow-destructive` leaves
    assert reload(state, config_dir, host, data_dir=data) is True
    assert svc.service.runtime.config.tenants["demo2"].retention_days == 90
    assert confdiff.read_applied(data) == confdiff.summary(svc.service.runtime.config)
