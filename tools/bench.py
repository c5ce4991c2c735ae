"""Throughput and latency of the service, next to a bare Quart-Trio echo, in the same run.

    python -m tools.bench [--duration 10] [--concurrency 32] [--warmup 2] [--json out.json]

1. Starts `tools/bench_echo.py` (a bare Quart-Trio app on Hypercorn's trio worker that
   answers the JSON it gets) pinned to CPU 0, and drives it from a separate load-generating
   process pinned to CPU 1, posting the same bodies and headers the real flow sends.
2. Starts the service (`python -m engine.cli serve`, fresh data directory, the repository's
   config/) pinned to CPU 0, and drives the full flow from the load generator: each connection
   loops POST /v1/sessions -> POST /v1/collect (a ~1.8 KB web payload from one of 500
   simulated devices) -> POST /v1/score.
3. Prints requests/s and p50/p99 latency of each endpoint and the ratios to the echo.

The load generator is a minimal HTTP/1.1 keep-alive client on raw Trio sockets (one
connection per concurrent client, requests built from pre-encoded parts): at the echo's rate
it uses a small part of its core, so the server is what is measured. The CPU line of the
report shows it, and how much CPU other processes took meanwhile (numbers from a busy machine
are not comparable). Traffic stays on 127.0.0.1. About 2 x (warmup + duration) s plus the
service's start-up; child processes are stopped on exit and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SITE_KEY, API_KEY, ORIGIN = b"demo_site", b"demo_key", b"http://127.0.0.1:8080"
N_DEVICES, N_BEHAVIOURS = 500, 256
# other processes' share (%) of the server's / the load generator's CPU above which a run is
# flagged: on this 2-vCPU VM, 60% on the load CPU cost the echo ~15% of its throughput
BUSY_PCT = (10, 25)
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


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- simulated devices: realistic, self-consistent web payloads ------------------------------

# IANA zone | navigator.languages | Accept-Language | public IPv4 /16s of the zone's country
_COUNTRIES = """
Europe/Berlin       | de-DE de en-US en | de-DE,de;q=0.9,en;q=0.8 | 84.150 91.12 79.200
Europe/Paris        | fr-FR fr en-US en | fr-FR,fr;q=0.9,en;q=0.8 | 86.212 90.12
Europe/London       | en-GB en          | en-GB,en;q=0.9          | 81.2 80.229
Europe/Madrid       | es-ES es          | es-ES,es;q=0.9          | 2.140 88.6
Europe/Rome         | it-IT it en-US en | it-IT,it;q=0.9,en;q=0.8 | 151.38 93.40
Europe/Amsterdam    | nl-NL nl en       | nl-NL,nl;q=0.9,en;q=0.8 | 145.131 83.84
America/New_York    | en-US en          | en-US,en;q=0.9          | 73.12 24.5
America/Los_Angeles | en-US en          | en-US,en;q=0.9          | 98.207
America/Sao_Paulo   | pt-BR pt en       | pt-BR,pt;q=0.9,en;q=0.8 | 189.6 177.32
UTC                 | en-US             | en-US                   | 3.120 159.89 167.99 49.12
"""
# weight | UA system | UA tail | navigator.platform | touch | plugins | memory GB | screens
_PLATFORMS = """
45 | Windows NT 10.0; Win64; x64       | Safari/537.36        | Win32        | 0 | 5 | 8 16 | 1920x1080x1 1536x864x1.25 2560x1440x1 1366x768x1
20 | Macintosh; Intel Mac OS X 10_15_7 | Safari/537.36        | MacIntel     | 0 | 5 | 8    | 1440x900x2 1512x982x2 1728x1117x2
25 | Linux; Android 10; K              | Mobile Safari/537.36 | Linux armv81 | 5 | 0 | 4 8  | 412x915x2.625 393x873x2.75 360x800x3
5  | X11; Linux x86_64                 | Safari/537.36        | Linux x86_64 | 0 | 5 | 8 16 | 1920x1080x1 2560x1440x1
5  | X11; Linux x86_64                 | Safari/537.36        | Linux x86_64 | 0 | 0 | 2    | 800x600x1
"""  # noqa: E501 - the last row: headless Chrome from a datacenter (UTC, webdriver on)
# navigator.platform | unmasked WebGL vendor | unmasked WebGL renderer
_GPUS = """
Win32        | Google Inc. (NVIDIA) | ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)
Win32        | Google Inc. (Intel)  | ANGLE (Intel, Intel(R) UHD Graphics 620 (0x00005917) Direct3D11 vs_5_0 ps_5_0, D3D11)
Win32        | Google Inc. (AMD)    | ANGLE (AMD, AMD Radeon RX 6600 (0x000073FF) Direct3D11 vs_5_0 ps_5_0, D3D11)
MacIntel     | Google Inc. (Apple)  | ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)
MacIntel     | Google Inc. (Apple)  | ANGLE (Apple, ANGLE Metal Renderer: Apple M2 Pro, Unspecified Version)
Linux armv81 | Qualcomm             | Adreno (TM) 650
Linux armv81 | ARM                  | Mali-G78 MP14
Linux x86_64 | Google Inc. (Intel)  | ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)
headless     | Google Inc. (Google) | ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)
"""  # noqa: E501
_FIELDS = "loan_amount term_months monthly_income employment_status housing_status postcode"
_REFERRERS = ("www.google.com", "www.bing.com", "www.check24.de", "www.moneysupermarket.com")
_UA = "Mozilla/5.0 ({}) AppleWebKit/537.36 (KHTML, like Gecko) {}/{}.0.0.0 {}"


def _table(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")] for line in text.strip().splitlines()]


def _hash(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _offset_min(zone: str) -> int:
    try:
        delta = dt.datetime.now(ZoneInfo(zone)).utcoffset()
    except Exception:  # no tz database here: the offset only has to look plausible
        return 0
    return int(delta.total_seconds() // 60) if delta else 0


def _json(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class Device:
    """A simulated device: pre-encoded attributes and request headers, in two variants each."""

    __slots__ = ("attrs", "headers")

    def __init__(self, attrs: list[bytes], headers: list[bytes]) -> None:
        self.attrs = attrs  # [usual, after a browser update]: '"device":{..},..,"network":{..}'
        self.headers = headers  # [home network, another network]


def make_devices(n: int = N_DEVICES, seed: int = 7) -> list[Device]:
    """Devices with consistent UA/platform/GPU/screen, locale/zone/IP; 5% headless bots."""
    rng = random.Random(seed)
    platforms, gpus = _table(_PLATFORMS), _table(_GPUS)
    countries = _table(_COUNTRIES)
    out = []
    for i in range(n):
        bot = rng.random() < 0.05
        if bot:
            _, system, tail, plat, touch, plugins, mems, screens = platforms[-1]
            zone, langs, accept, nets = countries[-1]
        else:
            weights = [int(p[0]) for p in platforms[:-1]]
            _, system, tail, plat, touch, plugins, mems, screens = rng.choices(
                platforms[:-1], weights
            )[0]
            zone, langs, accept, nets = rng.choice(countries[:-1])
        w, h, ratio = rng.choice(screens.split()).split("x")
        _, vendor, renderer = rng.choice([g for g in gpus if g[0] == ("headless" if bot else plat)])
        major = rng.choice((125, 126, 126, 127))
        cores, memory = (2 if bot else rng.choice((4, 8, 12, 16))), float(rng.choice(mems.split()))
        fonts_count = rng.randint(38, 72)
        attrs = []
        for version in (major, major + 1):
            device = {
                "screen_width": int(w),
                "screen_height": int(h),
                "pixel_ratio": float(ratio),
                "color_depth": 24,
                "hardware_concurrency": cores,
                "device_memory": memory,
                "touch_points": int(touch),
                "webgl_vendor": vendor,
                "webgl_renderer": renderer,
                "canvas_hash": _hash("canvas", seed, i),
                "audio_hash": _hash("audio", seed, i),
                "fonts_hash": _hash("fonts", seed, i),
                "fonts_count": fonts_count,
                "plugins_count": int(plugins),
            }
            browser = "HeadlessChrome" if bot else "Chrome"
            software = {
                "user_agent": _UA.format(system, browser, version, tail),
                "platform": plat,
                "languages": langs.split(),
                "timezone": zone,
                "timezone_offset_min": _offset_min(zone),
                "do_not_track": i % 10 == 0,
                "webdriver": bot,
            }
            network = {
                "connection_type": "4g",
                "downlink_mbps": rng.choice((1.55, 7.2, 10.0)),
                "rtt_ms": rng.choice((50, 100, 150)),
            }
            blob = _json({"device": device, "software": software, "network": network})
            attrs.append(blob[1:-1])
        ua = _UA.format(system, "HeadlessChrome" if bot else "Chrome", major, tail)
        headers = []
        for _ in range(2):
            ip = f"{rng.choice(nets.split())}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            headers.append(
                f"User-Agent: {ua}\r\nAccept: */*\r\nAccept-Language: {accept}\r\n"
                f"X-Forwarded-For: {ip}\r\n".encode()
            )
        out.append(Device(attrs, headers))
    return out


def make_behaviours(n: int = N_BEHAVIOURS, seed: int = 11) -> list[bytes]:
    """Form behaviour (counts only) of a loan application; 10% paste the e-mail address."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        typed = {name: rng.randint(1, 6) for name in _FIELDS.split()}
        typed.update(postcode=5, email=rng.randint(14, 30), phone=rng.randint(9, 13))
        paste = rng.random() < 0.1
        fields = [
            {
                "name": name,
                "chars_typed": 0 if paste and name == "email" else count,
                "chars_pasted": count if paste and name == "email" else 0,
                "corrections": rng.randint(0, 4),
                "focus_ms": rng.randint(1500, 25_000),
            }
            for name, count in typed.items()
        ]
        behaviour: dict[str, Any] = {
            "time_on_page_ms": rng.randint(25_000, 240_000),
            "history_length": rng.randint(1, 8),
            "pages_visited": rng.randint(1, 6),
            "fields": fields,
        }
        if rng.random() < 0.7:
            behaviour["referrer_host"] = rng.choice(_REFERRERS)
        out.append(_json(behaviour))
    return out


def collect_body(sid: bytes, attrs: bytes, behaviour: bytes) -> bytes:
    return (
        b'{"session_id":"%s","site_key":"%s","channel":"web","attributes":{%s,"behaviour":%s}}'
        % (sid, SITE_KEY, attrs, behaviour)
    )


# -- a minimal HTTP/1.1 keep-alive client on raw Trio sockets -------------------------------


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


# -- the load generator (its own process, pinned to its own core) ----------------------------


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
    mode: str, port: int, concurrency: int, warmup: float, duration: float, seed: int = 1
) -> dict[str, Any]:
    """Drive the echo (mode "echo") or the real flow ("flow"); return per-endpoint stats."""
    import msgspec
    import trio

    class _Session(msgspec.Struct):
        session_id: str

    decode_session = msgspec.json.Decoder(_Session).decode
    devices, behaviours = make_devices(), make_behaviours()
    common = b"Host: 127.0.0.1:%d\r\nContent-Type: application/json\r\n" % port
    browser = common + b"Origin: %s\r\n" % ORIGIN
    backend = common + b"Authorization: Bearer %s\r\nUser-Agent: lender-backend/1.0\r\n" % API_KEY
    session_body = b'{"site_key":"%s"}' % SITE_KEY

    def post(path: bytes, headers: bytes, body: bytes) -> bytes:
        head = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n" % (path, headers, len(body))
        return head + body

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

    def pick(rng: random.Random) -> tuple[bytes, bytes, bytes]:
        dev = devices[rng.randrange(len(devices))]
        attrs = dev.attrs[rng.random() < 0.1]  # now and then after a browser update
        headers = browser + dev.headers[rng.random() < 0.15]  # now and then on another network
        return attrs, headers, behaviours[rng.randrange(len(behaviours))]

    async def flow_client(conn: Conn, rng: random.Random) -> None:
        while perf() < end:
            attrs, headers, behaviour = pick(rng)
            t0 = perf()
            body = await call(conn, "sessions", post(b"/v1/sessions", headers, session_body))
            if body is None:
                continue
            try:
                sid = decode_session(body).session_id.encode()
            except msgspec.DecodeError:
                rec.error("sessions", perf(), "a 2xx answer without session_id")
                continue
            data = post(b"/v1/collect", headers, collect_body(sid, attrs, behaviour))
            if await call(conn, "collect", data) is None:
                continue
            data = post(b"/v1/score", backend, b'{"session_id":"%s"}' % sid)
            if await call(conn, "score", data) is not None:
                rec.ok("flow", t0, perf())

    async def echo_client(conn: Conn, rng: random.Random) -> None:
        while perf() < end:
            attrs, headers, behaviour = pick(rng)
            sid = b"s1_" + base64.urlsafe_b64encode(rng.randbytes(40))  # as long as a token
            await call(conn, "echo_session", post(b"/echo", headers, session_body))
            await call(
                conn, "echo_collect", post(b"/echo", headers, collect_body(sid, attrs, behaviour))
            )
            await call(conn, "echo_score", post(b"/echo", backend, b'{"session_id":"%s"}' % sid))

    client = echo_client if mode == "echo" else flow_client
    cpu0 = time.process_time()
    with trio.move_on_after(warmup + duration + 30):
        async with trio.open_nursery() as nursery:
            for i, c in enumerate(conns):
                nursery.start_soon(client, c, random.Random(seed * 1000 + i))
    cpu, wall = time.process_time() - cpu0, (perf() - t_start) / 1e9
    for c in conns:
        c.close()
    return {
        "endpoints": {n: rec.stats(n, duration) for n in names},
        "loadgen_cpu_pct": round(100 * cpu / wall, 1),
    }


# -- orchestration ---------------------------------------------------------------------------


def _pin(cpu: int | None) -> Callable[[], None] | None:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_busy(cpu: int | None) -> float:
    """CPU seconds used on one CPU (all CPUs for None), from /proc/stat: user, nice, system,
    irq, softirq, steal."""
    name = "cpu" if cpu is None else f"cpu{cpu}"
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return float("nan")
    for line in lines:
        label, *rest = line.split()
        if label == name:
            fields = [int(x) for x in rest]
            return (sum(fields[:3]) + sum(fields[5:8])) / os.sysconf("SC_CLK_TCK")
    return float("nan")


class Child:
    """A server subprocess with its output in a log file; `stop()` ends it (SIGINT, then kill)."""

    def __init__(self, name: str, argv: list[str], cpu: int | None, logfile: Path) -> None:
        self.name, self.logfile = name, logfile
        self.out = logfile.open("wb")
        self.proc = subprocess.Popen(
            argv,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            preexec_fn=_pin(cpu),
        )

    def tail(self, lines: int = 25) -> str:
        text = self.logfile.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self, url: str, ready: Callable[[int], bool], timeout: float) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no env proxy
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with status {self.proc.returncode} "
                    f"before it was ready; the end of its log:\n{self.tail()}"
                )
            try:
                with opener.open(url, timeout=2) as r:
                    status = r.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            if status and ready(status):
                return
            time.sleep(0.25)
        raise RuntimeError(
            f"{self.name} not ready after {timeout:.0f} s; the end of its log:\n{self.tail()}"
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


def run_load(
    mode: str, server: Child, port: int, args: argparse.Namespace, cpus: tuple[int | None, ...]
) -> dict[str, Any]:
    """Run the load generator process against `server`; add the CPU time each side used and
    what other processes took from the server's and the load generator's CPUs meanwhile."""
    server_cpu, load_cpu = cpus
    argv = [sys.executable, "-m", "tools.bench", "--loadgen", mode, "--target-port", str(port)]
    argv += ["--concurrency", str(args.concurrency), "--warmup", str(args.warmup)]
    argv += ["--duration", str(args.duration)]
    spy = _start_profiler(args, server.proc.pid) if mode == "flow" else None
    busy0 = [_cpu_busy(c) for c in cpus]
    server0, t0 = _proc_cpu(server.proc.pid), time.monotonic()
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    pin, limit = _pin(load_cpu), args.warmup + args.duration + 120
    done = subprocess.run(argv, cwd=REPO, stdout=subprocess.PIPE, preexec_fn=pin, timeout=limit)
    wall = time.monotonic() - t0
    server_s = _proc_cpu(server.proc.pid) - server0
    busy = [_cpu_busy(c) - b for c, b in zip(cpus, busy0, strict=True)]
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_s = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
    if spy is not None:
        if spy.wait(60) == 0:
            log(f"profile written to {args.profile}")
        else:
            log(f"py-spy failed (exit status {spy.returncode}); no profile")
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed (exit status {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout)
    result["server_cpu_pct"] = round(100 * server_s / wall, 1)
    if server_cpu is None:  # not pinned: all CPUs together
        other = (busy[0] - server_s - load_s, busy[0] - server_s - load_s)
    else:
        other = (busy[0] - server_s, busy[1] - load_s)
    result["other_on_server_cpu_pct"] = round(max(0.0, 100 * other[0] / wall), 1)
    result["other_on_load_cpu_pct"] = round(max(0.0, 100 * other[1] / wall), 1)
    return result


def _start_profiler(args: argparse.Namespace, pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy on the service over the measured window (it waits out the warm-up first)."""
    if not args.profile:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise RuntimeError("--profile needs py-spy; install it: pip install py-spy")
    argv = [spy, "record", "--pid", str(pid), "--duration", str(max(1, round(args.duration)))]
    argv += ["--rate", "200", "--format", "raw", "-o", str(args.profile)]
    script = f'sleep {args.warmup + 0.5}; exec "$@" >/dev/null'
    return subprocess.Popen(["sh", "-c", script, "py-spy", *argv])


def bench(args: argparse.Namespace) -> dict[str, Any]:
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, load_cpu = (cpus[0], cpus[1]) if len(cpus) >= 2 else (None, None)
    if server_cpu is None:
        log("one CPU only: the server and the load generator share it; numbers will be low")
    res: dict[str, Any] = {
        "machine": {
            "nproc": os.cpu_count(),
            "server_cpu": server_cpu,
            "load_cpu": load_cpu,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "params": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
        },
    }
    tmp = Path(tempfile.mkdtemp(prefix="anonscore-bench-"))
    children: list[Child] = []
    try:
        port = args.port or free_port()
        log(f"echo: starting tools/bench_echo.py on {HOST}:{port} (CPU {server_cpu})")
        argv = [sys.executable, "-m", "tools.bench_echo", "--port", str(port)]
        echo = Child("the echo server", argv, server_cpu, tmp / "echo.log")
        children.append(echo)
        echo.wait_ready(f"http://{HOST}:{port}/echo", lambda s: s in (200, 405), 30)
        log(
            f"echo: {args.concurrency} connections, {args.warmup:g} s warm-up + "
            f"{args.duration:g} s measured (load on CPU {load_cpu})"
        )
        res["echo"] = run_load("echo", echo, port, args, (server_cpu, load_cpu))
        echo.stop()
        log("echo: done")

        port = args.port or free_port()
        log(
            f"anonscore: starting the service on {HOST}:{port} (CPU {server_cpu}); a first "
            "start compiles the kernels"
        )
        argv = [sys.executable, "-m", "engine.cli", "serve", "--host", HOST, "--port", str(port)]
        argv += ["--data-dir", str(tmp / "data"), "--config-dir", str(REPO / "config")]
        svc = Child("the service", argv, server_cpu, tmp / "anonscore.log")
        children.append(svc)
        t0 = time.monotonic()
        try:
            svc.wait_ready(f"http://{HOST}:{port}/readyz", lambda s: s == 200, 90)
        except RuntimeError as exc:
            res["anonscore_failed"] = str(exc)
            log(f"anonscore: {exc}")
            return res
        log(f"anonscore: ready after {time.monotonic() - t0:.1f} s; driving the full flow")
        res["anonscore"] = run_load("flow", svc, port, args, (server_cpu, load_cpu))
        svc.stop()
        log("anonscore: done")
    finally:
        for child in children:
            child.stop()
        if args.keep:
            log(f"logs and data kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    e, f = res["echo"]["endpoints"]["echo"], res["anonscore"]["endpoints"]["all"]
    res["ratio"] = {
        "throughput": round(f["rps"] / e["rps"], 3) if e["rps"] else None,
        "p99": round(f["p99_ms"] / e["p99_ms"], 3) if e["p99_ms"] and f["p99_ms"] else None,
    }
    return res


def _n(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def report(res: dict[str, Any]) -> str:
    m, p = res["machine"], res["params"]
    pin = (
        f"server on CPU {m['server_cpu']}, load on CPU {m['load_cpu']}"
        if m["server_cpu"] is not None
        else "server and load on one CPU"
    )
    lines = [
        f"machine: nproc {m['nproc']} ({pin}), Python {m['python']}, {m['platform']}",
        f"parameters: {p['concurrency']} connections, {p['warmup_s']:g} s warm-up (discarded)"
        f" + {p['duration_s']:g} s measured per phase",
        "",
        f"{'endpoint':<40}{'requests/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}",
    ]
    phases = [("echo", ECHO_ROWS)] + ([("anonscore", FLOW_ROWS)] if "anonscore" in res else [])
    for phase, rows in phases:
        for key, label in rows:
            s = res[phase]["endpoints"][key]
            lines.append(
                f"{label:<40}{s['rps']:>11.1f}{_n(s['p50_ms'], '.2f'):>9}"
                f"{_n(s['p99_ms'], '.2f'):>9}{s['errors']:>8}"
                + ("   (flows/s)" if key == "flow" else "")
            )
    lines.append("")
    if "anonscore" in res:
        r = res["ratio"]
        lines.append(
            f"anonscore all-requests throughput = {_n(r['throughput'], '.2f')} x echo; "
            f"p99 = {_n(r['p99'], '.2f')} x echo"
        )
    else:
        lines.append(f"anonscore: not measured: {res.get('anonscore_failed', 'not run')}")
    for phase, _ in phases:
        ph = res[phase]
        other_server, other_load = ph["other_on_server_cpu_pct"], ph["other_on_load_cpu_pct"]
        lines.append(
            f"CPU during {phase}: server {ph['server_cpu_pct']:.0f}%, load generator "
            f"{ph['loadgen_cpu_pct']:.0f}%; other processes {other_server:.0f}% on the server's "
            f"CPU, {other_load:.0f}% on the load generator's"
        )
        if other_server > BUSY_PCT[0] or other_load > BUSY_PCT[1]:
            lines.append(
                f"WARNING: other processes competed for the CPUs during {phase}; its numbers "
                "are not representative: run again on a quiet machine"
            )
        for key, _ in ECHO_ROWS[1:] if phase == "echo" else FLOW_ROWS[:3]:
            s = ph["endpoints"][key]
            if s["errors_total"]:
                lines.append(
                    f"errors, {phase} {key}: {s['errors_total']} in all ({s['errors']} "
                    f"in the measured window); the first: {s['first_error']}"
                )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per phase")
    p.add_argument("--concurrency", type=int, default=32, help="connections (default 32)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of load, not measured")
    p.add_argument("--port", type=int, default=0, help="port for the servers (default: a free one)")
    p.add_argument("--json", type=Path, help="also write the numbers to this file")
    p.add_argument("--keep", action="store_true", help="keep the servers' logs and data")
    p.add_argument(
        "--profile",
        type=Path,
        help="record the service with py-spy over the measured window into this file "
        "(raw collapsed stacks; needs py-spy and ptrace permission)",
    )
    p.add_argument("--loadgen", choices=("echo", "flow"), help=argparse.SUPPRESS)
    p.add_argument("--target-port", type=int, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1:
        print("bench: --duration must be > 0, --warmup >= 0, --concurrency >= 1", file=sys.stderr)
        return 2
    if args.loadgen:
        import trio

        # the parent stops this process; a Ctrl-C meant for the parent must not spill a trace
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        out = trio.run(
            loadgen, args.loadgen, args.target_port, args.concurrency, args.warmup, args.duration
        )
        print(json.dumps(out))
        return 0
    # SIGTERM ends the run as Ctrl-C does, so the servers are stopped (bench's finally)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        res = bench(args)
    except RuntimeError as exc:
        log(f"failed: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; the servers were stopped")
        return 130
    print(report(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n")
        log(f"numbers written to {args.json}")
    return 0 if "anonscore" in res else 1


if __name__ == "__main__":
    sys.exit(main())
