"""Slow connections from one address against honest requests from others (issue 15).

    python -m tools.slowconn --port 8080 [--connections 1100] [--every 2] [--duration 30]

Two processes keep the honest figures free of the attacker's own event loop:
`--honest 0` for the attacker alone, `--connections 0 --warmup 3` for the honest alone.

Opens `--connections` connections from `--attacker` (a loopback address, 127.0.0.2), each
sending a request head with `Content-Length: 1000` and then one body byte every `--every`
seconds, reconnecting when the server closes one. Meanwhile `--honest` requests
(`POST /v1/sessions`) go from 127.0.0.3 and 127.0.0.4 in turn, spread over `--duration`
seconds, each on a new connection with a 5 s deadline. Prints a JSON summary: the honest
requests served and how long each took (measured by this process, which also runs the
attacker: its own event loop's delays are in the figure), the attacker's answers by status,
and how many of its connections were open at most. Loopback only: the target is 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

import trio

HEAD = (
    b"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n"
)
BODY = b'{"site_key": "demo_site"}'
HONEST = (
    b"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(BODY), BODY)
)


class Tally:
    def __init__(self) -> None:
        self.attacker: Counter[str] = Counter()
        self.open = 0
        self.most_open = 0
        self.honest: list[tuple[str, float]] = []


async def _connect(port: int, source: str) -> trio.SocketStream:
    sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
    try:
        await sock.bind((source, 0))
        await sock.connect(("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    return trio.SocketStream(sock)


async def _status(stream: trio.SocketStream) -> str:
    """The status of the first answer, or "closed" when the connection ends without one."""
    data = b""
    while b"\r\n" not in data:
        chunk = await stream.receive_some(4096)
        if not chunk:
            return "closed"
        data += chunk
    return data.split(b" ", 2)[1].decode()


async def _slow(port: int, source: str, every: float, tally: Tally) -> None:
    while True:
        try:
            stream = await _connect(port, source)
        except OSError:
            tally.attacker["connect failed"] += 1
            await trio.sleep(1)
            continue
        tally.open += 1
        tally.most_open = max(tally.most_open, tally.open)
        try:
            async with trio.open_nursery() as nursery:

                async def trickle(stream: trio.SocketStream = stream) -> None:
                    await stream.send_all(HEAD)
                    while True:
                        await trio.sleep(every)
                        await stream.send_all(b" ")

                nursery.start_soon(trickle)
                tally.attacker[await _status(stream)] += 1
                nursery.cancel_scope.cancel()
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            tally.attacker["reset"] += 1
        finally:
            tally.open -= 1
            await stream.aclose()
        await trio.sleep(1)


async def _honest(port: int, count: int, duration: float, tally: Tally) -> None:
    for i in range(count):
        await trio.sleep(duration / (count + 1))
        source = ("127.0.0.3", "127.0.0.4")[i % 2]
        start = time.perf_counter()
        status = "timeout"
        with trio.move_on_after(5):
            try:
                stream = await _connect(port, source)
                async with stream:
                    await stream.send_all(HONEST)
                    status = await _status(stream)
            except OSError:
                status = "reset"
        tally.honest.append((status, time.perf_counter() - start))


async def run(args: argparse.Namespace) -> dict[str, object]:
    tally = Tally()
    async with trio.open_nursery() as nursery:
        for _ in range(args.connections):
            nursery.start_soon(_slow, args.port, args.attacker, args.every, tally)
        await trio.sleep(args.warmup)
        async with trio.open_nursery() as timed:
            timed.start_soon(_honest, args.port, args.honest, args.duration, tally)
            timed.start_soon(trio.sleep, args.duration)
        nursery.cancel_scope.cancel()
    served = [t for s, t in tally.honest if s == "201"]
    return {
        "attacker_connections": args.connections,
        "attacker_most_open": tally.most_open,
        "attacker_answers": dict(tally.attacker),
        "honest_served": f"{len(served)} of {len(tally.honest)}",
        "honest_statuses": dict(Counter(s for s, _ in tally.honest)),
        "honest_seconds": sorted(round(t, 3) for _, t in tally.honest),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between bytes")
    parser.add_argument("--honest", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="before the first honest")
    parser.add_argument("--attacker", default="127.0.0.2")
    args = parser.parse_args()
    print(json.dumps(trio.run(run, args), indent=2))


if __name__ == "__main__":
    main()
