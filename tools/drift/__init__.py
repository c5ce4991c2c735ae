"""Device-ID accuracy on a drift simulation with known truth, measured through the public API.

`python -m tools.drift --help` describes a run (the command is in `cli.py`). The layers:
`catalogue` (the fixed world: countries, models, versions) <- `device` (one simulated device
and what it shows) <- `population` (generating the devices) and `events` (drift between
sessions, the plan of sessions) <- `metrics` <- `run` (driving the service) <- `report`
(the table and the JSON) <- `cli`.
"""

from .cli import main
from .events import EVENTS, Rates, drift, plan
from .metrics import Observation, compute_metrics
from .population import device_classes, make_devices
from .run import Config, Report, simulate

__all__ = [
    "EVENTS",
    "Config",
    "Observation",
    "Rates",
    "Report",
    "compute_metrics",
    "device_classes",
    "drift",
    "main",
    "make_devices",
    "plan",
    "simulate",
]
