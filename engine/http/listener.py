"""Accepting connections: the cap on open connections, and a graceful shutdown.

Sockets are made by the runtime (`listen_sockets` in engine/runtime/sockets.py: plain
`socket` calls, SO_REUSEPORT for several worker processes on one port); each accepted
stream is served by
`protocol.Connection`. Past `max_connections` a new connection gets a canned 503 and is
closed at once, so a flood of idle or slow connections cannot exhaust file descriptors;
past `max_connections_per_client` from one client prefix likewise (`fairness.py`), so one
client cannot take the slots of every other.

Shutdown: stop accepting, close idle keep-alive connections, let requests in progress
finish for `graceful_s`, then cancel what is left.
"""

from __future__ import annotations

import errno
import logging
import socket

import trio

from engine.http.fairness import ClientSlots, Key, Network
from engine.http.protocol import CANNED_CLIENT_BUSY, Connection, Front, HttpLimits, refuse_busy

log = logging.getLogger("anonscore.http")

# accept() errors that mean "out of resources, try again soon" (as trio.serve_listeners)
_RESOURCE_ERRORS = {errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.ENOBUFS}


_ACCEPT_BURST = 64  # connections taken from the backlog per turn, beyond the first


def _accept_waiting(raw: socket.socket, most: int) -> list[trio.SocketStream]:
    """Connections already in the listening socket's backlog (non-blocking accepts)."""
    out: list[trio.SocketStream] = []
    for _ in range(most):
        try:
            sock, _ = raw.accept()
        except (BlockingIOError, InterruptedError):
            break
        except OSError as exc:
            if exc.errno in _RESOURCE_ERRORS or exc.errno == errno.ECONNABORTED:
                break
            raise
        sock.setblocking(False)
        out.append(trio.SocketStream(trio.socket.from_stdlib_socket(sock)))
    return out


class ConnectionCounter:
    """Open connections, for the cap and the metrics."""

    def __init__(self) -> None:
        self.open = 0
        self.refused = 0  # over max_connections
        self.refused_per_client = 0  # over max_connections_per_client


class HttpServer:
    def __init__(
        self,
        front: Front,
        limits: HttpLimits,
        sockets: list[socket.socket],
        *,
        graceful_s: float = 5.0,
        exempt: tuple[Network, ...] = (),
    ) -> None:
        """`exempt`: peers not capped per client (trusted proxies: every client behind
        one shares its address)."""
        self.front = front
        self.limits = limits
        self.sockets = sockets
        self.graceful_s = graceful_s
        self.counter = ConnectionCounter()
        self.slots = ClientSlots(
            limits.max_connections_per_client,
            v4_prefix=limits.client_prefix_v4,
            v6_prefix=limits.client_prefix_v6,
            exempt=exempt,
        )
        self._connections: set[Connection] = set()
        self._draining = False

    def draining(self) -> bool:
        return self._draining

    def bound_ports(self) -> list[int]:
        return [int(s.getsockname()[1]) for s in self.sockets]

    async def serve(
        self, shutdown: trio.Event, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        listeners = [
            (trio.SocketListener(trio.socket.from_stdlib_socket(s)), s) for s in self.sockets
        ]
        try:
            async with trio.open_nursery() as connections:
                async with trio.open_nursery() as acceptors:
                    for listener, raw in listeners:
                        acceptors.start_soon(self._accept_loop, listener, raw, connections)
                    task_status.started()
                    await shutdown.wait()
                    acceptors.cancel_scope.cancel()
                for sock in self.sockets:
                    sock.close()
                self._draining = True
                for conn in list(self._connections):
                    if conn.idle_scope is not None:
                        conn.idle_scope.cancel()
                connections.cancel_scope.deadline = trio.current_time() + self.graceful_s
        finally:
            for sock in self.sockets:
                sock.close()

    async def _accept_loop(
        self, listener: trio.SocketListener, raw: socket.socket, nursery: trio.Nursery
    ) -> None:
        while True:
            try:
                streams = [await listener.accept()]
            except OSError as exc:
                if exc.errno in _RESOURCE_ERRORS:
                    log.warning("accept failed; out of resources", extra={"exc": exc.strerror})
                    await trio.sleep(0.1)
                    continue
                raise
            # then every connection already waiting, up to a bound, in this turn of the
            # event loop: one accept per turn starves the backlog when the loop is busy
            # (each turn runs every ready task), and its wait is before any deadline starts
            streams += _accept_waiting(raw, _ACCEPT_BURST)
            for stream in streams:
                self._admit(stream, nursery)

    def _admit(self, stream: trio.SocketStream, nursery: trio.Nursery) -> None:
        """Serve a new connection, or refuse it over a cap. Counted here, before its task
        runs, so a burst accepted in one turn cannot overshoot either cap."""
        if self.counter.open >= self.limits.max_connections:
            self.counter.refused += 1
            nursery.start_soon(refuse_busy, stream)
            return
        try:
            key = self.slots.key(stream.socket.getpeername())
        except OSError:  # already gone
            key = None
        if not self.slots.take(key):
            self.counter.refused_per_client += 1
            nursery.start_soon(refuse_busy, stream, CANNED_CLIENT_BUSY)
            return
        self.counter.open += 1
        nursery.start_soon(self._serve_one, stream, key)

    async def _serve_one(self, stream: trio.SocketStream, key: Key | None) -> None:
        try:
            conn = Connection(stream, self.front, self.limits, self.draining)
            self._connections.add(conn)
            try:
                await conn.run()
            finally:
                self._connections.discard(conn)
        finally:
            self.counter.open -= 1
            self.slots.give_back(key)
