"""Device linking at scale: a store filled with synthetic device profiles (a million by
default), link latency p50/p99, bytes per device and memory. `python -m tools.scale --help`."""

from .cli import main
from .run import Result, run

__all__ = ["Result", "main", "run"]
