"""tools.bench.sweep: both listings see every key it wrote, the sweep deletes the stale
third of its records, and it leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from engine.store import AsyncRocksStore
from tools.bench import sweep


def test_the_sweep_bench_lists_every_key_both_ways_and_cleans_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sweep.main(["--store", str(tmp_path / "db"), "--keys", "2345", "--batch", "100"]) == 0
    out = capsys.readouterr().out
    assert "key_pages" in out
    assert out.count("(2,345 keys)") == 2  # key_pages and scan paging saw every key
    assert "velocity sweep over 2,345 records: 782 stale deleted" in out  # every third

    async def left() -> list[tuple[bytes, bytes]]:
        store = AsyncRocksStore.open(tmp_path / "db")
        try:
            return await store.scan(sweep.PREFIX) + await store.scan(b"v:")
        finally:
            await store.aclose()

    assert trio.run(left) == []


def test_the_sweep_bench_refuses_nonsense() -> None:
    with pytest.raises(SystemExit):
        sweep.main(["--store", "x", "--keys", "0"])
