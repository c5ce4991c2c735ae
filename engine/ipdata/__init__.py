"""IP data: AS numbers, countries, and hosting, VPN, relay and Tor lists, compiled into one
sorted range table per address family and looked up in microseconds. Re-exports only, lazily
(so that `anonscore --help` and `anonscore reload` do not import numpy).

Layering: `_table` (format, compile, lookup) and `_lists` (list files) stand alone; `_npm`
(packages) and `_sources` (list upstreams) read inputs; `_store` (build directories, the
atomic pointer) and `_build` write; `_data` loads for the service; `update` is the command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.ipdata._data import STALE_AFTER_DAYS, IpData, load_ip_data
    from engine.ipdata._errors import IpDataError
    from engine.ipdata._lists import LIST_NAMES, ListFile, parse_list
    from engine.ipdata._table import RELAY, TOR_EXIT, Table
    from engine.ipdata.update import DEFAULT_DIR, update_data

_HOMES = {
    "STALE_AFTER_DAYS": "_data",
    "IpData": "_data",
    "load_ip_data": "_data",
    "IpDataError": "_errors",
    "LIST_NAMES": "_lists",
    "ListFile": "_lists",
    "parse_list": "_lists",
    "RELAY": "_table",
    "TOR_EXIT": "_table",
    "Table": "_table",
    "DEFAULT_DIR": "update",
    "update_data": "update",
}

__all__ = [
    "DEFAULT_DIR",
    "LIST_NAMES",
    "RELAY",
    "STALE_AFTER_DAYS",
    "TOR_EXIT",
    "IpData",
    "IpDataError",
    "ListFile",
    "Table",
    "load_ip_data",
    "parse_list",
    "update_data",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'engine.ipdata' has no attribute {name!r}")
    return getattr(importlib.import_module(f"engine.ipdata.{home}"), name)
