"""A minimal HTTP/1.1 keep-alive client on raw Trio sockets: one connection per
concurrent client, requests sent as pre-built bytes."""

from __future__ import annotations

import socket
from typing import Any

HOST = "127.0.0.1"


class HttpError(Exception):
    pass


class Conn:
    """One keep-alive connection; `request` sends pre-built bytes and returns (status, body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: Any = None
        self.buf = bytearray()

    async def connect(self) -> None:
        import trio

        self.close()
        self.sock = trio.socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await self.sock.connect((HOST, self.port))
        self.buf = bytearray()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    async def _fill(self) -> None:
        chunk = await self.sock.recv(65536)
        if not chunk:
            raise HttpError("connection closed by the server")
        self.buf += chunk

    async def request(self, data: bytes) -> tuple[int, bytes]:
        view = memoryview(data)
        while view:
            view = view[await self.sock.send(view) :]
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            await self._fill()
        head = bytes(self.buf[:end]).lower()
        status, start = int(head[9:12]), end + 4
        if (i := head.find(b"\r\ncontent-length:")) >= 0:
            j = head.find(b"\r\n", i + 2)
            stop = start + int(head[i + 17 : j if j > 0 else None])
            while len(self.buf) < stop:
                await self._fill()
            body = bytes(self.buf[start:stop])
            del self.buf[:stop]
        elif b"\r\ntransfer-encoding: chunked" in head:
            body = await self._chunked(start)
        else:
            raise HttpError("response without content-length")
        if b"\r\nconnection: close" in head:
            self.close()
        return status, body

    async def _chunked(self, pos: int) -> bytes:
        out = bytearray()
        while True:
            while (eol := self.buf.find(b"\r\n", pos)) < 0:
                await self._fill()
            size = int(bytes(self.buf[pos:eol]).split(b";")[0], 16)
            while len(self.buf) < eol + size + 4:
                await self._fill()
            out += self.buf[eol + 2 : eol + 2 + size]
            pos = eol + size + 4
            if size == 0:
                del self.buf[:pos]
                return bytes(out)
