"""Bounded memory: 200 unfinished chunked uploads cost the server less than 50 MB.

Issue 6: Quart buffered up to its own 10 MB limit per request before the 64 KiB limit was
checked; 40 unfinished chunked uploads took RSS from 394 MB to 772 MB.
"""

from __future__ import annotations

import socket
from pathlib import Path

from tests.process import running_server

UPLOADS = 200
CHUNK = b"a" * 4096


def _open_upload(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        b"POST /v1/collect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    return sock


def test_unfinished_chunked_uploads_hold_little_memory(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        port = int(srv.base_url.rsplit(":", 1)[1])
        before = srv.rss_bytes()
        socks = [_open_upload(port) for _ in range(UPLOADS)]
        try:
            # each sends just under the 64 KiB body limit, and never finishes
            for _ in range(15):
                for sock in socks:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
            # one more round over the limit on half of them: refused as they stream
            refused = 0
            for sock in socks[: UPLOADS // 2]:
                try:
                    for _ in range(2):
                        sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                    sock.settimeout(5)
                    if b" 413 " in sock.recv(4096):
                        refused += 1
                except OSError:
                    refused += 1
            after = srv.rss_bytes()
        finally:
            for sock in socks:
                sock.close()
    growth = after - before
    print(f"rss {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB ({growth / 2**20:+.1f})")
    assert refused == UPLOADS // 2
    assert growth < 50 * 2**20
