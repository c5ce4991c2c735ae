"""Signed webhooks (engine/webhooks) over the real server and a real receiver on loopback:
deliveries that verify with the Python client's verifier, retries with back-off while the
receiver answers 500, is slow or is down, nothing lost across a restart, the same id on
every repeat, and the cross-tenant report alert only when the reports are worth acting on."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
import trio
from anonscore_client.webhooks import verify_webhook

from engine.cli import main
from engine.config import ServiceFile, load_config
from engine.errors import ConfigError
from engine.schema import WebhookEvent
from engine.store import WriteSet
from engine.store.keys import DAY, OUTBOX_PREFIX, decode
from engine.webhooks.sender import LOG_DAYS, delivery_log, next_delay
from tests.support import Running, copy_config, service_setting, start, tenant_setting
from tests.webhook_receiver import Receiver

OLD, NEW = "old-secret-0123456789", "new-secret-9876543210"
AUTH = {"demo": "demo_key", "demo2": "demo2_key", "demo3": "demo3_key"}


def add_webhook(config: Path, tenant: str, url: str, extra: str = "") -> None:
    path = config / "tenants.toml"
    path.write_text(
        path.read_text()
        + f'\n[tenants.{tenant}.webhook]\nurl = "{url}"\nsecrets = ["{OLD}", "{NEW}"]\n{extra}'
    )


def fast_retries(config: Path, timeout_s: float = 0.3) -> None:
    service_setting(
        config,
        "webhook_retry_base_s = 0.05\nwebhook_retry_max_s = 0.2\n"
        f"webhook_poll_s = 0.05\nwebhook_timeout_s = {timeout_s}",
    )


@pytest.fixture
async def receiver(nursery: trio.Nursery) -> Receiver:
    hook = Receiver()
    await hook.up(nursery)
    return hook


@pytest.fixture
def config_dir(tmp_path: Path, receiver: Receiver) -> Path:
    """demo listens; demo2 a trusted lender (1.0); demo3 a new one (0.1)."""
    config = copy_config(tmp_path / "config")
    tenant_setting(config, "demo2", "report_trust = 1.0")
    add_webhook(config, "demo", receiver.url)
    fast_retries(config)
    return config


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait for a condition the sender brings about (polled; no fixed sleep)."""
    with trio.fail_after(30):
        while True:
            if await check():
                return
            await trio.sleep(0.02)


async def outbox(svc: Running) -> list[WebhookEvent]:
    out = []
    for store in svc.service.stores.values():
        out += [decode(raw, WebhookEvent) for _, raw in await store.scan(OUTBOX_PREFIX)]
    return out


async def outbox_empty(svc: Running) -> None:
    """Wait until the sender has recorded the delivery (the event leaves the outbox)."""

    async def empty() -> bool:
        return not await outbox(svc)

    await until(empty)


async def sync(value: bool) -> bool:
    return value


def device(n: int) -> dict[str, Any]:
    from tests.support import web_attributes

    return web_attributes(
        device__canvas_hash=f"{n:064x}",
        device__audio_hash=f"35.{n}",
        device__fonts_hash=f"{n:032x}",
    )


async def visit(svc: Running, tenant: str, n: int) -> dict[str, Any]:
    return await svc.flow(
        device(n), site_key=f"{tenant}_site", key=AUTH[tenant],
        headers={"X-Forwarded-For": "81.2.69.10"},
    )  # fmt: skip


async def report(svc: Running, tenant: str, answer: dict[str, Any]) -> None:
    r = await svc.client.post(
        "/v1/feedback",
        json={"session_id": answer["session_id"], "label": "fraud"},
        headers={"Authorization": f"Bearer {AUTH[tenant]}"},
    )
    assert r.status_code == 202, r.text


def verified(headers: dict[str, str], body: bytes) -> Any:
    """The event, checked with each secret alone (both sign while rotating)."""
    header = headers["anonscore-signature"]
    assert header.count("v1=") == 2
    event = verify_webhook(body, header, [OLD])
    assert verify_webhook(body, header, [NEW]) == event
    return event


async def test_reported_elsewhere_after_retries_only_when_worth_acting_on(
    svc: Running, receiver: Receiver
) -> None:
    mine = await visit(svc, "demo", 1)
    other = await visit(svc, "demo3", 1)
    assert other["device_id"] != mine["device_id"]  # per-tenant ids of one device
    receiver.mode = "fail"  # what is queued stays in the outbox to be seen
    await report(svc, "demo3", other)  # a lone untrusted reporter: no alert
    assert await outbox(svc) == []
    trusted = await visit(svc, "demo2", 1)
    await report(svc, "demo2", trusted)  # a trusted lender: the alert, in the same write
    [queued] = await outbox(svc)
    assert (queued.tenant, queued.type) == ("demo", "device.reported_elsewhere")
    await until(lambda: sync(len(receiver.received) >= 3))  # retried while it fails
    receiver.mode = "ok"
    await until(lambda: sync(bool(receiver.delivered())))  # delivered once it is back
    events = [verified(h, b) for h, b, _ in receiver.received]
    assert len({e.id for e in events}) == 1  # one event, the same id on every attempt
    event = events[-1]
    assert event.type == "device.reported_elsewhere"
    assert event.data["device_id"] == mine["device_id"]
    assert len(event.data["scored_at"]) == 1
    assert event.data["label"] == "fraud"
    body = receiver.received[-1][1].decode()
    assert "demo2" not in body
    assert "demo3" not in body
    await outbox_empty(svc)
    log = await delivery_log(svc.service.stores.values(), "demo")
    outcomes = [(a.outcome, a.status) for a in log]
    assert outcomes[-1] == ("delivered", 200)
    assert ("retry", 500) in outcomes
    assert [a.attempt for a in log] == list(range(1, len(log) + 1))


async def test_down_slow_restart_then_delivered_once_with_one_id(tmp_path: Path) -> None:
    receiver = Receiver()  # not listening yet: connections are refused
    config = copy_config(tmp_path / "config")
    add_webhook(config, "demo", receiver.url, 'events = ["erasure.completed"]\n')
    fast_retries(config)
    data = tmp_path / "data"
    async with trio.open_nursery() as outer:
        async with trio.open_nursery() as nursery:
            svc = await start(nursery, data, config)
            answer = await svc.flow()
            r = await svc.client.post(
                "/v1/erasure",
                json={"session_id": answer["session_id"]},
                headers={"Authorization": "Bearer demo_key"},
            )
            assert r.status_code == 200, r.text
            stores = list(svc.service.stores.values())

            async def refused() -> bool:
                log = await delivery_log(stores, "demo")
                return sum(a.error == "connection failed" for a in log) >= 3

            await until(refused)
            [queued] = await outbox(svc)
            assert queued.attempts >= 3
            assert queued.next_at > queued.created_at
            await svc.client.aclose()
            nursery.cancel_scope.cancel()  # the service stops with the event undelivered
        receiver.mode = "slow"
        await receiver.up(outer)
        svc = await start(outer, data, config)
        stores = list(svc.service.stores.values())

        async def timed_out() -> bool:
            return any(a.error == "timeout" for a in await delivery_log(stores, "demo"))

        await until(timed_out)
        receiver.mode = "ok"
        receiver.release.set()
        await until(lambda: sync(bool(receiver.delivered())))  # delivered after the restart
        events = [
            verify_webhook(b, h["anonscore-signature"], [NEW]) for h, b, _ in receiver.received
        ]
        assert len(events) >= 2
        assert len({e.id for e in events}) == 1
        assert events[0].type == "erasure.completed"
        assert events[0].data == {"session_id": answer["session_id"], "deleted": 1}
        await outbox_empty(svc)
        assert await delivery_log(stores, "demo")
        await svc.service.sweep(time.time() + (LOG_DAYS + 1) * DAY)  # the log is kept a week
        assert await delivery_log(stores, "demo") == []
        await svc.client.aclose()
        outer.cancel_scope.cancel()


def test_back_off_doubles_with_jitter_and_is_capped() -> None:
    cfg = ServiceFile(webhook_retry_base_s=1.0, webhook_retry_max_s=600.0)
    rng = random.Random(7)
    for attempts, step in [(1, 1), (2, 2), (3, 4), (10, 512), (11, 600), (60, 600)]:
        delay = next_delay(cfg, attempts, rng)
        assert step / 2 <= delay <= step


@pytest.mark.parametrize(
    ("url", "secrets", "message"),
    [
        ("http://hooks.example.com/x", f'["{OLD}"]', "http is allowed only for loopback"),
        ("ftp://127.0.0.1/x", f'["{OLD}"]', "absolute https:// URL"),
        ("https://hooks.example.com/x", '["short"]', "at least 16 characters"),
        ("https://hooks.example.com/x", f'["{OLD}", "{NEW}", "{OLD}x"]', "two while rotating"),
    ],
)
def test_webhook_config_is_checked(tmp_path: Path, url: str, secrets: str, message: str) -> None:
    config = copy_config(tmp_path / "config")
    path = config / "tenants.toml"
    path.write_text(
        path.read_text() + f'\n[tenants.demo.webhook]\nurl = "{url}"\nsecrets = {secrets}\n'
    )
    with pytest.raises(ConfigError, match=message) as info:
        load_config(config)
    assert "webhook" in str(info.value)
    assert OLD not in str(info.value)


def test_unknown_event_is_refused(tmp_path: Path) -> None:
    config = copy_config(tmp_path / "config")
    add_webhook(config, "demo", "https://hooks.example.com/x", 'events = ["score.maybe"]\n')
    with pytest.raises(ConfigError, match="unknown event type"):
        load_config(config)


async def test_score_created_only_when_listed_and_given_up_when_never_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver = Receiver()  # never listening: every attempt is refused
    config = copy_config(tmp_path / "config")
    add_webhook(config, "demo", receiver.url, 'events = ["score.created"]\n')
    add_webhook(config, "demo2", receiver.url)  # the default events: no score.created
    fast_retries(config)
    service_setting(config, "webhook_give_up_s = 1")
    async with trio.open_nursery() as nursery:
        svc = await start(nursery, tmp_path / "data", config)
        await svc.flow(site_key="demo2_site", key="demo2_key")
        assert await outbox(svc) == []
        answer = await svc.flow()
        [queued] = await outbox(svc)
        body = msgspec.json.decode(queued.body)
        assert body["type"] == "score.created"
        assert body["data"]["session_id"] == answer["session_id"]
        assert body["data"]["score"] == answer["score"]
        again = await svc.score(answer["session_id"])  # a repeat answer is no new event
        assert again.status_code == 200
        assert len(await outbox(svc)) == 1
        stores = list(svc.service.stores.values())

        async def given_up() -> bool:
            return any(a.outcome == "gave up" for a in await delivery_log(stores, "demo"))

        await until(given_up)
        assert await outbox(svc) == []
        log = await delivery_log(stores, "demo")
        assert {a.event for a in log} == {body["id"]}
        assert all(a.status == 0 and a.error == "connection failed" for a in log)
        await svc.client.aclose()
        nursery.cancel_scope.cancel()
    where = ["--data-dir", str(tmp_path / "data"), "--config-dir", str(config)]
    argv = ["webhooks", "log", "--tenant", "demo", *where]
    assert await trio.to_thread.run_sync(main, argv) == 0  # the operator's view of the log
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == len(log)
    assert f"{body['id']} score.created #1 retry connection failed" in lines[0]
    assert lines[-1].endswith("gave up connection failed")
    assert answer["session_id"] not in out.out  # no payload
    assert "0 events waiting for tenant 'demo'" in out.err


async def test_a_sender_stopped_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    """The process stops while a POST is in flight (the receiver holds it): nothing records
    the attempt, so the next process sends the event again, with the same id."""
    receiver = Receiver()
    receiver.mode = "slow"
    config = copy_config(tmp_path / "config")
    add_webhook(config, "demo", receiver.url)
    fast_retries(config, timeout_s=60)  # the POST stays in flight
    data = tmp_path / "data"
    async with trio.open_nursery() as outer:
        await receiver.up(outer)
        async with trio.open_nursery() as nursery:
            svc = await start(nursery, data, config)
            answer = await svc.flow()
            r = await svc.client.post(
                "/v1/erasure",
                json={"device_id": answer["device_id"]},
                headers={"Authorization": "Bearer demo_key"},
            )
            assert r.status_code == 200, r.text
            await until(lambda: sync(len(receiver.received) == 1))
            await svc.client.aclose()
            nursery.cancel_scope.cancel()  # stops mid-delivery
        receiver.mode = "ok"
        svc = await start(outer, data, config)
        await until(lambda: sync(bool(receiver.delivered())))
        first, second = (verified(h, b) for h, b, _ in receiver.received)
        assert first == second
        assert first.data == {"device_id": answer["device_id"], "deleted": r.json()["deleted"]}
        await outbox_empty(svc)
        await svc.client.aclose()
        receiver.release.set()
        outer.cancel_scope.cancel()


async def test_a_slow_receiver_holds_back_only_its_own_events(tmp_path: Path) -> None:
    slow, other = Receiver(), Receiver()
    slow.mode = "slow"
    config = copy_config(tmp_path / "config")
    add_webhook(config, "demo", slow.url)
    add_webhook(config, "demo2", other.url)
    fast_retries(config, timeout_s=60)  # demo's POST stays in flight
    async with trio.open_nursery() as nursery:
        await slow.up(nursery)
        await other.up(nursery)
        svc = await start(nursery, tmp_path / "data", config)
        for site, key in (("demo_site", "demo_key"), ("demo2_site", "demo2_key")):
            answer = await svc.flow(site_key=site, key=key)
            r = await svc.client.post(
                "/v1/erasure",
                json={"session_id": answer["session_id"]},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert r.status_code == 200, r.text
            if site == "demo_site":
                await until(lambda: sync(len(slow.received) == 1))
        await until(lambda: sync(bool(other.delivered())))
        assert slow.delivered() == []  # still held
        await svc.client.aclose()
        slow.release.set()
        nursery.cancel_scope.cancel()


async def test_reported_elsewhere_only_for_devices_scored_within_the_window(
    tmp_path: Path, receiver: Receiver, nursery: trio.Nursery
) -> None:
    config = copy_config(tmp_path / "config")
    tenant_setting(config, "demo2", "report_trust = 1.0")
    add_webhook(config, "demo", receiver.url, "reported_within_days = 1\n")
    fast_retries(config)
    receiver.mode = "fail"  # what is queued stays in the outbox to be seen
    svc = await start(nursery, tmp_path / "data", config)
    async with svc.client:
        await visit(svc, "demo", 2)
        earlier = await visit(svc, "demo2", 2)
        later = time.time() + 2 * DAY
        svc.service.clock = lambda: later  # two days on: demo scored it too long ago
        await report(svc, "demo2", earlier)
        assert await outbox(svc) == []
        mine = await visit(svc, "demo", 2)  # scored again, now within the day
        await report(svc, "demo2", await visit(svc, "demo2", 2))
        [queued] = await outbox(svc)
        data = msgspec.json.decode(queued.body)["data"]
        assert data["device_id"] == mine["device_id"]
        assert len(data["scored_at"]) == 1  # the recent score only


async def test_two_workers_on_one_cluster_deliver_each_event_once(
    request: pytest.FixtureRequest, tmp_path: Path, receiver: Receiver
) -> None:
    """Two sender tasks (two processes' holders) on one Redis cluster: the lease lets one
    of them send, so no event goes out twice while nothing fails."""
    from engine.metrics import Metrics
    from engine.store.regions import open_regions
    from engine.webhooks.outbox import enqueue
    from engine.webhooks.sender import run
    from tests.conftest import use_empty_cluster

    config_dir = copy_config(tmp_path / "config")
    add_webhook(config_dir, "demo", receiver.url)
    fast_retries(config_dir)
    use_empty_cluster(request, config_dir)
    config = load_config(config_dir)
    regions = await open_regions(config.service, tmp_path / "data", config.service.store)
    stores = list(regions.stores.values())
    w = WriteSet()
    ids = {enqueue(w, "demo", "erasure.completed", {"deleted": n}, time.time()) for n in range(20)}
    await stores[0].apply(w)
    shutdown = trio.Event()
    try:
        async with trio.open_nursery() as nursery:
            for holder in ("worker-a", "worker-b"):
                nursery.start_soon(
                    functools.partial(
                        run, lambda: stores, lambda: config, Metrics(), shutdown, holder=holder
                    )
                )
            await until(lambda: sync(len(receiver.delivered()) >= len(ids)))
            shutdown.set()
    finally:
        await regions.aclose()
    sent = [verified(h, b).id for h, b in receiver.delivered()]
    assert sorted(sent) == sorted(ids)  # each once
