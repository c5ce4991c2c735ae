"""Structured logs: one JSON object per line. Only fields listed here are ever written.

Attribute values, IP addresses, tokens and API keys never reach a log line: records carry
only the whitelisted `extra` keys below.
"""

from __future__ import annotations

import logging
import sys
import time

import msgspec

_ALLOWED = (
    "endpoint",
    "status",
    "ms",
    "tenant",
    "code",
    "field",
    "plugin",
    "exc",
    "count",
    "host",
    "port",
    "path",
    "file",
    "version",
    "outcome",
)
_enc = msgspec.json.Encoder()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": round(time.time(), 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage() if not record.args else record.msg,
        }
        for key in _ALLOWED:
            if key in record.__dict__:
                out[key] = record.__dict__[key]
        return _enc.encode(out).decode()


def setup_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Hypercorn's access log would write client IPs and paths with tokens: keep it off.
    for name in ("hypercorn.access", "quart.serving"):
        logging.getLogger(name).disabled = True
