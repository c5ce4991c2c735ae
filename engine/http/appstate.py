"""What the HTTP side needs from the running service, filled in as parts come up."""

from __future__ import annotations

import time

from engine.http.listener import ConnectionCounter
from engine.metrics import Metrics
from engine.sessions.actors import Engine
from engine.sessions.service import Service


class AppState:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.service: Service | None = None
        self.engine: Engine | None = None
        self.ready = False
        self.started = time.time()
        self.http: ConnectionCounter | None = None  # open and refused connections
        self.worker = 0  # --workers N: this process's number (1..N), else 0
