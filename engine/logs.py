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
        event = record.getMessage() if not record.args else record.msg
        out: dict[str, object] = {
            "ts": round(time.time(), 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _bounded(event, MAX_EVENT),
        }
        for key in _ALLOWED:
            if key in record.__dict__:
                out[key] = _bounded(record.__dict__[key], MAX_FIELD)
        return _enc.encode(out).decode()


MAX_EVENT = 1024  # characters of the message
MAX_FIELD = 160  # characters of any other field: a line stays under about 2.5 KB


def _bounded(value: object, limit: int) -> object:
    """Numbers and booleans as they are; anything else as text of at most `limit`."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def setup_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Hypercorn's access log would write client IPs and paths with tokens: keep it off.
    for name in ("hypercorn.access", "quart.serving"):
        logging.getLogger(name).disabled = True
