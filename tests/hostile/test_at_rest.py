"""At rest: no session token anywhere in the store's files, owner-only permissions.

Issue 6: tokens were stored in clear (in `s:`, `x:` and `i:` keys and in cached answers),
and the RocksDB files were 0644 in a 0755 directory.
"""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import httpx

from tests.process import running_server
from tests.support import web_attributes


def test_no_token_at_rest_and_owner_only_files(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # a permissive operator umask: the service must not need it
    try:
        _run_and_check(tmp_path)
    finally:
        os.umask(previous)


def _run_and_check(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        tokens = []
        with httpx.Client(base_url=srv.base_url) as client:
            for _ in range(3):
                r = client.post(
                    "/v1/sessions",
                    json={"site_key": "demo_site"},
                    headers={"Origin": srv.base_url},
                )
                sid = r.json()["session_id"]
                tokens.append(sid)
                body = {
                    "session_id": sid,
                    "site_key": "demo_site",
                    "channel": "web",
                    "attributes": web_attributes(),
                }
                assert client.post("/v1/collect", json=body).status_code == 202
                auth = {"Authorization": "Bearer demo_key"}
                r = client.post("/v1/score", json={"session_id": sid}, headers=auth)
                assert r.status_code == 200
                assert r.json()["session_id"] == sid  # the answer carries it...
            erased = client.post("/v1/erasure", json={"session_id": tokens[0]}, headers=auth)
            assert erased.json() == {"deleted": 1}
        os.kill(srv.pid, signal.SIGTERM)  # flush memtables and the WAL to files
        for _ in range(100):
            if not (srv.data_dir / "anonscore.pid").exists():
                break
            time.sleep(0.1)
    # ...but no file of the store holds it, in any encoding a key or value could use
    needles = [t.encode() for t in tokens] + [t[3:].encode() for t in tokens]
    # issue 15: the server secret is kept apart from the data (beside the config), 0600
    secret_file = tmp_path / "secret" / "anonscore.key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    needles += [secret_file.read_bytes(), secret_file.read_bytes().hex().encode()]
    files = [p for p in srv.data_dir.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert not any(n in data for n in needles), path.name
    # owner-only
    assert stat.S_IMODE(srv.data_dir.stat().st_mode) == 0o700
    for path in srv.data_dir.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path.name, oct(mode))
