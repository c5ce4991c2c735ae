"""Start-up, reload and shutdown: one nursery holding the HTTP server, the engine's actors,
the periodic jobs (engine/runtime/scheduler.py) and the signal watcher."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec
import trio

from engine import confdiff
from engine.config import Config, ServiceFile
from engine.http.appstate import AppState
from engine.http.asgi import AsgiBridge, run_lifespan
from engine.http.front import ApiFront
from engine.http.listener import HttpServer
from engine.http.openapi import openapi_document
from engine.http.pages import create_pages_app, freeze_heap
from engine.http.protocol import HttpLimits
from engine.ipdata import IpData, load_ip_data
from engine.metrics import Metrics
from engine.privacy import IpReducer
from engine.privacy.secrets import Keys, derive_keys, load_secret
from engine.runtime.readiness import until_ip_data
from engine.runtime.reloading import load_runtime, reload_when_stable
from engine.runtime.scheduler import Context, Job, run_jobs, service_jobs
from engine.runtime.shared_secret import configured_secret, deployment_secret
from engine.runtime.sockets import inherited_socket, listen_sockets, restrict_permissions
from engine.scoring.kernels import warm_up
from engine.scoring.model import Runtime
from engine.scoring.pipeline import ENGINE_ATTRIBUTES
from engine.scoring.plugin_host import PluginHost, build_plugin_manager
from engine.sessions.actors import run_engine
from engine.sessions.service import Service
from engine.store import AsyncKeyValueStore
from engine.store.regions import Regions, open_regions
from engine.store.shared import shared_store
from engine.webhooks import sender as webhooks

log = logging.getLogger("anonscore.server")
REMOTE_ACTORS = 64


class ServeOptions(msgspec.Struct, frozen=True):
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    config_dir: Path = Path("config")
    secret_file: Path | None = None  # None: $ANONSCORE_SECRET(_FILE), else beside config_dir
    store: str = ""  # redis://HOST:PORT of a cluster; "" = service.toml's store, or RocksDB
    listen_fd: int | None = None  # a listening socket inherited from the parent (workers)
    worker: int = 0  # 0: the only process; 1..N: one of --workers N (no pid file of its own)
    allow_no_ip_data: bool = False  # ready with the shipped lists alone (no IP data built)
    build_ip_data: bool = False  # none there: build it at start (anonscore update-data)
    ip_data_source: Path | None = None  # build from these npm package directories (tests)


class Handle(msgspec.Struct):
    """What `serve` reports once ready: the bound port and the live state (for tests)."""

    port: int
    state: AppState
    opts: ServeOptions
    host: PluginHost
    http: HttpServer
    admin: HttpServer | None = None  # the operator listener, when configured


async def _secret(opts: ServeOptions, stores: Mapping[str, object]) -> bytes:
    """On a store several processes share (a cluster), the deployment's secret held there
    (engine/runtime/shared_secret.py); else this machine's (engine/privacy/secrets.py)."""
    home = shared_store(stores)
    if home is not None:
        configured = configured_secret(opts.data_dir, opts.config_dir, opts.secret_file)
        return await deployment_secret(home, configured)
    return load_secret(opts.data_dir, opts.config_dir, opts.secret_file)


def pid_file(data_dir: Path) -> Path:
    return data_dir / "anonscore.pid"


async def serve(
    opts: ServeOptions, *, task_status: trio.TaskStatus[Handle] = trio.TASK_STATUS_IGNORED
) -> None:
    """Run the service until SIGINT/SIGTERM (or cancellation). Raises ConfigError at start-up
    when the config is invalid."""
    metrics = Metrics()
    host = _plugin_host(metrics)
    runtime = load_runtime(opts.config_dir, host.names)
    host.codes = frozenset(runtime.model.codes)
    # the store holds pseudonymous data: owner-only, whatever the operator's umask
    previous_umask = os.umask(0o077)
    try:
        regions, secret = await _open_data(opts, runtime)
    except BaseException:
        os.umask(previous_umask)
        raise
    try:
        state = AppState(metrics)
        state.worker = opts.worker
        parts = _Parts(opts, runtime, regions, derive_keys(secret), state, host)
        if opts.worker == 0:
            pid_file(opts.data_dir).write_text(str(os.getpid()))
        await _run(parts, task_status)
    finally:
        with trio.CancelScope(shield=True):
            await regions.aclose()
        os.umask(previous_umask)
        if opts.worker == 0:
            try:
                pid_file(opts.data_dir).unlink()
            except FileNotFoundError:
                pass


def _plugin_host(metrics: Metrics) -> PluginHost:
    return PluginHost(
        build_plugin_manager(),
        on_error=lambda name: metrics.plugin_errors.labels(name).inc(),
        on_violation=lambda name, what: metrics.plugin_violations.labels(name, what).inc(),
        reserved=frozenset(ENGINE_ATTRIBUTES),
    )


async def _open_data(opts: ServeOptions, runtime: Runtime) -> tuple[Regions, bytes]:
    """The data directory made private, the regions' stores opened, the secret loaded."""
    opts.data_dir.mkdir(parents=True, exist_ok=True)
    restrict_permissions(opts.data_dir)
    confdiff.write_applied(opts.data_dir, runtime.config)  # what check-config compares to
    url = opts.store or runtime.config.service.store
    regions = await open_regions(runtime.config.service, opts.data_dir, url)
    try:
        return regions, await _secret(opts, regions.stores)
    except BaseException:
        with trio.CancelScope(shield=True):
            await regions.aclose()
        raise


class _Parts:
    """What start-up has made so far, handed from one step to the next."""

    def __init__(
        self,
        opts: ServeOptions,
        runtime: Runtime,
        regions: Regions,
        keys: Keys,
        state: AppState,
        host: PluginHost,
    ) -> None:
        self.opts = opts
        self.runtime = runtime
        self.regions = regions
        self.keys = keys
        self.state = state
        self.host = host
        self.shutdown = trio.Event()
        limits = HttpLimits.of(runtime.config.service)  # the one place limits come from
        self.pages = create_pages_app(state, limits.max_body_bytes)
        self.http, self.admin = _listeners(opts, runtime, state, limits, self.pages)
        state.http = self.http.counter

    def handle(self) -> Handle:
        port = self.http.bound_ports()[0]
        return Handle(port, self.state, self.opts, self.host, self.http, self.admin)


def _listeners(
    opts: ServeOptions, runtime: Runtime, state: AppState, limits: HttpLimits, pages: Any
) -> tuple[HttpServer, HttpServer | None]:
    """The public listener and, when configured, the operator's."""
    openapi = openapi_document()
    http = HttpServer(
        ApiFront(state, limits, AsgiBridge(pages, (opts.host, opts.port)), openapi),
        limits,
        inherited_socket(opts.listen_fd)
        if opts.listen_fd is not None
        else listen_sockets(opts.host, opts.port),
        exempt=runtime.config.trusted_proxies,
    )
    if runtime.config.admin_listen is None:
        return http, None
    admin_host, admin_port = runtime.config.admin_listen
    if opts.worker > 1 and admin_port:  # --workers N: worker i on the port + i - 1
        admin_port += opts.worker - 1
    front = ApiFront(
        state, limits, AsgiBridge(pages, (admin_host, admin_port)), openapi, admin=True
    )
    return http, HttpServer(front, limits, listen_sockets(admin_host, admin_port))


async def _run(parts: _Parts, task_status: trio.TaskStatus[Handle]) -> None:
    """Everything under one nursery: engine, background jobs, pages, listeners; ready
    once warm; on `shutdown`, the listeners drained, then the rest cancelled."""
    state, shutdown = parts.state, parts.shutdown
    async with trio.open_nursery() as nursery:
        reducer, ip_data = await _start_engine(nursery, parts)
        nursery.start_soon(_watch_signals, state, parts.opts, parts.host, shutdown)
        nursery.start_soon(run_jobs, _jobs(state), _job_context(state, shutdown))
        nursery.start_soon(
            webhooks.run, lambda: _stores(state), lambda: _config(state), state.metrics, shutdown
        )
        await nursery.start(run_lifespan, parts.pages, shutdown)
        drained = [trio.Event()]
        await nursery.start(_serve_until_drained, parts.http, shutdown, drained[0])
        if parts.admin is not None:
            drained.append(trio.Event())
            await nursery.start(_serve_until_drained, parts.admin, shutdown, drained[1])
            log.info("admin listener", extra={"port": parts.admin.bound_ports()[0]})
        await _become_ready(parts, reducer, ip_data, task_status)
        await shutdown.wait()
        log.info("shutting down")
        # the listeners stop accepting on `shutdown` and give requests in flight their
        # `graceful_s`; the actors, the store and the pages keep serving those requests
        # until every listener has drained, then everything else is cancelled
        for done in drained:
            await done.wait()
        nursery.cancel_scope.cancel()


async def _start_engine(nursery: trio.Nursery, parts: _Parts) -> tuple[IpReducer, IpData]:
    """The engine's actors, the IP data and the service over them."""
    svc_cfg, state = parts.runtime.config.service, parts.state
    # on a remote store operations wait on the network: more of them at a time
    remote = bool(parts.opts.store or svc_cfg.store or svc_cfg.region_stores)
    actors = max(svc_cfg.scorers, REMOTE_ACTORS) if remote else svc_cfg.scorers
    engine = await nursery.start(run_engine, svc_cfg.queue_depth, actors)
    ip_data = await trio.to_thread.run_sync(load_ip_data, Path(svc_cfg.ip_data_dir))
    reducer = IpReducer(parts.keys.hashing, ip_data)
    if (stale := ip_data.warning(time.time())) is not None:
        log.warning(stale, extra={"path": svc_cfg.ip_data_dir})
    state.service = Service(parts.regions, parts.keys, parts.host, parts.runtime, reducer)
    state.service.on_shadow = state.metrics.observe_shadow
    state.metrics.stages = state.service.stages
    state.engine = engine
    return reducer, ip_data


async def _become_ready(
    parts: _Parts, reducer: IpReducer, ip_data: IpData, task_status: trio.TaskStatus[Handle]
) -> None:
    """Kernels compiled (or loaded) off the loop, the IP data there (or allowed away): then
    ready. `task_status` is given the handle once up (answering 503 meanwhile, when it
    waits for the IP data) or once ready."""
    state, opts = parts.state, parts.opts
    assert state.service is not None
    t0 = time.perf_counter()
    await trio.to_thread.run_sync(warm_up)
    await trio.to_thread.run_sync(state.service.warm_up)
    freeze_heap()
    if ip_data.meta is None and not opts.allow_no_ip_data:
        # not ready without the network signals: /readyz says why until it is built
        state.waiting_for = f"{ip_data.problem}; or start with --allow-no-ip-data"
        task_status.started(parts.handle())  # up, answering 503 meanwhile
        task_status = trio.TASK_STATUS_IGNORED
        ip_dir = parts.runtime.config.service.ip_data_dir
        await until_ip_data(state, opts, reducer, ip_dir, parts.shutdown)
    state.waiting_for = ""
    state.ready = not parts.shutdown.is_set()
    state.metrics.ready.set(int(state.ready))
    log.info(
        "ready",
        extra={
            "host": opts.host,
            "port": parts.http.bound_ports()[0],
            "ms": round((time.perf_counter() - t0) * 1000),
            "version": parts.runtime.model.version,
        },
    )
    task_status.started(parts.handle())


async def _serve_until_drained(
    server: HttpServer,
    shutdown: trio.Event,
    drained: trio.Event,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run one listener; `drained` is set once it has stopped and its connections are done
    (or cut after its `graceful_s`), whichever way it ends."""
    try:
        await server.serve(shutdown, task_status=task_status)
    finally:
        drained.set()


async def _watch_signals(
    state: AppState, opts: ServeOptions, host: PluginHost, shutdown: trio.Event
) -> None:
    with trio.open_signal_receiver(signal.SIGHUP, signal.SIGTERM, signal.SIGINT) as signals:
        async for signum in signals:
            if signum == signal.SIGHUP:
                try:
                    await reload_when_stable(state, opts.config_dir, host, opts.data_dir)
                except Exception as exc:  # a reload never takes the service down
                    log.error("config reload failed", extra={"exc": type(exc).__name__})
                    state.metrics.background_errors.labels("reload").inc()
            else:
                shutdown.set()
                return


def _stores(state: AppState) -> list[AsyncKeyValueStore] | None:
    """Every region's store, the first (the leases' home) first; None before start-up."""
    svc = state.service
    return list(svc.regions.stores.values()) if svc is not None and state.ready else None


def _config(state: AppState) -> Config | None:
    return state.service.runtime.config if state.service is not None else None


def _jobs(state: AppState) -> list[Job]:
    """The service's periodic jobs (engine/runtime/scheduler.py), each round run by the
    engine's actors on the service as it is then (a reload may have replaced parts)."""

    def on_engine(name: str) -> Callable[[float], Awaitable[int]]:
        async def run(now: float) -> int:
            assert state.service is not None
            assert state.engine is not None
            operation = getattr(state.service, name)
            return await state.engine.run_async(lambda: operation(now))

        return run

    def config() -> ServiceFile:
        assert state.service is not None
        return state.service.runtime.config.service

    return service_jobs(
        on_engine("sweep"),
        on_engine("sweep_velocity"),
        on_engine("sweep_records"),
        on_engine("resume_erasures"),
        lambda: config().sweep_interval_s,
        lambda: config().record_sweep_interval_s,
        state.metrics,
    )


def _job_context(state: AppState, shutdown: trio.Event) -> Context:
    """Jobs run once the service is ready, with its clock, leases in the first region."""

    def home() -> AsyncKeyValueStore | None:
        svc = state.service
        if svc is None or not state.ready or state.engine is None:
            return None
        return next(iter(svc.regions.stores.values()))

    def clock() -> float:
        assert state.service is not None
        return state.service.clock()

    return Context(home, clock, state.metrics, shutdown)
