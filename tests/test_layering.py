"""The layering contracts of pyproject.toml (import-linter): kept by the code as it is, and
each one broken when a module is made to import across it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import REPO

LINT = Path(sys.executable).parent / "lint-imports"

# one deliberate violation per contract: (module file, the import added to it, the contract)
BREAKS = [
    ("engine/store/keys.py", "import engine.runtime.server", "no module imports a layer above"),
    ("engine/http/protocol.py", "import engine.sessions.service", "know nothing of the domain"),
    ("engine/hookspecs.py", "import numba", "what a plugin imports is light"),
    ("engine/sessions/collect.py", "import engine.store._rocks", "private modules"),
]


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "engine", root / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_code_keeps_every_contract(tmp_path: Path) -> None:
    out = _lint(_copy(tmp_path))
    assert out.returncode == 0, out.stdout[-3000:]
    assert "4 kept, 0 broken" in out.stdout


def test_each_contract_fails_when_a_module_crosses_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    for path, line, _ in BREAKS:
        target = root / path
        text = target.read_text()
        target.write_text(
            text.replace("from __future__ import annotations\n", "", 1) + "\n" + line + "\n"
        )
    out = _lint(root)
    assert out.returncode != 0
    assert "0 kept, 4 broken" in out.stdout, out.stdout[-3000:]
    for _, line, contract in BREAKS:
        assert contract in out.stdout
        assert line.split()[-1] in out.stdout, f"{line} not reported"
