"""Reading per-tenant plugin settings: a bad or missing value falls back to the default.

Settings come from `[tenants.<id>.plugins.<plugin>] settings = {...}` in config/tenants.toml
and arrive in `context.tenant_settings`. A rule must keep working when an operator mistypes
one, so a value of the wrong type or out of range silently means "use the default".
"""

from __future__ import annotations

import math
from typing import Any

from engine.features import Context


def number(context: Context, name: str, default: float) -> float:
    """A non-negative finite number setting, or `default`."""
    value: Any = (context.tenant_settings or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    if not math.isfinite(value) or value < 0:
        return default
    return value


def int_set(context: Context, name: str) -> frozenset[int]:
    """A setting holding a list of integers (e.g. extra ASNs); anything else is ignored."""
    value: Any = (context.tenant_settings or {}).get(name)
    if not isinstance(value, list | tuple):
        return frozenset()
    return frozenset(v for v in value if isinstance(v, int) and not isinstance(v, bool))


def clamp(x: float) -> float:
    """A rule strength in 0..1."""
    return 0.0 if x < 0 else 1.0 if x > 1 else x
