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
        # why the service is not ready yet, once it is up otherwise ("" while starting):
        # no IP data (engine/runtime/readiness.py); /readyz says it
        self.waiting_for = ""
        self.started = time.time()
        self.http: ConnectionCounter | None = None  # open and refused connections
        self.worker = 0  # --workers N: this process's number (1..N), else 0

    def readiness(self) -> str | None:
        """None when the service can score; else why not, for /readyz's 503."""
        if self.ready and self.service is not None:
            return None
        return self.waiting_for or "starting"
