"""What the collector's lie probes add to the time until its first collect (a benchmark).

Headless Chromium (Playwright, Debian's /usr/bin/chromium) loads a page that includes the
collector and calls `anonscore.flush()` at once; the figure is when the page starts its
`POST /v1/collect` (the resource timing's startTime, ms after navigation start). Two
builds of the collector take turns, page load by page load: the shipped one, and the
same file with the `coherence(...)` call replaced by nothing (no worker, no iframe, no
native, geometry or font checks). The service runs as a subprocess on loopback, as in the
browser tests; both builds talk to it.

    python -m tools.bench_collector              # 15 loads of each, medians and spread
    python -m tools.bench_collector --rounds 30

Timings on a shared 2-core machine are noisy: compare medians of interleaved rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Route, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.process import running_server

COLLECTOR = Path(__file__).resolve().parent.parent / "engine" / "static" / "collector.js"
PROBES = "var lies = attempt(function () { return coherence(gl, fontInfo && fontInfo.found); });"
PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<form data-anonscore><input name="amount"></form>
<script src="/collector.js" data-site-key="demo_site"></script>
<script src="/bench.js"></script></body></html>"""
BENCH_JS = "window.done = window.anonscore.flush();"
COLLECT_START = """() => {
  const e = performance.getEntriesByType('resource').find(r => r.name.endsWith('/v1/collect'));
  return e ? e.startTime : null;
}"""


def builds() -> dict[str, str]:
    shipped = COLLECTOR.read_text(encoding="utf-8")
    assert PROBES in shipped, "the coherence call moved: update tools/bench_collector.py"
    return {"with probes": shipped, "without probes": shipped.replace(PROBES, "var lies;")}


def run(rounds: int) -> dict[str, list[float]]:
    sources = builds()
    times: dict[str, list[float]] = {name: [] for name in sources}
    with (
        tempfile.TemporaryDirectory(prefix="bench-collector-") as tmp,
        running_server(Path(tmp)) as server,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for _ in range(rounds):
            for name, source in sources.items():
                context = browser.new_context()
                page = context.new_page()

                def serve(route: Route, body: str = source) -> None:
                    route.fulfill(body=body, content_type="application/javascript")

                page.route(f"{server.base_url}/collector.js", serve)
                page.route(
                    f"{server.base_url}/bench.js",
                    lambda r: r.fulfill(body=BENCH_JS, content_type="application/javascript"),
                )
                page.route(
                    f"{server.base_url}/bench",
                    lambda r: r.fulfill(body=PAGE, content_type="text/html"),
                )
                page.goto(f"{server.base_url}/bench")
                page.evaluate("window.done")
                start = page.evaluate(COLLECT_START)
                if start is not None:
                    times[name].append(float(start))
                context.close()
        browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bench_collector", description=__doc__)
    p.add_argument("--rounds", type=int, default=15, help="page loads of each build")
    args = p.parse_args(argv)
    times = run(max(args.rounds, 3))
    medians = {}
    for name, values in times.items():
        values.sort()
        medians[name] = statistics.median(values)
        q = statistics.quantiles(values, n=4)
        print(
            f"{name}: first collect starts at median {medians[name]:.1f} ms "
            f"(quartiles {q[0]:.1f}-{q[2]:.1f}, n={len(values)})"
        )
    added = medians["with probes"] - medians["without probes"]
    print(f"the probes add {added:.1f} ms (median against median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
