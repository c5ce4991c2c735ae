"""Devices: the one home of device and user identity.

Layers, each using only those before it:

- `agent`: the service's one user-agent parse (shared with the plugins);
- `components`: a session's attributes as keyed-hash components and drift facts; the
  population key and the user band;
- `matching`: pure rules and evidence (Fellegi-Sunter weights fitted by tools/drift/fit.py),
  bands, the choice among candidates, the link probability;
- `crowd`: how many devices share a fingerprint (a privacy-safe sketch);
- `registry`: linking over the store, the writes it implies, erasure, feedback counts,
  public device and user IDs.

Nothing here imports the service or the HTTP layer.
"""

from engine.devices.agent import ParsedUA, parse_ua
from engine.devices.components import gpu_model, gpu_vendor, observe, population_key, user_band
from engine.devices.matching import Fit, Params, band_keys, choose, compare, fitted, ruled_out
from engine.devices.registry import Link, Registry, Sighting

__all__ = [
    "Fit",
    "Link",
    "Params",
    "ParsedUA",
    "Registry",
    "Sighting",
    "band_keys",
    "choose",
    "compare",
    "fitted",
    "gpu_model",
    "gpu_vendor",
    "observe",
    "parse_ua",
    "population_key",
    "ruled_out",
    "user_band",
]
