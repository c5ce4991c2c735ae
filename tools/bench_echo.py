"""The benchmark's baseline: a bare Quart-Trio app on Hypercorn's trio worker.

One route, `POST /echo`, answers the request's JSON body as it came. It does no work of its
own, so it measures the stack's ceiling (Hypercorn + Quart-Trio on one core) that
`tools/bench/` compares the real service against, in the same run.

    python -m tools.bench_echo --port 8099
    hypercorn --worker-class trio tools.bench_echo:app --bind 127.0.0.1:8099
"""

from __future__ import annotations

import argparse

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from quart import Response, request
from quart_trio import QuartTrio

app = QuartTrio("bench_echo")


@app.post("/echo")
async def echo() -> Response:
    body = await request.get_data(cache=False, as_text=False)
    return Response(body, status=200, content_type="application/json")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="bare Quart-Trio JSON echo (benchmark baseline)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8099)
    args = p.parse_args(argv)
    cfg = Config()
    cfg.bind = [f"{args.host}:{args.port}"]
    cfg.accesslog = None
    cfg.keep_alive_timeout = 30  # as the service (engine/runtime/server.py)
    try:
        trio.run(serve, app, cfg)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
