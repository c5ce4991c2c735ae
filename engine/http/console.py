"""`GET /console`: a small operator page rendered from the same metrics as `/metrics`.

Aggregates only (counts, rates, the score distribution): no session, device or tenant data.
"""

from __future__ import annotations

import html
import time
from collections import defaultdict

from engine.metrics import Metrics

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2433;max-width:980px}
h1{font-size:1.4rem}h2{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;min-width:420px}td,th{padding:.25rem .7rem;text-align:right}
th:first-child,td:first-child{text-align:left}tr:nth-child(even){background:#f3f5f9}
.ok{color:#127a3a}.bad{color:#b3261e}small{color:#5b6475}
"""


def _samples(metrics: Metrics) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for family in metrics.registry.collect():
        for sample in family.samples:
            out[sample.name].append((dict(sample.labels), float(sample.value)))
    return out


def _table(head: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p><small>nothing yet</small></p>"
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def render_console(
    metrics: Metrics, *, ready: bool, queued: int, model_version: str, tenants: int, started: float
) -> bytes:
    s = _samples(metrics)
    by_endpoint: dict[str, dict[str, float]] = defaultdict(dict)
    for labels, value in s["anonscore_http_requests_total"]:
        by_endpoint[labels["endpoint"]][labels["status"]] = value
    latency_sum = {lb["endpoint"]: v for lb, v in s["anonscore_http_request_seconds_sum"]}
    latency_count = {lb["endpoint"]: v for lb, v in s["anonscore_http_request_seconds_count"]}
    request_rows = []
    for endpoint in sorted(by_endpoint):
        statuses = by_endpoint[endpoint]
        total = sum(statuses.values())
        errors = sum(v for k, v in statuses.items() if not k.startswith("2"))
        mean = latency_sum.get(endpoint, 0.0) / max(latency_count.get(endpoint, 0.0), 1.0)
        detail = ", ".join(f"{k}: {int(v)}" for k, v in sorted(statuses.items()))
        request_rows.append(
            [endpoint, str(int(total)), str(int(errors)), f"{mean * 1000:.1f}", detail]
        )
    error_rows = [
        [lb["code"], str(int(v))]
        for lb, v in sorted(s["anonscore_errors_total"], key=lambda x: -x[1])
    ]
    flag_rows = [
        [lb["flag"], str(int(v))]
        for lb, v in sorted(s["anonscore_flags_total"], key=lambda x: -x[1])
    ]
    score_rows = []
    previous = 0.0
    for lb, v in s["anonscore_score_bucket"]:
        if lb["le"] == "+Inf":
            continue  # scores are at most 1.0
        score_rows.append([f"≤ {lb['le']}", str(int(v - previous))])
        previous = v
    plugin_rows = [[lb["plugin"], str(int(v))] for lb, v in s["anonscore_plugin_errors_total"]]
    status = '<b class="ok">ready</b>' if ready else '<b class="bad">starting</b>'
    uptime = int(time.time() - started)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="10"><title>anonscore console</title>
<style>{_STYLE}</style></head><body>
<h1>anonscore console</h1>
<p>{status} · model {html.escape(model_version)} · {tenants} tenants ·
engine queue {queued} · up {uptime // 3600} h {uptime % 3600 // 60} min
<br><small>aggregates since start, refreshed every 10 s; raw series at
<a href="/metrics">/metrics</a></small></p>
<h2>Requests</h2>{_table(["endpoint", "requests", "errors", "mean ms", "by status"], request_rows)}
<h2>Errors by code</h2>{_table(["code", "count"], error_rows)}
<h2>Flags raised</h2>{_table(["flag", "sessions"], flag_rows)}
<h2>Scores</h2>{_table(["score", "sessions"], score_rows)}
<h2>Plugin failures</h2>{_table(["plugin", "calls that raised"], plugin_rows)}
</body></html>"""
    return page.encode()
