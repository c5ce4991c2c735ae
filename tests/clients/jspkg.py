"""@anonscore/collector (clients/js) for the tests: Node and npm found (Debian's, from
tools/install_node.sh), the package's pinned toolchain installed from its lock file, a build,
and the package installed into an application the way a lender's gets it from npm (`npm pack`,
then `npm install` of that tarball)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "clients" / "js"


def tool(name: str) -> str:
    """The path of `name`; without it the test fails under CI and is skipped elsewhere."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} not found; run tools/install_node.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def run(cmd: list[str], cwd: Path = PACKAGE, timeout: float = 300) -> str:
    """Runs cmd; its stdout, or the test fails with its output."""
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(cmd)}:\n{done.stdout[-6000:]}{done.stderr[-3000:]}"
    return done.stdout


def ready_node() -> str:
    """Node, with the package's pinned dependencies installed (`npm ci`, again when the lock
    file is newer than the installed tree, as tools/run does)."""
    node, npm = tool("node"), tool("npm")
    stamp = PACKAGE / "node_modules" / ".package-lock.json"
    lock = PACKAGE / "package-lock.json"
    if not stamp.exists() or lock.stat().st_mtime > stamp.stat().st_mtime:
        run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], timeout=600)
    return node


def build(node: str, out: Path | None = None) -> None:
    """`node build.mjs [out]`: the IIFE, ESM and types (into clients/js/dist without out)."""
    run([node, "build.mjs", *([str(out)] if out else [])])


def install_from_tarball(app: Path) -> Path:
    """The package packed (its `prepack` builds it) and installed into a fresh application at
    `app`; the module build's path there (node_modules/@anonscore/collector/dist/index.js)."""
    ready_node()
    npm = tool("npm")
    app.mkdir(parents=True, exist_ok=True)
    tarball = run([npm, "pack", "--pack-destination", str(app), "--loglevel=error"]).split()[-1]
    (app / "package.json").write_text('{"name": "lender-app", "private": true}\n')
    flags = ["--no-audit", "--no-fund", "--loglevel=error", "--offline"]
    run([npm, "install", *flags, str(app / tarball)], cwd=app)
    return app / "node_modules" / "@anonscore" / "collector" / "dist" / "index.js"
