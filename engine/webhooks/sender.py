"""Delivering the webhook outbox: signed POSTs, retried with back-off, logged per tenant.

A background task of the server (engine/runtime/server.py) runs `run`: every
`webhook_poll_s` it reads the due events of every region's outbox (`o:{outbox}`, one hash
slot, so a cheap read on a cluster too) and starts, for each not already in flight, a POST
to its tenant's URL (at most CONCURRENCY at once, so a slow receiver holds only its own), signed
(`Anonscore-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`, one `v1` per configured
secret: HMAC-SHA256 of `<t>.<body>`). A 2xx deletes the event; anything else (a status,
a timeout, a refused connection) sets its next attempt `webhook_retry_base_s * 2^(n-1)`
later, capped at `webhook_retry_max_s`, drawn in [half, all] of that (jitter, so receivers
coming back are not hit in step); after `webhook_give_up_s` it is dropped and logged.
Every attempt leaves a `WebhookAttempt` (status, time, no payload) in the tenant's delivery
log, kept LOG_DAYS.

At least once: an event is deleted only after its 2xx, so a crash between the two sends it
again, with the same id and body. Several processes sharing a store (`--workers N`, or
several machines) elect one sender with the sweep lease (engine/lifecycle/leases.py,
"webhooks"); when it dies, another takes over a term later, and the events it had not
finished are still in the outbox.

HTTP client: httpx (pinned in the main dependencies), which runs under Trio through anyio,
speaks TLS with certificate checks, and pools connections; writing HTTPS on trio's streams
ourselves would redo all of that for no gain.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable

import httpx
import msgspec
import trio

from engine.config import Config, ServiceFile
from engine.lifecycle import leases
from engine.metrics import Metrics
from engine.schema import WebhookAttempt, WebhookEvent
from engine.store import AsyncKeyValueStore, WriteSet
from engine.store.keys import (
    DAY,
    OUTBOX_PREFIX,
    decode,
    delivery_log_key,
    delivery_log_prefix,
    encode,
    outbox_key,
    purge_key,
)
from engine.webhooks.signing import signature_header

log = logging.getLogger("anonscore.webhooks")

LOG_DAYS = 7  # the delivery log keeps a week of attempts
CONCURRENCY = 16  # deliveries in flight at once
MADE_KEPT = 100_000  # events whose last attempt this process remembers
LEASE = "webhooks"


def next_delay(cfg: ServiceFile, attempts: int, rng: random.Random | None = None) -> float:
    """Seconds until the next attempt after `attempts` failed ones: doubling, capped, with
    jitter in [half, all] of the step."""
    step = min(cfg.webhook_retry_max_s, cfg.webhook_retry_base_s * 2 ** min(attempts - 1, 40))
    return float(step * (rng or random).uniform(0.5, 1.0))


class Deliveries:
    """The attempts in flight, in the sender's own nursery: a slow receiver holds its own
    event only, never a round, so other tenants' events go on."""

    def __init__(self, nursery: trio.Nursery, client: httpx.AsyncClient, metrics: Metrics):
        self.nursery = nursery
        self.client = client
        self.metrics = metrics
        self.limiter = trio.CapacityLimiter(CONCURRENCY)
        self.in_flight: set[str] = set()
        # event id -> attempts made by this process: a round's scan that began before an
        # attempt recorded its outcome reads the event as it was, and must not resend it
        self.made: dict[str, int] = {}

    def start(
        self, store: AsyncKeyValueStore, config: Config, event_id: str, event: WebhookEvent
    ) -> bool:
        if event_id in self.in_flight or self.made.get(event_id, 0) > event.attempts:
            return False
        self.in_flight.add(event_id)
        self.nursery.start_soon(self._one, store, config, event_id, event)
        return True

    async def _one(
        self, store: AsyncKeyValueStore, config: Config, event_id: str, event: WebhookEvent
    ) -> None:
        try:
            async with self.limiter:
                await attempt(store, config, self.client, event_id, event)
        except Exception as exc:  # logged and counted; the event stays due
            log.error("webhook attempt failed", extra={"exc": type(exc).__name__})
            self.metrics.background_errors.labels("webhooks").inc()
        finally:
            self.made[event_id] = event.attempts + 1
            while len(self.made) > MADE_KEPT:  # the oldest first (insertion order)
                del self.made[next(iter(self.made))]
            self.in_flight.discard(event_id)


async def deliver_due(
    stores: Iterable[AsyncKeyValueStore], config: Config, deliveries: Deliveries, now: float
) -> int:
    """One round: start an attempt for every due event of every store not already in
    flight; returns how many were started."""
    due: list[tuple[AsyncKeyValueStore, str, WebhookEvent]] = []
    for store in stores:
        start: bytes | None = None
        while True:
            rows = await store.scan(OUTBOX_PREFIX, start=start, limit=1000)
            for key, raw in rows:
                try:
                    event = decode(raw, WebhookEvent)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    log.error("unreadable webhook event dropped")
                    await _apply_delete(store, key)
                    continue
                if event.next_at <= now:
                    due.append((store, key[len(OUTBOX_PREFIX) :].decode(), event))
            if len(rows) < 1000:
                break
            start = rows[-1][0] + b"\0"
    started = 0
    for store, event_id, event in sorted(due, key=lambda d: d[2].next_at):
        started += deliveries.start(store, config, event_id, event)
    return started


async def _apply_delete(store: AsyncKeyValueStore, key: bytes) -> None:
    w = WriteSet()
    w.delete(key)
    await store.apply(w)


async def attempt(
    store: AsyncKeyValueStore,
    config: Config,
    client: httpx.AsyncClient,
    event_id: str,
    event: WebhookEvent,
) -> str:
    """POST one event; record the outcome in the outbox and the delivery log."""
    cfg = config.service
    tenant = config.tenants.get(event.tenant)
    hook = tenant.webhook if tenant is not None else None
    status, error = 0, ""
    if hook is None:
        error = "no webhook configured"
    else:
        header = signature_header(event.body, hook.secrets, int(time.time()))
        try:
            response = await client.post(
                hook.url,
                content=event.body,
                headers={"Content-Type": "application/json", "Anonscore-Signature": header},
                timeout=cfg.webhook_timeout_s,
            )
            status = response.status_code
        except httpx.TimeoutException:
            error = "timeout"
        except httpx.HTTPError:
            error = "connection failed"
    now = time.time()
    attempts = event.attempts + 1
    w = WriteSet()
    if 200 <= status < 300:
        outcome = "delivered"
        w.delete(outbox_key(event_id))
    elif hook is None or now - event.created_at >= cfg.webhook_give_up_s:
        outcome = "gave up"
        w.delete(outbox_key(event_id))
        log.error(
            "webhook given up",
            extra={"tenant": event.tenant, "event": event_id, "attempts": attempts},
        )
    else:
        outcome = "retry"
        later = msgspec.structs.replace(
            event, attempts=attempts, next_at=now + next_delay(cfg, attempts)
        )
        w.put(outbox_key(event_id), encode(later), expire_at=event.created_at + 8 * DAY)
    entry = WebhookAttempt(event_id, event.type, now, attempts, outcome, status, error)
    key = delivery_log_key(event.tenant, now, event_id, attempts)
    until = now + LOG_DAYS * DAY
    w.put(key, encode(entry), expire_at=until + DAY)
    w.put(purge_key(until, key), b"", expire_at=until + DAY)
    await store.apply(w)
    return outcome


async def delivery_log(
    stores: Iterable[AsyncKeyValueStore], tenant: str, limit: int = 100
) -> list[WebhookAttempt]:
    """The tenant's last attempts (newest last), from every region's store."""
    out: list[WebhookAttempt] = []
    for store in stores:
        rows = await store.scan(delivery_log_prefix(tenant), limit=10_000)
        out.extend(decode(raw, WebhookAttempt) for _, raw in rows)
    return sorted(out, key=lambda a: a.at)[-limit:]


async def run(
    stores: Callable[[], list[AsyncKeyValueStore] | None],
    config: Callable[[], Config | None],
    metrics: Metrics,
    shutdown: trio.Event,
    *,
    holder: str = leases.HOLDER,
) -> None:
    """The sender task: a round every `webhook_poll_s` while `holder` (this process) holds
    the lease. Errors are logged and counted; the task goes on."""
    async with (
        httpx.AsyncClient(follow_redirects=False) as client,
        trio.open_nursery() as nursery,
    ):
        deliveries = Deliveries(nursery, client, metrics)
        while not shutdown.is_set():
            cfg, current = config(), stores()
            poll = cfg.service.webhook_poll_s if cfg is not None else 1.0
            # no tenant with a webhook: nothing to send, and no lease written every poll
            wanted = cfg is not None and any(t.webhook for t in cfg.tenants.values())
            if cfg is not None and current and wanted:
                try:
                    term = max(30.0, 3 * cfg.service.webhook_timeout_s)
                    if await leases.hold(current[0], LEASE, time.time(), term, holder=holder):
                        await deliver_due(current, cfg, deliveries, time.time())
                except Exception as exc:  # logged and counted; the next round tries again
                    log.error("webhook round failed", extra={"exc": type(exc).__name__})
                    metrics.background_errors.labels("webhooks").inc()
            with trio.move_on_after(poll):
                await shutdown.wait()
        nursery.cancel_scope.cancel()  # what is in flight stays in the outbox
