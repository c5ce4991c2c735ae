"""Requests/s of the probes and of a session on one keep-alive connection (loopback only).

    .venv/bin/python -m tools.probe_rate --port PORT [--requests 3000] [--rounds 3]

Sequential requests on one connection, so the figure is the server's cost per request plus
one round trip; the probes and `POST /v1/sessions` alternate in each round, so a busy
machine slows them alike and their ratio is what to read (issue 19: a probe should cost
what a session costs).
"""

from __future__ import annotations

import argparse
import socket
import time

BODY = b'{"site_key": "demo_site"}'
REQUESTS = {
    "GET /healthz": b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "GET /readyz": b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "POST /v1/sessions": b"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY),
}


def _answer(sock: socket.socket) -> bytes:
    """The status line of one answer, its body read to its Content-Length."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += sock.recv(65536)
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(v.split(b":")[1]) for v in lines if v.lower().startswith(b"content-length"))
    while len(rest) < length:
        rest += sock.recv(65536)
    return lines[0]


def rate(port: int, raw: bytes, n: int) -> float:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.perf_counter()
        for _ in range(n):
            sock.sendall(raw)
            status = _answer(sock)
            if status.split(b" ")[1] not in (b"200", b"201"):
                raise SystemExit(f"unexpected answer: {status.decode()}")
        return n / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tools.probe_rate", description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    for rnd in range(args.rounds):
        rates = {name: rate(args.port, raw, args.requests) for name, raw in REQUESTS.items()}
        session = rates["POST /v1/sessions"]
        print(
            f"round {rnd}: "
            + ", ".join(
                f"{name} {r:,.0f}/s ({r / session:.2f}x sessions)" for name, r in rates.items()
            )
        )


if __name__ == "__main__":
    main()
