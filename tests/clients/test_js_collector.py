"""@anonscore/collector (clients/js) from the pytest suite, so that the one test command runs it.

Node and npm are Debian's (tools/install_node.sh); the package's own toolchain is the esbuild
and TypeScript pinned in clients/js/package-lock.json, installed with `npm ci` (again when the
lock file is newer than the installed tree, as tools/run does). Here: the committed
engine/static/collector.js is byte for byte what the pinned toolchain builds from the source;
Node's own test runner passes (the SSR import, the types); the script-tag build stays within
its size budget and carries no dynamic code. The strict-CSP run in Chromium is
tests/browser/test_csp.py.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from tests.clients.jspkg import REPO, build, ready_node, run

SERVED = REPO / "engine" / "static" / "collector.js"
# min+gzip (level 9) of the script-tag build; 9,562 B when the budget was set (docs/collector.md)
GZIP_BUDGET = 11 * 1024
DYNAMIC_CODE = re.compile(
    r"\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|set(Timeout|Interval)\s*\(\s*['\"`]"
)


@pytest.fixture(scope="module")
def node() -> str:
    return ready_node()


@pytest.fixture(scope="module")
def built(node: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build of the source with the pinned toolchain (clients/js/build.mjs)."""
    out = tmp_path_factory.mktemp("js-build")
    build(node, out)
    return out


def test_the_served_collector_is_the_build_of_the_source(built: Path) -> None:
    assert (built / "collector.js").read_bytes() == SERVED.read_bytes(), (
        "engine/static/collector.js is not the build of clients/js/src: "
        "run `npm run build` in clients/js and commit the file"
    )


def test_node_test_runner(node: str) -> None:
    build(node)  # dist/, which the Node tests import
    out = run([node, "--test", "test/"])
    assert re.search(r"^# pass [1-9]", out, re.M), out[-2000:]
    assert re.search(r"^# fail 0$", out, re.M), out[-2000:]


def test_size_budget() -> None:
    size = len(gzip.compress(SERVED.read_bytes(), compresslevel=9))
    assert size <= GZIP_BUDGET, f"collector.js is {size} B min+gzip, over its {GZIP_BUDGET} B"


def test_no_dynamic_code_in_the_builds(built: Path) -> None:
    for name in ("collector.js", "index.js"):
        text = (built / name).read_text(encoding="utf-8")
        assert not DYNAMIC_CODE.findall(text), name
