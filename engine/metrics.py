"""Prometheus metrics, on a registry built per service (never at import time)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class StageClock:
    """CPU seconds spent in each named stage of the request path (this thread's CPU clock:
    a stage never awaits), summed since start. Exported as
    `anonscore_stage_cpu_seconds_total{stage}`; `python -m tools.bench` divides the growth
    by the requests of a run to print CPU per request by stage."""

    __slots__ = ("seconds",)

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str) -> _Stage:
        return _Stage(self.seconds, stage)


class _Stage:
    __slots__ = ("into", "name", "t0")

    def __init__(self, into: dict[str, float], name: str) -> None:
        self.into, self.name, self.t0 = into, name, 0.0

    def __enter__(self) -> None:
        self.t0 = time.thread_time()

    def __exit__(self, *exc: object) -> None:
        self.into[self.name] = self.into.get(self.name, 0.0) + time.thread_time() - self.t0


class _StageCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "anonscore_stage_cpu_seconds",
            "CPU seconds spent in each stage of the request path (stages never await; the "
            "rest of a request's CPU is HTTP, JSON, the store client and the event loop)",
            labels=["stage"],
        )
        clock = self.metrics.stages
        for stage, seconds in sorted((clock.seconds if clock is not None else {}).items()):
            family.add_metric([stage], seconds)
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._http_metrics(self.registry)
        self._engine_metrics(self.registry)
        self._model_metrics(self.registry)
        self.stages: StageClock | None = None  # the service's, once it runs
        self.registry.register(_StageCollector(self))
        self._request_children: dict[tuple[str, int], Any] = {}
        self._latency_children: dict[str, Any] = {}
        self._error_children: dict[str, Any] = {}
        self._shed_children: dict[str, Any] = {}

    def _http_metrics(self, r: CollectorRegistry) -> None:
        """Requests, latency, errors, shed requests and connections."""
        self.requests = Counter(
            "anonscore_http_requests",
            "HTTP requests by endpoint and status",
            ["endpoint", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "anonscore_http_request_seconds",
            "HTTP request latency by endpoint",
            ["endpoint"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=r,
        )
        self.errors = Counter("anonscore_errors", "error answers by code", ["code"], registry=r)
        self.scores = Histogram(
            "anonscore_score",
            "scores returned",
            buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0),
            registry=r,
        )
        self.flags = Counter(
            "anonscore_flags", "flags raised in score answers", ["flag"], registry=r
        )
        self.plugin_errors = Counter(
            "anonscore_plugin_errors", "plugin calls that raised", ["plugin"], registry=r
        )
        self.plugin_violations = Counter(
            "anonscore_plugin_contract_violations",
            "plugin outputs dropped for breaking the contract (engine/scoring/plugin_host.py)",
            ["plugin", "what"],
            registry=r,
        )
        self.shed = Counter(
            "anonscore_http_shed",
            "requests refused at the head by admission control (503), by endpoint",
            ["endpoint"],
            registry=r,
        )
        self.connections = Gauge(
            "anonscore_http_connections", "open client connections", registry=r
        )
        self.connections_refused = Gauge(
            "anonscore_http_connections_refused",
            "connections refused since start because max_connections were open",
            registry=r,
        )
        self.connections_refused_per_client = Gauge(
            "anonscore_http_connections_refused_per_client",
            "connections refused since start because their client prefix held "
            "max_connections_per_client",
            registry=r,
        )

    def _engine_metrics(self, r: CollectorRegistry) -> None:
        """The engine queue, sweeps, reloads, background errors, readiness, IP data age."""
        self.queue = Gauge("anonscore_engine_queue", "jobs waiting in the engine inbox", registry=r)
        self.swept = Counter(
            "anonscore_sessions_swept", "sessions deleted by retention", registry=r
        )
        self.reloads = Counter(
            "anonscore_config_reloads", "config reloads by outcome", ["outcome"], registry=r
        )
        self.background_errors = Counter(
            "anonscore_background_errors",
            "background tasks (sweep, erasure, reload) that raised; they retry later",
            ["task"],
            registry=r,
        )
        self.ready = Gauge("anonscore_ready", "1 once the service can score", registry=r)
        self.ip_data_age = Gauge(
            "anonscore_ip_data_age_days",
            "days since the IP data (ASN, country, hosting/VPN/Tor lists) was built",
            registry=r,
        )

    def _model_metrics(self, r: CollectorRegistry) -> None:
        """Scores, flags, plugin errors and the shadow model."""
        self.shadow = Counter(
            "anonscore_shadow_scores",
            "first scores also scored by the shadow model, by how its band compares with the "
            "live one (low < 0.5 <= review < 0.8 <= top): same, riskier, safer",
            ["agreement"],
            registry=r,
        )
        self.shadow_difference = Histogram(
            "anonscore_shadow_score_difference",
            "shadow score minus live score",
            buckets=(-0.5, -0.2, -0.1, -0.02, 0.02, 0.1, 0.2, 0.5, 1.0),
            registry=r,
        )

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        """Count and time one request (label children cached: `labels()` takes a lock)."""
        key = (endpoint, status)
        counter = self._request_children.get(key)
        if counter is None:
            counter = self._request_children[key] = self.requests.labels(endpoint, str(status))
        timer = self._latency_children.get(endpoint)
        if timer is None:
            timer = self._latency_children[endpoint] = self.latency.labels(endpoint)
        counter.inc()
        timer.observe(seconds)

    def observe_shadow(self, live: float, shadow: float) -> None:
        def band(score: float) -> int:
            return 0 if score < 0.5 else 1 if score < 0.8 else 2

        a, b = band(live), band(shadow)
        self.shadow.labels("same" if a == b else "riskier" if b > a else "safer").inc()
        self.shadow_difference.observe(shadow - live)

    def count_shed(self, endpoint: str) -> None:
        child = self._shed_children.get(endpoint)
        if child is None:
            child = self._shed_children[endpoint] = self.shed.labels(endpoint)
        child.inc()

    def count_error(self, code: str) -> None:
        child = self._error_children.get(code)
        if child is None:
            child = self._error_children[code] = self.errors.labels(code)
        child.inc()

    def refresh(self, state: Any) -> None:
        """Gauges read at scrape time: the engine queue and the open connections."""
        if state.engine is not None:
            self.queue.set(state.engine.queued())
        if state.service is not None:
            age = state.service.ip.data.age_days(time.time())
            self.ip_data_age.set(-1 if age is None else age)
        if state.http is not None:
            self.connections.set(state.http.open)
            self.connections_refused.set(state.http.refused)
            self.connections_refused_per_client.set(state.http.refused_per_client)

    def observe_score(self, score: float, flags: dict[str, bool]) -> None:
        self.scores.observe(score)
        for flag, on in flags.items():
            if on:
                self.flags.labels(flag).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
