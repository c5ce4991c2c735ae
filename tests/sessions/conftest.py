from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sessions.support import Domain, open_domain


@pytest.fixture
async def domain(tmp_path: Path, config_dir: Path) -> AsyncIterator[Domain]:
    async with open_domain(tmp_path / "data", config_dir) as opened:
        yield opened
