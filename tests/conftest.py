from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from tests.support import Running, copy_config, start


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return copy_config(tmp_path / "config")


@pytest.fixture
async def svc(nursery: trio.Nursery, tmp_path: Path, config_dir: Path) -> AsyncIterator[Running]:
    running = await start(nursery, tmp_path / "data", config_dir)
    async with running.client:
        yield running
