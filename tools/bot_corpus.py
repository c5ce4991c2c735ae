"""How many declared bots and crawlers the service flags `automation`, sent as web sessions.

Every user agent in the public corpus that `crawler-user-agents` ships (each pattern's
`instances`, ~2,100 real strings) posts a consistent desktop web payload whose
`software.user_agent` is that string, with the same string as its HTTP User-Agent, as a
bot that runs a replay script would. The service runs in this process on loopback with a
fresh data directory and a copy of config/; nothing leaves the machine.

    python -m tools.bot_corpus                 # all of it, about a minute
    python -m tools.bot_corpus --limit 200 --show-missed 20
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import crawleruseragents
import httpx
import trio

from engine.runtime.server import ServeOptions, serve

REPO = Path(__file__).resolve().parent.parent
ORIGIN = "http://127.0.0.1:8080"
PAYLOAD: dict[str, Any] = {
    "device": {
        "screen_width": 1920,
        "screen_height": 1080,
        "pixel_ratio": 1,
        "hardware_concurrency": 8,
        "touch_points": 0,
        "plugins_count": 5,
        "webgl_renderer": "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)",
    },
    "software": {
        "platform": "Win32",
        "languages": ["en-US", "en"],
        "timezone": "America/New_York",
        "timezone_offset_min": -300,
        "webdriver": False,
    },
    "behaviour": {"time_on_page_ms": 60_000, "fields": [{"name": "amount", "chars_typed": 4}]},
}


def corpus() -> list[str]:
    """The list's example user agents, deduplicated, in list order; only those that can be
    sent as a header (trimmed, printable Latin-1)."""
    seen: dict[str, None] = {}
    for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA:
        for raw in entry.get("instances", ()):
            ua = raw.strip() if isinstance(raw, str) else ""
            if 0 < len(ua) <= 1024 and ua.isprintable() and ua.isascii():
                seen.setdefault(ua)
    return list(seen)


async def score_one(client: httpx.AsyncClient, ua: str, n: int) -> dict[str, Any]:
    r = await client.post(
        "/v1/sessions", json={"site_key": "demo_site"}, headers={"Origin": ORIGIN}
    )
    sid = r.json()["session_id"]
    attributes = {**PAYLOAD, "software": {**PAYLOAD["software"], "user_agent": ua}}
    attributes["device"] = {**PAYLOAD["device"], "canvas_hash": f"{n:064x}"}
    body = {"session_id": sid, "site_key": "demo_site", "channel": "web", "attributes": attributes}
    headers = {"Origin": ORIGIN, "User-Agent": ua, "X-Forwarded-For": f"24.1.{n // 250}.{n % 250}"}
    r = await client.post("/v1/collect", json=body, headers=headers)
    if r.status_code != 202:  # e.g. a crawler's contact e-mail in its user agent: refused
        return {"refused": r.json()["error"]["code"]}
    r = await client.post(
        "/v1/score", json={"session_id": sid}, headers={"Authorization": "Bearer demo_key"}
    )
    answer: dict[str, Any] = r.json()
    return answer


async def run(uas: list[str], show_missed: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bot-corpus-") as tmp:
        config = Path(tmp) / "config"
        shutil.copytree(REPO / "config", config)
        opts = ServeOptions(
            host="127.0.0.1", port=0, data_dir=Path(tmp) / "data", config_dir=config
        )
        async with trio.open_nursery() as nursery:
            handle = await nursery.start(serve, opts)
            base = f"http://127.0.0.1:{handle.port}"
            flagged, refused, missed = 0, 0, []
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                for n, ua in enumerate(uas):
                    answer = await score_one(client, ua, n)
                    if "refused" in answer:
                        refused += 1
                    elif answer["flags"]["automation"]:
                        flagged += 1
                    else:
                        missed.append(ua)
            nursery.cancel_scope.cancel()
    scored = len(uas) - refused
    print(f"crawler-user-agents corpus: {len(uas)} user agents sent as web sessions")
    print(f"refused at collect (a direct identifier in the payload's user agent): {refused}")
    print(f"flagged automation: {flagged} of {scored} scored ({flagged / max(scored, 1):.1%})")
    for ua in missed[:show_missed]:
        print(f"  not flagged: {ua}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.bot_corpus", description=__doc__)
    p.add_argument("--limit", type=int, default=0, help="only the first N user agents")
    p.add_argument("--show-missed", type=int, default=10, help="print N that were not flagged")
    args = p.parse_args(argv)
    uas = corpus()
    if args.limit > 0:
        uas = uas[: args.limit]
    return trio.run(run, uas, args.show_missed)


if __name__ == "__main__":
    sys.exit(main())
