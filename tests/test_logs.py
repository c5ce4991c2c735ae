"""Logs are one JSON object per line and never carry attribute values, IPs or keys."""

from __future__ import annotations

import json
import logging

import pytest

from engine.logs import JsonFormatter
from tests.support import Running, web_attributes

MARKER = "ZZmarkerQQ"


async def test_no_attribute_value_reaches_the_logs(
    svc: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    attrs = web_attributes(
        software__timezone=f"Europe/{MARKER}", device__webgl_renderer=f"GPU {MARKER}"
    )
    await svc.flow(attrs, headers={"X-Forwarded-For": "203.0.113.77"})
    # refused requests log too: none of them may echo what was sent
    sid = await svc.session()
    await svc.collect(sid, web_attributes(device__screen_width=MARKER))
    await svc.client.post(
        "/v1/score", json={"session_id": MARKER}, headers={"Authorization": f"Bearer {MARKER}"}
    )
    fmt = JsonFormatter()
    lines = [fmt.format(r) for r in caplog.records]
    assert lines
    for line in lines:
        json.loads(line)
        assert MARKER not in line
        assert "203.0.113.77" not in line
        assert sid not in line


def test_formatter_keeps_only_whitelisted_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", (MARKER,), None)
    record.__dict__.update(endpoint="score", secret=MARKER)
    out = json.loads(JsonFormatter().format(record))
    assert out["endpoint"] == "score"
    assert MARKER not in json.dumps(out)
