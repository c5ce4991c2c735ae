"""Each endpoint on its own: sessions, then collect, then score, back to back in one
load-generator process, each with its warm-up and its measured window.

The flow (tools/bench/loadgen.py) sends session -> collect -> score on each connection, so
its three endpoints share one rate. Here each endpoint gets the whole connection pool and
its own rate, as the issue's figures are: the sessions phase keeps the tokens it is given,
the collect phase posts one payload on each (a fresh session every time), and the score
phase scores each collected session once (a first score, never the sealed answer). When
the score phase runs out of collected sessions it stops, and its rate is counted over the
time it ran. Requests and payloads are the flow's (tools/bench/payloads.py).
"""

from __future__ import annotations

import random
import time
from collections import deque
from typing import Any

from .client import Conn, HttpError
from .cpu import cpu_window
from .loadgen import Recorder, per_request
from .payloads import FlowRequests, collect_body

SPLIT_ENDPOINTS = ("sessions", "collect", "score")


async def split_phases(
    port: int,
    concurrency: int,
    warmup: float,
    duration: float,
    server_pid: int | None = None,
    seed: int = 1,
) -> dict[str, Any]:
    """Three phases of `warmup + duration` s each; per-endpoint stats and the phases'
    start offsets (s from the first phase's start: a profiler lines up with them)."""
    import msgspec
    import trio

    req = FlowRequests(port)
    perf = time.perf_counter_ns
    conns = [Conn(port) for _ in range(concurrency)]
    for c in conns:
        await c.connect()
    tokens: deque[bytes] = deque()
    collected: deque[bytes] = deque()
    out: dict[str, Any] = {"endpoints": {}, "phase_offsets_s": []}
    t_first = perf()
    cpu0 = time.process_time()

    for name in SPLIT_ENDPOINTS:
        t_start = perf()
        out["phase_offsets_s"].append(round((t_start - t_first) / 1e9, 3))
        warm_end = t_start + int(warmup * 1e9)
        end = warm_end + int(duration * 1e9)
        rec = Recorder([name], warm_end, end)
        ran_out: list[int] = []

        async def call(conn: Conn, data: bytes, name: str = name, rec: Recorder = rec) -> bytes:
            t0 = perf()
            try:
                if conn.sock is None:
                    await conn.connect()
                status, body = await conn.request(data)
            except (OSError, HttpError, ValueError) as exc:
                conn.close()
                status, body = 0, f"connection error: {exc}".encode()
            t1 = perf()
            if 200 <= status < 300:
                rec.ok(name, t0, t1)
                return body
            text = body[:300].decode("utf-8", "replace")
            rec.error(name, t1, f"HTTP {status}: {text}" if status else text)
            return b""

        async def client(
            conn: Conn,
            rng: random.Random,
            name: str = name,
            end: int = end,
            call: Any = call,
            ran_out: list[int] = ran_out,
        ) -> None:
            while perf() < end:
                attrs, headers, behaviour = req.pick(rng)
                if name == "sessions":
                    body = await call(conn, req.post(b"/v1/sessions", headers, req.session_body))
                    if body:
                        try:
                            tokens.append(req.session_id(body))
                        except msgspec.DecodeError:
                            pass
                    continue
                source = tokens if name == "collect" else collected
                if not source:
                    ran_out.append(perf())
                    return
                sid = source.popleft()
                if name == "collect":
                    data = req.post(b"/v1/collect", headers, collect_body(sid, attrs, behaviour))
                    if await call(conn, data):
                        collected.append(sid)
                else:
                    await call(conn, req.post(b"/v1/score", req.backend, req.score_body(sid)))

        used: dict[str, float] = {}
        with trio.move_on_after(warmup + duration + 30):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(cpu_window, server_pid, warm_end, end, used)
                for i, c in enumerate(conns):
                    nursery.start_soon(client, c, random.Random(seed * 1000 + i))
        stop = min([end, *ran_out])
        seconds = max(1e-3, (stop - warm_end) / 1e9)
        stats = rec.stats(name, seconds)
        stats["measured_s"] = round(seconds, 3)
        stats["ran_out"] = bool(ran_out) and min(ran_out) < end
        stats["cpu_us"] = per_request(used, stats["count"])
        out["endpoints"][name] = stats
    wall = (perf() - t_first) / 1e9
    for c in conns:
        c.close()
    out["loadgen_cpu_pct"] = round(100 * (time.process_time() - cpu0) / wall, 1)
    return out
