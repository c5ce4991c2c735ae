"""Device-ID accuracy on a drift simulation with known truth, measured through the public API.

`python -m tools.drift --help` describes a run (the command is in `cli.py`). The layers, each
using only those before it:

- `catalogue` (the fixed world: countries, networks, models, fonts) <- `releases` (what ships
  when, and which releases change rendering) <- `device` (people, machines, devices, and what
  a device shows at a visit) <- `events` (a device's state at each visit, the events between
  two visits, the plan of visits) <- `population` (generating people, machines, devices);
- `metrics`, `users`, `calibration` (figures from a list of observations; pure) and
  `baseline` (the exact-hash linker);
- `run` (driving the service) <- `pairs` (export for fitting) <- `report` <- `cli`;
- `replay` (the same visits through `engine.devices.Registry` alone, no HTTP: ten times
  faster, and with parameters not committed yet) <- `fit` (`python -m tools.drift.fit`: the
  linker's weights, threshold and calibration from the truth, into
  `engine/devices/_fitted.py`).
"""

from .baseline import exact_hash
from .calibration import reliability
from .cli import main
from .events import EVENT_KINDS, Visit, kinds, look_at, plan
from .metrics import Observation, continuity, device_metrics, lookalike_merges, merges, tracking
from .pairs import export_pairs, sample_pairs
from .population import Sizes, appearances, device_classes, make_devices
from .releases import Calendar
from .run import Config, Report, World, build, measure, simulate
from .users import user_links

__all__ = [
    "EVENT_KINDS",
    "Calendar",
    "Config",
    "Observation",
    "Report",
    "Sizes",
    "Visit",
    "World",
    "appearances",
    "build",
    "continuity",
    "device_classes",
    "device_metrics",
    "exact_hash",
    "export_pairs",
    "kinds",
    "look_at",
    "lookalike_merges",
    "main",
    "make_devices",
    "measure",
    "merges",
    "plan",
    "reliability",
    "sample_pairs",
    "simulate",
    "tracking",
    "user_links",
]
