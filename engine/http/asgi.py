"""Calling the Quart app (ASGI) for the routes it serves, and its lifespan.

The connection has already read the whole body (bounded by `max_body_bytes`), so
`receive` hands it over in one message; the app's answer is collected and returned as a
`Response`. Quart serves the HTML pages (the console, the demo); everything else is
answered on our own layer (see `front.py` and the route table, `routes.py`).
"""

from __future__ import annotations

from typing import Any

import trio

from engine.http.messages import Request, Response

ASGI = {"spec_version": "2.1", "version": "3.0"}


class AsgiBridge:
    def __init__(self, app: Any, server: tuple[str, int]) -> None:
        self.app = app
        self.server = server

    async def __call__(self, request: Request) -> Response:
        head = request.head
        scope = {
            "type": "http",
            "asgi": ASGI,
            "http_version": head.http_version,
            "method": head.method,
            "scheme": "http",
            # the canonical path the front routed and checked (heads.py), not decoded a
            # second time: the app must see what the access decision saw
            "path": head.path,
            "raw_path": head.path.encode("latin-1"),
            "query_string": head.query.encode("latin-1"),
            "root_path": "",
            "headers": [
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in head.headers.items()
            ],
            "client": head.client,
            "server": self.server,
            "state": {},
            "extensions": {},
        }
        delivered = False
        status = 500
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": request.body, "more_body": False}
            await trio.sleep_forever()  # the app cancels this once it has answered
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    key = bytes(name).decode("latin-1").lower()
                    if key not in ("content-length", "connection", "transfer-encoding"):
                        headers.append((key, bytes(value).decode("latin-1")))
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))

        await self.app(scope, receive, send)
        return Response(status, b"".join(chunks), None, headers)


async def run_lifespan(
    app: Any, shutdown: trio.Event, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """Run the app's ASGI lifespan: startup now, shutdown when `shutdown` is set."""
    to_app, from_server = trio.open_memory_channel[dict[str, Any]](2)
    started = trio.Event()
    stopped = trio.Event()
    failed: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.failed":
            failed.append(str(message.get("message", "")))
        if kind.startswith("lifespan.startup"):
            started.set()
        if kind.startswith("lifespan.shutdown"):
            stopped.set()

    async with trio.open_nursery() as nursery:
        scope = {"type": "lifespan", "asgi": ASGI, "state": {}}
        nursery.start_soon(app, scope, from_server.receive, send)
        await to_app.send({"type": "lifespan.startup"})
        await started.wait()
        if failed:
            raise RuntimeError(f"the web app failed to start: {failed[0]}")
        task_status.started()
        await shutdown.wait()
        await to_app.send({"type": "lifespan.shutdown"})
        with trio.move_on_after(2):
            await stopped.wait()
        nursery.cancel_scope.cancel()
