"""An independent world of devices and their visits to three lenders, with ground truth.

Why: to validate the device linker on a world its authors did not build (README.md says
from what, and what the world holds). Layering, each module using only those above it:
`_data` (the two sources) and `_catalog` (this package's own tables); `_browsers` (what a
browser says at a version); `_population` and `_macs` (a device, an install), `_people`
(who owns what); `_timeline` (drift), `_schedule` (when visits happen); `_render`,
`_sdk` (a payload) and `_visit` (one visit, its drift and address); `_world` (the whole,
sorted); `_stats` and `__main__` (the command line). Nothing here imports `engine`.
"""

from tools.independent_world._timeline import Rates
from tools.independent_world._visit import EVENT_NAMES
from tools.independent_world._world import Options, generate

__all__ = ["EVENT_NAMES", "Options", "Rates", "generate"]
