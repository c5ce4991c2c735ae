"""Throughput and latency of the service, next to a bare Quart-Trio echo, in the same run.

`python -m tools.bench --help` describes a run (the command is in `cli.py`). The layers:
`payloads` (what is sent) and `client` (a raw keep-alive HTTP client) <- `loadgen` (the load
generating process, `python -m tools.bench --loadgen ...`); `cpu` (pinning, CPU time) <-
`servers` (the echo and the service as child processes) <- `run` (the two phases) <-
`report` (the table) <- `cli`.
"""

from .cli import main

__all__ = ["main"]
