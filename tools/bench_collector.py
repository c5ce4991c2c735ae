"""What the collector's lie probes add to the time until its first collect (a benchmark).

Headless Chromium (Playwright, Debian's /usr/bin/chromium) loads a page that includes the
collector and calls `anonscore.flush()` at once; the figure is when the page starts its
`POST /v1/collect` (the resource timing's startTime, ms after navigation start), and how
long gathering the static attributes took. Two builds of the collector take turns, page
load by page load: the shipped one, and the same file with the `coherence(...)` call
replaced by nothing (no worker, no iframe, no native, geometry or font checks). Each
build is served by its own service (a subprocess on loopback, as in the browser tests),
run from a copy of the tree whose engine/static holds that build and the bench page as
/demo, so the page, the collector and its worker are all same-origin and nothing goes
through the driver's request interception.

    python -m tools.bench_collector              # 25 loads of each, medians and spread
    python -m tools.bench_collector --rounds 40

Timings on a shared 2-core machine are noisy: compare medians of interleaved rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import sync_playwright

import tests.process
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parent.parent
COLLECTOR = REPO / "engine" / "static" / "collector.js"
PROBES = "var lies = attempt(function () { return coherence(gl, fontInfo && fontInfo.found); });"
PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<form data-anonscore><input name="amount"></form>
<script src="/collector.js" data-site-key="demo_site"></script>
<script>window.done = window.anonscore.flush();</script></body></html>"""
COLLECT_START = """() => {
  const e = performance.getEntriesByType('resource').find(r => r.name.endsWith('/v1/collect'));
  return e ? e.startTime : null;
}"""


# Both builds are timed the same way: how long gathering the static attributes takes, from
# the start of gatherStatic until its Promise settles (the probes run inside it).
GATHER_START = "  function gatherStatic() {\n"
GATHER_TIMED = GATHER_START + "    var began = performance.now();\n"
GATHER_END = (
    "      return { device: device, software: software, network: network, coherence: checks };"
)
GATHER_END_TIMED = "      window.gatherMs = performance.now() - began;\n" + GATHER_END


def builds() -> dict[str, str]:
    shipped = COLLECTOR.read_text(encoding="utf-8")
    for text in (PROBES, GATHER_START, GATHER_END):
        assert text in shipped, "the collector changed: update tools/bench_collector.py"
    timed = shipped.replace(GATHER_START, GATHER_TIMED).replace(GATHER_END, GATHER_END_TIMED)
    return {"with probes": timed, "without probes": timed.replace(PROBES, "var lies;")}


def tree(root: Path, collector: str) -> Path:
    """A copy of the tree that serves `collector` and the bench page: engine/http and
    engine/static are copied (pages.py finds static/ beside its own resolved path), the
    rest is linked."""
    root.mkdir()
    for entry in REPO.iterdir():
        if entry.name not in ("engine", ".git", ".venv"):
            (root / entry.name).symlink_to(entry)
    (root / "engine").mkdir()
    for entry in (REPO / "engine").iterdir():
        if entry.name in ("http", "static"):
            shutil.copytree(entry, root / "engine" / entry.name)
        elif entry.name != "__pycache__":
            (root / "engine" / entry.name).symlink_to(entry)
    (root / "engine" / "static" / "collector.js").write_text(collector, encoding="utf-8")
    (root / "engine" / "static" / "demo.html").write_text(PAGE, encoding="utf-8")
    return root


@contextlib.contextmanager
def service(tmp: Path, name: str, collector: str) -> Iterator[tests.process.Server]:
    """The service run from a tree serving `collector` (running_server starts it from
    tests.process.REPO)."""
    saved = vars(tests.process)["REPO"]
    setattr(tests.process, "REPO", tree(tmp / f"tree-{name}", collector))  # noqa: B010
    try:
        with tests.process.running_server(tmp / f"run-{name}") as server:
            yield server
    finally:
        setattr(tests.process, "REPO", saved)  # noqa: B010


def run(rounds: int) -> dict[str, list[float]]:
    """Milliseconds per build: '<build>' until the collect starts, '<build> gather' for
    the static attributes."""
    sources = builds()
    times: dict[str, list[float]] = {n: [] for name in sources for n in (name, f"{name} gather")}
    with (
        tempfile.TemporaryDirectory(prefix="bench-collector-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        servers = {
            name: stack.enter_context(service(Path(tmp), str(i), source))
            for i, (name, source) in enumerate(sources.items())
        }
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for _ in range(rounds):
            for name, server in servers.items():
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"{server.base_url}/demo")
                page.evaluate("window.done")
                start = page.evaluate(COLLECT_START)
                if start is not None:
                    times[name].append(float(start))
                    times[f"{name} gather"].append(float(page.evaluate("window.gatherMs")))
                context.close()
        browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench_collector", description=__doc__)
    p.add_argument("--rounds", type=int, default=25, help="page loads of each build")
    args = p.parse_args(argv)
    times = run(max(args.rounds, 3))
    medians = {}
    for name, values in times.items():
        values.sort()
        medians[name] = statistics.median(values)
        q = statistics.quantiles(values, n=4)
        what = "static attributes gathered in" if name.endswith("gather") else "collect starts at"
        print(
            f"{name}: {what} median {medians[name]:.1f} ms "
            f"(quartiles {q[0]:.1f}-{q[2]:.1f}, n={len(values)})"
        )
    for suffix, what in (("", "time until the first collect"), (" gather", "static gathering")):
        added = medians[f"with probes{suffix}"] - medians[f"without probes{suffix}"]
        print(f"the probes add {added:.1f} ms to the {what} (median against median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
