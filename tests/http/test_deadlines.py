"""Overload and deadlines: a clear 503 with Retry-After, never a hang, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import trio

from tests.support import Running, copy_config, start


def _tight_config(dst: Path) -> Path:
    cfg = copy_config(dst)
    path = cfg / "service.toml"
    text = path.read_text()
    text = text.replace("request_deadline_ms = 2000", "request_deadline_ms = 200")
    text = text.replace("queue_depth = 256", "queue_depth = 1").replace(
        "scorers = 2", "scorers = 1"
    )
    path.write_text(text)
    return cfg


async def test_busy_engine_gives_503_with_retry_after(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    svc: Running = await start(nursery, tmp_path / "data", _tight_config(tmp_path / "cfg"))
    async with svc.client:
        sid = await svc.session()
        assert (await svc.collect(sid)).status_code == 202
        before = await svc.snapshot()
        engine = svc.handle.state.engine
        release = trio.Event()

        async def hog() -> None:
            await release.wait()

        # occupy the only actor, then fill the one-slot inbox
        nursery.start_soon(engine.run_async, hog)
        nursery.start_soon(engine.run_async, hog)
        await trio.sleep(0.05)
        with trio.fail_after(5):
            r = await svc.score(sid)
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "1"
        assert r.json()["error"]["code"] == "overloaded"
        assert "deadline" in r.json()["error"]["message"]
        release.set()
        await trio.sleep(0.05)
        # the timed-out score was abandoned, not half-written
        assert await svc.snapshot() == before
        r = await svc.score(sid)
        assert r.status_code == 200
