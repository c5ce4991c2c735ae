"""Open-loop load: new flows start at a fixed rate, whether or not earlier ones finished.

A closed loop (N connections, each waiting for its answer) slows down with the server and
can never overload it; real applicants keep arriving. Here a flow (session -> collect ->
score) starts every 1/rate seconds on an idle keep-alive connection, or a new one, as a
page and a lender's back-end would. A flow ends at its first non-2xx answer (a 503 from
admission control sheds it). Recorded: every answer's latency (2xx or not), flows completed
per second, answers by status.
"""

from __future__ import annotations

import random
import time
from typing import Any

from .client import Conn, HttpError
from .payloads import FlowRequests, collect_body

MAX_OPEN_FLOWS = 4000  # the client's own limit: beyond it an arrival is counted as not sent


async def open_loop(
    port: int, rate: float, warmup: float, duration: float, seed: int = 1
) -> dict[str, Any]:
    import trio

    req = FlowRequests(port)
    post, backend, session_body = req.post, req.backend, req.session_body

    perf = time.perf_counter_ns
    t_start = perf()
    warm_end = t_start + int(warmup * 1e9)
    end = warm_end + int(duration * 1e9)
    idle: list[Conn] = []
    latencies: list[int] = []  # every answer in the window, ns
    flow_latencies: list[int] = []
    statuses: dict[int, int] = {}
    counts = {"started": 0, "completed": 0, "not_sent": 0, "open": 0, "max_open": 0}
    rng = random.Random(seed)

    async def call(conn: Conn, data: bytes) -> tuple[int, bytes]:
        t0 = perf()
        status, body = 0, b""
        for _ in range(2):  # an idle connection the server closed: once more, on a new one
            reused = conn.sock is not None
            try:
                if conn.sock is None:
                    await conn.connect()
                status, body = await conn.request(data)
                break
            except (OSError, HttpError, ValueError):
                conn.close()
                status, body = 0, b""
                if not reused:
                    break
        t1 = perf()
        if warm_end <= t1 <= end:
            latencies.append(t1 - t0)
            statuses[status] = statuses.get(status, 0) + 1
        return status, body

    async def flow(seq: int) -> None:
        attrs, headers, behaviour = req.pick(random.Random(seed * 1_000_003 + seq))
        conn = idle.pop() if idle else Conn(port)
        counts["open"] += 1
        counts["max_open"] = max(counts["max_open"], counts["open"])
        t0 = perf()
        try:
            status, body = await call(conn, post(b"/v1/sessions", headers, session_body))
            if status != 201:
                return
            sid = req.session_id(body)
            data = post(b"/v1/collect", headers, collect_body(sid, attrs, behaviour))
            if (await call(conn, data))[0] != 202:
                return
            data = post(b"/v1/score", backend, req.score_body(sid))
            if (await call(conn, data))[0] == 200:
                t1 = perf()
                if warm_end <= t1 <= end:
                    counts["completed"] += 1
                    flow_latencies.append(t1 - t0)
        finally:
            counts["open"] -= 1
            if conn.sock is not None:
                idle.append(conn)

    interval = 1.0 / rate
    async with trio.open_nursery() as nursery:
        next_at = trio.current_time()
        seq = 0
        while perf() < end:
            next_at += interval * rng.expovariate(1.0)  # Poisson arrivals at `rate`
            await trio.sleep_until(next_at)
            if counts["open"] >= MAX_OPEN_FLOWS:
                counts["not_sent"] += 1
                continue
            counts["started"] += 1
            seq += 1
            nursery.start_soon(flow, seq)
        nursery.cancel_scope.deadline = trio.current_time() + 10  # stragglers
    for conn in idle:
        conn.close()

    def q(values: list[int], p: float) -> float | None:
        if not values:
            return None
        values = sorted(values)
        return round(values[min(len(values) - 1, int(p * len(values)))] / 1e6, 2)

    return {
        "rate": rate,
        "completed_per_s": round(counts["completed"] / duration, 1),
        "answers": sum(statuses.values()),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": q(latencies, 0.5),
        "p99_ms": q(latencies, 0.99),
        "max_ms": q(latencies, 1.0),
        "flow_p99_ms": q(flow_latencies, 0.99),
        "max_open_flows": counts["max_open"],
        "not_sent": counts["not_sent"],
    }
