"""Simulated lending traffic with known truth, through the service's public API.

`python -m tools.population --help` describes a run (the command is in `cli.py`). The
layers: `catalogue` (lenders, foreign locales, the form) and `network` (client addresses)
<- `world` (the seeded stream and the device factory, on `tools.drift`'s devices) <-
`applicant` (one application and how forms are filled) <- `honest` and `fraud/` (the
pattern registry) <- `plan` (the population and its feedback) <- `run` (driving the
service) and `output` (the files) <- `cli`.
"""

from .applicant import Application
from .cli import main
from .fraud import PATTERNS, Pattern
from .network import Addresses
from .plan import Settings, population
from .run import simulate, write_config

__all__ = [
    "PATTERNS",
    "Addresses",
    "Application",
    "Pattern",
    "Settings",
    "main",
    "population",
    "simulate",
    "write_config",
]
