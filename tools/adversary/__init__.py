"""The adversary harness: real anti-detect kits and honest controls against a running service.

`python -m tools.adversary run --base-url URL --out results.jsonl` makes sessions on the
service's demo form with anti-detect kits from the registries (in costumes, headless and
headful, driven over the DevTools protocol) and with honest browsers started by hand under
Xvfb (no DevTools protocol, typed into through X events), scores each through the API, and
records kit, costume, mode, score, flags and reason codes. See docs/adversary.md.
"""

from tools.adversary._common import Result, Target, read_results, write_results
from tools.adversary._lender import CSP, lender_server
from tools.adversary._report import Totals, plot_scores, summary_table, totals

__all__ = [
    "CSP",
    "Result",
    "Target",
    "Totals",
    "lender_server",
    "plot_scores",
    "read_results",
    "summary_table",
    "totals",
    "write_results",
]
