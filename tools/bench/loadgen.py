"""The load generator (its own process, pinned to its own core): drives the echo or the
full flow over keep-alive connections and records latencies and errors."""

from __future__ import annotations

import base64
import random
import time
from typing import Any

from .client import Conn, HttpError
from .cpu import cpu_window
from .payloads import FlowRequests, collect_body


def per_request(used: dict[str, float], count: int) -> float | None:
    """The server's CPU microseconds per request over the measured window."""
    cpu = used.get("server_cpu_s")
    return round(1e6 * cpu / count, 1) if cpu is not None and count else None


ECHO_ROWS = (
    ("echo", "echo  POST /echo (all bodies)"),
    ("echo_session", "        session body"),
    ("echo_collect", "        collect body"),
    ("echo_score", "        score body"),
)
FLOW_ROWS = (
    ("sessions", "anonscore  POST /v1/sessions"),
    ("collect", "           POST /v1/collect"),
    ("score", "           POST /v1/score"),
    ("all", "           all requests"),
    ("flow", "           full flow (3 requests)"),
)


class Recorder:
    """Latencies (ns) of the successful requests that end in the measured window; errors."""

    def __init__(self, names: list[str], warm_end: int, end: int) -> None:
        self.warm_end, self.end = warm_end, end
        self.lat: dict[str, list[int]] = {n: [] for n in names}
        self.errors, self.errors_total = dict.fromkeys(names, 0), dict.fromkeys(names, 0)
        self.first_error: dict[str, str] = {}

    def ok(self, name: str, t0: int, t1: int) -> None:
        if self.warm_end <= t1 <= self.end:
            self.lat[name].append(t1 - t0)

    def error(self, name: str, t1: int, what: str) -> None:
        self.errors_total[name] += 1
        self.errors[name] += self.warm_end <= t1 <= self.end
        self.first_error.setdefault(name, what)

    def stats(self, name: str, seconds: float) -> dict[str, Any]:
        lat, n = sorted(self.lat[name]), len(self.lat[name])

        def ms(q: float) -> float | None:
            return round(lat[min(n - 1, int(q * n))] / 1e6, 3) if n else None

        return {
            "rps": round(n / seconds, 1),
            "count": n,
            "p50_ms": ms(0.5),
            "p90_ms": ms(0.9),
            "p99_ms": ms(0.99),
            "max_ms": ms(1.0),
            "errors": self.errors[name],
            "errors_total": self.errors_total[name],
            "first_error": self.first_error.get(name),
        }


async def loadgen(
    mode: str,
    port: int,
    concurrency: int,
    warmup: float,
    duration: float,
    server_pid: int | None = None,
    seed: int = 1,
) -> dict[str, Any]:
    """Drive the echo (mode "echo") or the real flow ("flow"); return per-endpoint stats."""
    import msgspec
    import trio

    req = FlowRequests(port)
    post, backend, session_body = req.post, req.backend, req.session_body

    names = [k for k, _ in (ECHO_ROWS if mode == "echo" else FLOW_ROWS)]
    total = "echo" if mode == "echo" else "all"
    perf = time.perf_counter_ns
    conns = [Conn(port) for _ in range(concurrency)]
    for c in conns:
        await c.connect()
    t_start = perf()
    warm_end = t_start + int(warmup * 1e9)
    end = warm_end + int(duration * 1e9)
    rec = Recorder(names, warm_end, end)

    async def call(conn: Conn, name: str, data: bytes) -> bytes | None:
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
            rec.ok(total, t0, t1)
            return body
        text = body[:300].decode("utf-8", "replace")
        what = f"HTTP {status}: {text}" if status else text
        rec.error(name, t1, what)
        rec.error(total, t1, what)
        return None

    async def flow_client(conn: Conn, rng: random.Random) -> None:
        while perf() < end:
            attrs, headers, behaviour = req.pick(rng)
            t0 = perf()
            body = await call(conn, "sessions", post(b"/v1/sessions", headers, session_body))
            if body is None:
                continue
            try:
                sid = req.session_id(body)
            except msgspec.DecodeError:
                rec.error("sessions", perf(), "a 2xx answer without session_id")
                continue
            data = post(b"/v1/collect", headers, collect_body(sid, attrs, behaviour))
            if await call(conn, "collect", data) is None:
                continue
            data = post(b"/v1/score", backend, req.score_body(sid))
            if await call(conn, "score", data) is not None:
                rec.ok("flow", t0, perf())

    async def echo_client(conn: Conn, rng: random.Random) -> None:
        while perf() < end:
            attrs, headers, behaviour = req.pick(rng)
            sid = b"s1_" + base64.urlsafe_b64encode(rng.randbytes(40))  # as long as a token
            await call(conn, "echo_session", post(b"/echo", headers, session_body))
            await call(
                conn, "echo_collect", post(b"/echo", headers, collect_body(sid, attrs, behaviour))
            )
            await call(conn, "echo_score", post(b"/echo", backend, req.score_body(sid)))

    client = echo_client if mode == "echo" else flow_client
    cpu0 = time.process_time()
    used: dict[str, float] = {}
    with trio.move_on_after(warmup + duration + 30):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(cpu_window, server_pid, warm_end, end, used)
            for i, c in enumerate(conns):
                nursery.start_soon(client, c, random.Random(seed * 1000 + i))
    cpu, wall = time.process_time() - cpu0, (perf() - t_start) / 1e9
    for c in conns:
        c.close()
    endpoints = {n: rec.stats(n, duration) for n in names}
    endpoints[total]["cpu_us"] = per_request(used, endpoints[total]["count"])
    return {
        "endpoints": endpoints,
        "loadgen_cpu_pct": round(100 * cpu / wall, 1),
    }
