"""A three-master Redis Cluster on loopback ports, for the tests and for trying the store by hand.

    python -m tools.redis_cluster start --dir D --base-port P [--masters 3] [--password PW]
    python -m tools.redis_cluster stop --dir D

The cluster store (engine/store/_redis.py) is tested against real servers, not a mock:
what matters (slots, MOVED, MULTI/EXEC per slot, native expiry, a dead master) only exists
in a real cluster. Each master runs Debian's `redis-server` (tools/install_redis.sh) in its
own directory `D/node-PORT` with AOF on (`appendfsync everysec`), no replicas, and
`cluster-require-full-coverage no`, so that a dead master takes down only its own slots.

`start` writes each node's config file, starts the servers, creates the cluster with
`redis-cli --cluster create`, and returns once every node says `cluster_state:ok`
(about a second). `kill` and `restart` stop one master hard (SIGKILL) and start it again
from its directory (nodes.conf and the AOF), for fault tests. The CLI leaves the servers
running in their own session; `stop` finds them again by their directory. With a password
(`--password`, or REDIS_CLUSTER_PASSWORD) every node requires it, as a production cluster
would; the store then takes it in its URL or in ANONSCORE_STORE_PASSWORD.

Synchronous on purpose (subprocess and a few blocking socket calls): pytest's session
fixtures are synchronous, and a CLI needs no event loop.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

SERVER = "redis-server"
CLI = "redis-cli"
HOST = "127.0.0.1"
NODE_TIMEOUT_MS = 1000  # how soon the other masters see a dead one (cluster-node-timeout)
# port -> the password of its server (`start(password=...)`, read back by `found`):
# `command` logs in first on those ports
_PASSWORDS: dict[int, str] = {}
# port -> how to reach its server over TLS (`start(tls=...)`, read back by `found`)
_TLS: dict[int, ssl.SSLContext] = {}


@dataclass(frozen=True)
class TlsFiles:
    """PEM files for a TLS cluster: the authority clients trust, the servers' certificate
    (issued for 127.0.0.1) and its key."""

    ca: Path
    cert: Path
    key: Path

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


class ClusterError(Exception):
    """A server would not start, or the cluster would not form in time."""


@dataclass
class Node:
    port: int
    dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.dir / "redis.conf"


@dataclass
class Cluster:
    dir: Path
    nodes: list[Node] = field(default_factory=list)
    owned: bool = True  # servers die with this process (tests); False for the CLI
    password: str | None = None  # `requirepass` of every node (None: no login)
    tls: TlsFiles | None = None  # every node speaks TLS only (None: plain TCP)

    @property
    def seed(self) -> str:
        """The URL the store connects to: any node will do (with the password, if any)."""
        login = f":{quote(self.password, safe='')}@" if self.password else ""
        return self._url(login)

    @property
    def address(self) -> str:
        """The URL without the password (for ANONSCORE_STORE_PASSWORD)."""
        return self._url("")

    def _url(self, login: str) -> str:
        if self.tls is None:
            return f"redis://{login}{HOST}:{self.nodes[0].port}"
        return f"rediss://{login}{HOST}:{self.nodes[0].port}?ca={self.tls.ca}"


def _config(
    port: int, directory: Path, password: str | None = None, tls: TlsFiles | None = None
) -> str:
    login = (
        [f"requirepass {_quoted(password)}", f"masterauth {_quoted(password)}"] if password else []
    )
    return "\n".join(
        [
            *login,
            *(
                [
                    "port 0",
                    f"tls-port {port}",
                    f"tls-cert-file {tls.cert}",
                    f"tls-key-file {tls.key}",
                    f"tls-ca-cert-file {tls.ca}",
                    "tls-cluster yes",
                    "tls-replication yes",
                    "tls-auth-clients no",
                ]
                if tls is not None
                else [f"port {port}"]
            ),
            f"bind {HOST}",
            f"dir {directory}",
            "daemonize no",
            f"pidfile {directory / 'redis.pid'}",
            f"logfile {directory / 'redis.log'}",
            "cluster-enabled yes",
            "cluster-config-file nodes.conf",
            f"cluster-node-timeout {NODE_TIMEOUT_MS}",
            "cluster-require-full-coverage no",
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
            "",
        ]
    )


def _quoted(text: str) -> str:
    """A redis.conf argument: double-quoted, backslash and quote escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wire(*args: str | bytes) -> bytes:
    parts = [a.encode() if isinstance(a, str) else a for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def command(port: int, *args: str | bytes, timeout: float = 1.0) -> object:
    """Send one command to a node (RESP2) and return its reply; an error reply raises. On a
    node with a password (`start(password=...)`) it logs in first."""
    password = _PASSWORDS.get(port)
    tls = _TLS.get(port)
    raw = socket.create_connection((HOST, port), timeout=timeout)
    try:
        sock = raw if tls is None else tls.wrap_socket(raw, server_hostname=HOST)
    except BaseException:
        raw.close()
        raise
    with sock:
        sock.sendall((_wire("AUTH", password) if password else b"") + _wire(*args))
        with sock.makefile("rb") as reader:
            if password:
                _reply(reader)
            return _reply(reader)


def _reply(reader: io.BufferedReader) -> object:
    line = reader.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed mid-reply")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest
    if kind == b"-":
        raise ClusterError(rest.decode(errors="replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else reader.read(n + 2)[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_reply(reader) for _ in range(n)]
    raise ClusterError(f"unexpected reply type {kind!r}")


def _ping(port: int) -> bool:
    try:
        return command(port, "PING", timeout=0.2) == b"PONG"
    except (OSError, ClusterError):  # refused, or LOADING while it reads the AOF
        return False


def _cluster_ok(port: int) -> bool:
    try:
        info = command(port, "CLUSTER", "INFO", timeout=0.2)
    except (OSError, ClusterError):
        return False
    return isinstance(info, bytes) and b"cluster_state:ok" in info


def _wait(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise ClusterError(f"{what} not ready after {timeout:.0f} s; see the redis.log files")
        time.sleep(0.01)


def _spawn(node: Node, *, owned: bool) -> None:
    if shutil.which(SERVER) is None:
        raise ClusterError(f"{SERVER} not found; run tools/install_redis.sh")
    argv = [SERVER, str(node.conf)]
    if owned and shutil.which("setpriv"):
        # SIGTERM to the server when the test process dies, so none outlives a killed pytest
        # (util-linux's setpriv sets PR_SET_PDEATHSIG, then execs: no Python in the child)
        argv = ["setpriv", "--pdeathsig", "TERM", *argv]
    with open(node.dir / "stdout.log", "ab") as log:  # the child keeps its own copy
        node.process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=not owned,
        )


def free_base_port(count: int = 3, *, attempts: int = 200) -> int:
    """A base port P with P..P+count-1 and their cluster bus ports (+10000) all free."""
    rng = random.Random()
    for _ in range(attempts):
        base = rng.randrange(17000, 22000)
        ports = [base + i for i in range(count)] + [base + 10000 + i for i in range(count)]
        if all(_port_free(p) for p in ports):
            return base
    raise ClusterError(f"no {count} free ports (and bus ports) found in 17000-22000")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def start(
    directory: Path,
    base_port: int,
    *,
    masters: int = 3,
    owned: bool = True,
    timeout: float = 20,
    password: str | None = None,
    tls: TlsFiles | None = None,
) -> Cluster:
    """Start `masters` servers on base_port.. in `directory`, form the cluster, wait for ok.
    With `password`, every node requires it (`requirepass`, `masterauth`); with `tls`, every
    node speaks TLS only, on its port and on the cluster bus."""
    directory = directory.resolve()
    if any(directory.glob("node-*")):
        raise ClusterError(f"{directory} holds a cluster already; stop it or pick another --dir")
    cluster = Cluster(directory, owned=owned, password=password, tls=tls)
    try:
        for i in range(masters):
            port = base_port + i
            node = Node(port, directory / f"node-{port}")
            node.dir.mkdir(parents=True)
            node.conf.write_text(_config(port, node.dir, password, tls))
            node.conf.chmod(0o600)
            if password:
                _PASSWORDS[port] = password
            if tls is not None:
                _TLS[port] = tls.context()
            cluster.nodes.append(node)
            _spawn(node, owned=owned)
        for node in cluster.nodes:
            _wait(f"redis on port {node.port}", functools.partial(_ping, node.port), timeout)
        create = [CLI, "--cluster", "create"]
        create += [f"{HOST}:{n.port}" for n in cluster.nodes]
        create += ["--cluster-replicas", "0", "--cluster-yes"]
        if tls is not None:
            create += ["--tls", "--cacert", str(tls.ca)]
        env = {**os.environ, "REDISCLI_AUTH": password} if password else None  # not in argv
        done = subprocess.run(create, capture_output=True, timeout=timeout, check=False, env=env)
        if done.returncode != 0:
            tail = done.stdout.decode(errors="replace").strip().splitlines()[-3:]
            raise ClusterError("redis-cli --cluster create failed: " + " | ".join(tail))
        wait_ok(cluster, timeout=timeout)
    except BaseException:
        stop(cluster)
        raise
    return cluster


def wait_ok(cluster: Cluster, *, timeout: float = 20) -> None:
    """Return once every node answers and says cluster_state:ok."""
    for node in cluster.nodes:
        _wait(
            f"cluster state on port {node.port}", functools.partial(_cluster_ok, node.port), timeout
        )


def master_of(cluster: Cluster, slot: int) -> int:
    """The index in `cluster.nodes` of the master that serves `slot` (CLUSTER SLOTS)."""
    ports = [n.port for n in cluster.nodes]
    for node in cluster.nodes:
        with contextlib.suppress(OSError, ClusterError):
            ranges = cast(list[list[Any]], command(node.port, "CLUSTER", "SLOTS"))
            for first, last, master, *_ in ranges:
                if first <= slot <= last and master[1] in ports:
                    return ports.index(master[1])
    raise ClusterError(f"no live node knows the master of slot {slot}")


def kill(cluster: Cluster, index: int) -> None:
    """Kill one master hard (SIGKILL: no AOF rewrite, no goodbye), and reap it."""
    node = cluster.nodes[index]
    pid = _pid(node)
    if pid is None:
        raise ClusterError(f"node {node.port} is not running")
    os.kill(pid, signal.SIGKILL)
    if node.process is not None:
        node.process.wait(timeout=5)
        node.process = None
    else:
        _wait(f"node {node.port} to exit", lambda: not _alive(pid), 5)


def restart(cluster: Cluster, index: int, *, timeout: float = 20) -> None:
    """Start a killed master again from its directory; return once the cluster is ok."""
    node = cluster.nodes[index]
    _spawn(node, owned=cluster.owned)
    _wait(f"redis on port {node.port}", functools.partial(_ping, node.port), timeout)
    wait_ok(cluster, timeout=timeout)


def stop(cluster: Cluster, *, remove: bool = True) -> None:
    """Stop every node (SHUTDOWN NOSAVE, then SIGKILL after 5 s) and remove their directories."""
    for node in cluster.nodes:
        with contextlib.suppress(OSError, ClusterError):
            command(node.port, "SHUTDOWN", "NOSAVE")  # the server closes the connection
    for node in cluster.nodes:
        pid = _pid(node)
        if pid is None:
            continue
        deadline = time.monotonic() + 5
        while _alive(pid) and time.monotonic() < deadline:
            if node.process is not None and node.process.poll() is not None:
                break
            time.sleep(0.01)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        if node.process is not None:
            node.process.wait(timeout=5)
            node.process = None
    for node in cluster.nodes:
        _PASSWORDS.pop(node.port, None)
        _TLS.pop(node.port, None)
    if remove:
        for node in cluster.nodes:
            shutil.rmtree(node.dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            cluster.dir.rmdir()  # only when empty: never someone else's files


def found(directory: Path) -> Cluster:
    """The cluster a CLI `start` left in `directory` (its node-PORT folders)."""
    directory = directory.resolve()
    nodes = sorted(
        (Node(int(d.name.removeprefix("node-")), d) for d in directory.glob("node-*")),
        key=lambda n: n.port,
    )
    if not nodes:
        raise ClusterError(f"{directory}: no node-PORT folders; nothing to stop")
    password = None
    tls: TlsFiles | None = None
    for node in nodes:
        with contextlib.suppress(OSError):
            conf = dict(
                line.split(" ", 1) for line in node.conf.read_text().splitlines() if " " in line
            )
            if "requirepass" in conf:
                raw = conf["requirepass"][1:-1]
                password = re.sub(r"\\(.)", r"\1", raw)  # as `_quoted` wrote it
                _PASSWORDS[node.port] = password
            if "tls-ca-cert-file" in conf:
                files = ("tls-ca-cert-file", "tls-cert-file", "tls-key-file")
                tls = TlsFiles(*(Path(conf[k]) for k in files))
                _TLS[node.port] = tls.context()
    return Cluster(directory, nodes, owned=False, password=password, tls=tls)


def _pid(node: Node) -> int | None:
    if node.process is not None:
        return node.process.pid if node.process.poll() is None else None
    try:
        pid = int((node.dir / "redis.pid").read_text())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child, now a zombie
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.redis_cluster", description=__doc__)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start", help="start the masters and form the cluster")
    s.add_argument("--dir", type=Path, required=True)
    s.add_argument("--base-port", type=int, default=7000)
    s.add_argument("--masters", type=int, default=3)
    s.add_argument(
        "--password",
        default=None,
        help="require this password on every node (or set REDIS_CLUSTER_PASSWORD)",
    )
    t = sub.add_parser("stop", help="stop the cluster started in --dir and remove its folders")
    t.add_argument("--dir", type=Path, required=True)
    args = p.parse_args(argv)
    try:
        if args.cmd == "start":
            began = time.monotonic()
            password = args.password or os.environ.get("REDIS_CLUSTER_PASSWORD") or None
            cluster = start(
                args.dir, args.base_port, masters=args.masters, owned=False, password=password
            )
            took = time.monotonic() - began
            login = " (password required)" if password else ""
            print(f"cluster ok in {took:.2f} s: {cluster.address}{login}")
        else:
            stop(found(args.dir))
            print(f"stopped: {args.dir}")
    except ClusterError as exc:
        print(f"redis_cluster: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
