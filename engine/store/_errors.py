"""The one exception a store raises when it cannot answer, whatever the backend or library.

A subclass of `Overloaded`, so the HTTP layer already answers it with 503 and `Retry-After`:
a dead node, a failover in progress or a slow store is the client's cue to come back, never
a 500 and never a library's exception leaking out of the engine.
"""

from __future__ import annotations

from engine.errors import Overloaded


class StoreUnavailable(Overloaded):
    """A node of the store is down, failing over, or slower than the request timeout."""

    code = "store_unavailable"
