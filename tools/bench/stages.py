"""CPU per request by stage: the service's own `anonscore_stage_cpu_seconds` counters
(engine/metrics.py StageClock) and request counters, scraped before and after a run, beside
the process's CPU from /proc. What the stages do not cover is HTTP parsing, JSON, routing,
the store client and the event loop; a Redis Cluster's servers are counted apart."""

from __future__ import annotations

import re
import urllib.request
from typing import Any

from .client import HOST

OPERATOR_TOKEN = "demo_operator_token"  # config/service.toml's demo token
STAGE_ENDPOINT = {  # which request a stage belongs to
    "ip lookup": "collect",
    "privacy scan": "collect",
    "validate": "collect",
    "sanitize": "collect",
    "collect op": "collect",
    "device link": "score",
    "plugins": "score",
    "model": "score",
    "record": "score",
}
_LINE = re.compile(r"^(anonscore_\w+)\{([^}]*)\} ([0-9.eE+-]+)$")


def scrape(port: int) -> dict[str, float]:
    """{"stage:<name>": CPU seconds, "requests:<endpoint>": count} from one /metrics."""
    req = urllib.request.Request(
        f"http://{HOST}:{port}/metrics", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read().decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        name, labels, value = m.group(1), dict(_labels(m.group(2))), float(m.group(3))
        if name == "anonscore_stage_cpu_seconds_total":
            out[f"stage:{labels['stage']}"] = value
        elif name == "anonscore_http_requests_total":
            key = f"requests:{labels['endpoint']}"
            out[key] = out.get(key, 0.0) + value
    return out


def _labels(text: str) -> list[tuple[str, str]]:
    return re.findall(r'(\w+)="([^"]*)"', text)


def breakdown(
    before: dict[str, float], after: dict[str, float], server_s: float, store_s: float | None
) -> dict[str, Any]:
    """Microseconds per full flow (session, collect, score) by stage, the rest of the
    service's CPU, and the store servers' CPU (None: an embedded store)."""
    grew = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    flows = grew.get("requests:score", 0.0)
    if flows <= 0:
        return {}
    per = 1e6 / flows
    rows: list[dict[str, Any]] = [
        {"endpoint": STAGE_ENDPOINT.get(name[6:], "?"), "stage": name[6:], "us": v * per}
        for name, v in sorted(grew.items())
        if name.startswith("stage:")
    ]
    order = {"collect": 0, "score": 1}
    rows.sort(key=lambda r: (order.get(r["endpoint"], 2), r["stage"]))
    staged = sum(r["us"] for r in rows)
    return {
        "flows": int(flows),
        "stages": rows,
        "other_us": server_s * per - staged,
        "process_us": server_s * per,
        "store_servers_us": None if store_s is None else store_s * per,
    }
