"""The benchmark's floor: Trio + httptools answering one fixed response.

It parses each request with httptools (as the service's own layer does, engine/http/) and
answers a fixed 200 with a small JSON body, over keep-alive connections: no routing, no
JSON, no engine. What a Python HTTP server on Trio can do at best on one core, so
`tools/bench/` reports the service's rates as shares of it, in the same run.

    python -m tools.bench_floor --port 8098
"""

from __future__ import annotations

import argparse
import socket

import httptools
import trio

BODY = b'{"ok":true}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


class _Done:
    """httptools' callbacks: counts complete requests."""

    def __init__(self) -> None:
        self.complete = 0

    def on_message_complete(self) -> None:
        self.complete += 1


async def _serve(stream: trio.SocketStream) -> None:
    stream.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    done = _Done()
    parser = httptools.HttpRequestParser(done)
    try:
        while True:
            data = await stream.receive_some(65536)
            if not data:
                return
            parser.feed_data(data)
            if done.complete:
                await stream.send_all(RESPONSE * done.complete)
                done.complete = 0
    except (httptools.HttpParserError, trio.BrokenResourceError, trio.ClosedResourceError):
        return
    finally:
        await trio.aclose_forcefully(stream)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Trio + httptools fixed response (benchmark floor)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8098)
    args = p.parse_args(argv)

    async def serve() -> None:
        await trio.serve_tcp(_serve, args.port, host=args.host, backlog=1024)

    try:
        trio.run(serve)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
