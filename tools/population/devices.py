"""The one module that knows `tools.drift`'s device API: the population's devices are the
drift simulation's (real models, user agents, GPUs, screens, fonts, SDK builds, coherent
canvas/audio/font hashes), imported rather than copied, through the single-device API that
`tools.drift.legacy` keeps for this tool. When that API changes, only this module follows."""

from __future__ import annotations

from tools.drift.catalogue import COUNTRIES, DAY, T0, h
from tools.drift.legacy import Rates, SimDevice, drift, new_device
from tools.drift.run import REPO, code_version

__all__ = [
    "COUNTRIES",
    "DAY",
    "REPO",
    "T0",
    "Rates",
    "SimDevice",
    "code_version",
    "drift",
    "h",
    "new_device",
]
