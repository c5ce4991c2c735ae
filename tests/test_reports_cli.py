"""`anonscore reports list|revoke` (engine/reputation/cli.py) on a real store: the operator
takes one tenant's reports out of the shared evidence, with an audit entry and a log line.
Issue 15: the operator could neither see nor revoke a tenant's reports."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trio

from engine.cli import main
from engine.reputation.reports import audit_trail
from engine.store.regions import AllRegions
from tests.support import copy_config, start


def codes(answer: dict[str, object]) -> set[str]:
    return {r["code"] for r in answer["reasons"]}  # type: ignore[attr-defined]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return copy_config(tmp_path / "config")


async def cli(*argv: str) -> int:
    return await trio.to_thread.run_sync(main, list(argv))


async def test_the_operator_lists_and_revokes_a_tenants_reports(
    tmp_path: Path,
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = tmp_path / "data"
    where = ["--data-dir", str(data), "--config-dir", str(config_dir)]
    async with trio.open_nursery() as nursery:
        svc = await start(nursery, data, config_dir)
        async with svc.client:
            reported = await svc.flow()
            r = await svc.client.post(
                "/v1/feedback",
                json={"session_id": reported["session_id"], "label": "fraud"},
                headers={"Authorization": "Bearer demo_key"},
            )
            assert r.status_code == 202
            assert "KNOWN_FRAUD_DEVICE" in codes(
                await svc.flow(site_key="demo2_site", key="demo2_key")
            )
        nursery.cancel_scope.cancel()  # RocksDB: one process at a time

    assert await cli("reports", "list", "--tenant", "demo", *where) == 0
    out = capsys.readouterr()
    (line,) = out.out.splitlines()
    assert " eu fraud " in line
    assert "revoked" not in line
    assert "1 reports listed for tenant 'demo'" in out.err
    assert await cli("reports", "list", "--tenant", "demo2", *where) == 0
    assert capsys.readouterr().out == ""  # demo2 filed none

    with caplog.at_level(logging.WARNING, logger="anonscore.reports"):
        assert await cli("reports", "revoke", "--tenant", "demo", *where) == 0
    assert "1 reports revoked for tenant 'demo'" in capsys.readouterr().err
    (logged,) = [r for r in caplog.records if r.name == "anonscore.reports"]
    assert logged.getMessage().startswith("reports revoked")
    assert logged.tenant == "demo"  # type: ignore[attr-defined]
    assert await cli("reports", "list", "--tenant", "demo", *where) == 0
    assert " revoked " in capsys.readouterr().out

    store = AllRegions.open(data)
    try:
        (audit,) = await audit_trail(store)  # type: ignore[arg-type]
    finally:
        store.close()
    assert (audit.action, audit.tenant, audit.count) == ("revoke", "demo", 1)

    async with trio.open_nursery() as nursery:
        svc = await start(nursery, data, config_dir)
        async with svc.client:
            again = await svc.flow(site_key="demo3_site", key="demo3_key")
            assert "KNOWN_FRAUD_DEVICE" not in codes(again)
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tenant", "nobody"], "tenant 'nobody' is not in"),
        (["--tenant", "demo", "--since", "yesterday"], "--since must be an RFC 3339 time"),
    ],
)
def test_bad_arguments_say_what_to_give(
    argv: list[str],
    message: str,
    config_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc = main(
        ["reports", "revoke", *argv, "--config-dir", str(config_dir), "--data-dir", str(tmp_path)]
    )
    assert rc == 2
    assert message in capsys.readouterr().err
