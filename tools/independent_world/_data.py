"""The two real-world sources the world is drawn from, read once per process.

Why: a device linker validated on invented fingerprints learns nothing about real crowds.
Browsers and their hardware come from Apify's fingerprint data points (real visitors'
fingerprints as a Bayesian network: user agent -> screen, GPU, fonts, cores, memory, touch,
client hints); network addresses come from the committed `data/ip_ranges.tsv` (real ranges
of named operators, see `build_ip_table.py`). Both are read lazily, never at import.
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
import ipaddress
import json
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

FINGERPRINT_PACKAGE = "apify_fingerprint_datapoints"  # PyPI apify-fingerprint-datapoints 0.15.0
IP_TABLE = Path(__file__).resolve().parent / "data" / "ip_ranges.tsv"
STRINGIFIED = "*STRINGIFIED*"
MISSING = "*MISSING_VALUE*"


@dataclass(frozen=True, slots=True)
class Dist:
    """A discrete distribution: values with cumulative weights, drawn by bisection."""

    values: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, weights: dict[str, float]) -> Dist:
        values, cum, total = [], [], 0.0
        for value, weight in weights.items():
            if weight > 0:
                total += weight
                values.append(value)
                cum.append(total)
        return cls(tuple(values), tuple(cum))

    def draw(self, rng: random.Random) -> str:
        at = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.values[min(at, len(self.values) - 1)]


def decode_value(raw: str) -> Any:
    """A data-point value as the browser reported it (None when the browser had none)."""
    if raw == MISSING:
        return None
    if raw.startswith(STRINGIFIED):
        return json.loads(raw[len(STRINGIFIED) :])
    return raw


class Fingerprints:
    """User agents with their share of real traffic, and per user agent the distribution of
    each other data point (the network's nodes all hang off the user agent)."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        by_name = {node["name"]: node for node in nodes}
        self.user_agents = Dist.of(by_name["userAgent"]["conditionalProbabilities"])
        self.share = dict(by_name["userAgent"]["conditionalProbabilities"])
        self._given_ua: dict[str, dict[str, Dist]] = {}
        for name, node in by_name.items():
            if node.get("parentNames") == ["userAgent"]:
                deeper = node["conditionalProbabilities"]["deeper"]
                self._given_ua[name] = {ua: Dist.of(p) for ua, p in deeper.items()}

    def sample(self, node: str, user_agent: str, rng: random.Random) -> Any:
        """One value of `node` for a browser with this user agent, as real traffic has it."""
        dist = self._given_ua[node].get(user_agent)
        return None if dist is None else decode_value(dist.draw(rng))

    def values(self, node: str) -> set[str]:
        """Every raw value the node takes for some user agent."""
        out: set[str] = set()
        for dist in self._given_ua[node].values():
            out.update(dist.values)
        return out


@functools.lru_cache(maxsize=1)
def fingerprints() -> Fingerprints:
    path = importlib.resources.files(FINGERPRINT_PACKAGE) / "data"
    with (path / "fingerprint-network-definition.zip").open("rb") as raw:
        with zipfile.ZipFile(raw) as archive:
            network = msgspec.json.decode(archive.read("network.json"))
    return Fingerprints(network["nodes"])


@dataclass(frozen=True, slots=True)
class IpRange:
    """A public address range of one operator in one country."""

    country: str
    asn: int
    kind: str  # residential, mobile, relay, hosting
    name: str
    first: int
    last: int
    version: int

    def address(self, rng: random.Random) -> str:
        """An address of the range, never a network or broadcast-looking .0/.255 (IPv4)."""
        if self.version == 4:
            while True:
                value = rng.randint(self.first, self.last)
                if value & 0xFF not in (0, 255):
                    return str(ipaddress.IPv4Address(value))
        # IPv6: a /64 of the range, then an interface identifier (SLAAC privacy address)
        prefix = rng.randint(self.first >> 64, self.last >> 64)
        return str(ipaddress.IPv6Address((prefix << 64) | rng.getrandbits(64) | 1))

    def neighbour(self, address: str, rng: random.Random) -> str:
        """Another host of the same /24 (IPv4) or /64 (IPv6): an office's next desk."""
        value = int(ipaddress.ip_address(address))
        if self.version == 4:
            return str(ipaddress.IPv4Address((value & ~0xFF) | rng.randint(2, 254)))
        return str(ipaddress.IPv6Address((value >> 64 << 64) | rng.getrandbits(64) | 1))


@functools.lru_cache(maxsize=1)
def ip_ranges() -> tuple[IpRange, ...]:
    rows = []
    for line in IP_TABLE.read_text().splitlines():
        if line.startswith("#") or line.startswith("country\t"):
            continue
        country, asn, kind, name, first, last = line.split("\t")
        lo, hi = ipaddress.ip_address(first), ipaddress.ip_address(last)
        rows.append(IpRange(country, int(asn), kind, name, int(lo), int(hi), lo.version))
    return tuple(rows)
