"""The compiled range table: every fact about an address in one sorted array per family.

Why one table: a lookup at collect time is one binary search (`numpy.searchsorted`) over
start addresses, however many sources went in. The builder paints the ranges of the npm
CSVs (AS number, country) and of the lists (cloud and VPN ranges, relay egress, Tor exits)
onto the union of their boundaries, the narrowest range winning where two overlap (a /29
geofeed entry inside a /16 whois block keeps its own country), resolves list ASNs into
hosting and VPN providers per segment, and merges neighbouring segments with equal facts.

Addresses are stored as big-endian bytes ('S4', 'S16'): numpy orders them like memcmp, so
the packed address from `ipaddress` is the search key as it is, and IPv6 needs no 128-bit
integers. A segment runs from its start to the next start; the first start is 0, so every
address falls in exactly one segment (all zeros: nothing known).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from engine.ipdata._lists import ListFile

# per segment: AS number (0 unknown), provider indexes (0 none), country index (0 unknown)
ROW = np.dtype(
    [("asn", "<u4"), ("hosting", "<u2"), ("vpn", "<u2"), ("country", "u1"), ("flags", "u1")]
)
TOR_EXIT = 1  # flags bits
RELAY = 2
WIDTH = {4: 4, 6: 16}  # bytes per address
Span = tuple[int, int, int]  # start, end (inclusive), value
Row = tuple[int, int, int, int, int]  # asn, hosting, vpn, country, flags
Column = npt.NDArray[Any]


class Table:
    """A compiled table, read-only once built: `row(packed)` is the lookup."""

    def __init__(
        self,
        families: Mapping[int, tuple[npt.NDArray[np.bytes_], npt.NDArray[np.void]]],
        asn_numbers: npt.NDArray[np.uint32],
        asn_offsets: npt.NDArray[np.uint32],
        asn_blob: bytes,
        countries: list[str],
        providers: list[str],
    ) -> None:
        self.families = dict(families)
        self._starts = {w: self.families[v][0] for v, w in WIDTH.items()}
        self._rows = {w: self.families[v][1] for v, w in WIDTH.items()}
        self.asn_numbers = asn_numbers
        self.asn_offsets = asn_offsets
        self.asn_blob = asn_blob
        self.countries = countries  # index 0 is "" (unknown)
        self.providers = providers  # index 0 is "" (none)

    def row(self, packed: bytes) -> Row:
        """The facts of a packed address (4 or 16 bytes): asn, hosting, vpn, country, flags."""
        starts = self._starts[len(packed)]
        i = int(starts.searchsorted(packed, side="right")) - 1
        return self._rows[len(packed)].item(i)  # type: ignore[return-value]

    def asn_name(self, asn: int) -> str | None:
        if not asn:
            return None
        k = int(self.asn_numbers.searchsorted(np.uint32(asn)))
        if k >= len(self.asn_numbers) or int(self.asn_numbers[k]) != asn:
            return None
        a, b = int(self.asn_offsets[k]), int(self.asn_offsets[k + 1])
        return self.asn_blob[a:b].decode("utf-8") or None

    def rows(self, version: int) -> int:
        return len(self.families[version][0])

    @property
    def nbytes(self) -> int:
        arrays = [a for pair in self.families.values() for a in pair]
        return sum(a.nbytes for a in [*arrays, self.asn_numbers, self.asn_offsets]) + len(
            self.asn_blob
        )

    def save(self, directory: Path) -> None:
        for version, (starts, rows) in self.families.items():
            np.save(directory / f"v{version}_starts.npy", starts, allow_pickle=False)
            np.save(directory / f"v{version}_rows.npy", rows, allow_pickle=False)
        np.save(directory / "asn_numbers.npy", self.asn_numbers, allow_pickle=False)
        np.save(directory / "asn_name_offsets.npy", self.asn_offsets, allow_pickle=False)
        (directory / "asn_names.bin").write_bytes(self.asn_blob)
        names = {"countries": self.countries, "providers": self.providers}
        (directory / "names.json").write_text(json.dumps(names, ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path) -> Table:
        def arr(name: str) -> npt.NDArray[np.generic]:
            return np.load(directory / name, allow_pickle=False)  # type: ignore[no-any-return]

        families = {v: (arr(f"v{v}_starts.npy"), arr(f"v{v}_rows.npy")) for v in WIDTH}
        names = json.loads((directory / "names.json").read_text())
        return cls(
            families,  # type: ignore[arg-type]
            arr("asn_numbers.npy"),  # type: ignore[arg-type]
            arr("asn_name_offsets.npy"),  # type: ignore[arg-type]
            (directory / "asn_names.bin").read_bytes(),
            list(names["countries"]),
            list(names["providers"]),
        )


def _paint(index: dict[int, int], n: int, spans: Iterable[Span], dtype: str) -> Column:
    """One column over the boundaries: widest spans first, so narrower ones overwrite them."""
    column = np.zeros(n, dtype=dtype)
    for start, end, value in sorted(spans, key=lambda s: s[0] - s[1]):
        column[index[start] : index[end + 1]] = value
    return column


def _list_spans(lf: ListFile | None, version: int, labels: dict[str, int] | None) -> list[Span]:
    """(start, end, value) of a range list's networks of one family. The value is the label's
    provider index (added to `labels` when new), or 1 for a yes/no list (`labels` None)."""
    spans: list[Span] = []
    for network, label in lf.networks() if lf is not None else ():
        if network.version == version:
            value = 1 if labels is None else labels.setdefault(label, len(labels))
            spans.append((int(network.network_address), int(network.broadcast_address), value))
    return spans


def compile_table(
    asn_spans: Mapping[int, list[Span]],
    asn_names: Mapping[int, str],
    country_spans: Mapping[int, list[tuple[int, int, str]]],
    lists: Mapping[str, ListFile],
) -> Table:
    """Paint the npm ranges and the lists into one table (see the module docstring)."""
    countries = ["", *sorted({c for spans in country_spans.values() for _, _, c in spans})]
    if len(countries) > 255:
        raise ValueError("more than 255 country codes; widen ROW.country")
    country_index = {c: i for i, c in enumerate(countries)}
    providers: dict[str, int] = {"": 0}
    hosting_asns = lists["hosting_asns"].asns() if "hosting_asns" in lists else {}
    vpn_asns = lists["vpn_asns"].asns() if "vpn_asns" in lists else {}
    # provider index of each listed ASN: hosting by the AS's registered name, VPN by brand
    hosting_by_asn = {
        a: providers.setdefault(asn_names.get(a) or label or f"AS{a}", len(providers))
        for a, label in sorted(hosting_asns.items())
    }
    vpn_by_asn = {
        a: providers.setdefault(label or asn_names.get(a) or f"AS{a}", len(providers))
        for a, label in sorted(vpn_asns.items())
    }
    families = {}
    for version, width in WIDTH.items():
        spans = _Spans(
            asn=asn_spans.get(version, []),
            country=[(s, e, country_index[c]) for s, e, c in country_spans.get(version, [])],
            cloud=_list_spans(lists.get("cloud_ranges"), version, providers),
            vpn=_list_spans(lists.get("vpn_ranges"), version, providers),
            relay=_list_spans(lists.get("relay_ranges"), version, None),
            tor=_list_spans(lists.get("tor_exits"), version, None),
        )
        families[version] = _family(width, spans, hosting_by_asn, vpn_by_asn)
    numbers = np.array(sorted(asn_names), dtype="<u4")
    blobs = [asn_names[int(a)].encode("utf-8") for a in numbers]
    offsets = np.zeros(len(blobs) + 1, dtype="<u4")
    offsets[1:] = np.cumsum([len(b) for b in blobs], dtype=np.int64)
    ordered = [p for p, _ in sorted(providers.items(), key=lambda kv: kv[1])]
    return Table(families, numbers, offsets, b"".join(blobs), countries, ordered)


class _Spans(NamedTuple):
    """The ranges of one address family, per column, before painting."""

    asn: list[Span]
    country: list[tuple[int, int, int]]
    cloud: list[tuple[int, int, int]]
    vpn: list[tuple[int, int, int]]
    relay: list[tuple[int, int, int]]
    tor: list[tuple[int, int, int]]


def _family(
    width: int, spans: _Spans, hosting_by_asn: dict[int, int], vpn_by_asn: dict[int, int]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """(segment starts, rows) of one address family: every column painted over the union
    of the ranges' bounds, then runs of equal rows merged."""
    bounds = sorted({0} | {b for column in spans for s, e, _ in column for b in (s, e + 1)})
    index = {b: i for i, b in enumerate(bounds)}
    n = len(bounds)
    asn = _paint(index, n, spans.asn, "<u4")
    country = _paint(index, n, spans.country, "u1")
    cloud_col = _paint(index, n, spans.cloud, "<u2")
    vpn_col = _paint(index, n, spans.vpn, "<u2")
    relay_col = _paint(index, n, spans.relay, "u1").astype(bool)
    tor_col = _paint(index, n, spans.tor, "u1").astype(bool)
    hosting = np.where(cloud_col > 0, cloud_col, _by_asn(asn, hosting_by_asn))
    vpn = np.where(vpn_col > 0, vpn_col, _by_asn(asn, vpn_by_asn))
    hosting[relay_col] = 0  # relay egress carries ordinary users: neither hosting nor VPN
    vpn[relay_col] = 0
    rows = np.zeros(n, dtype=ROW)
    rows["asn"], rows["country"], rows["hosting"], rows["vpn"] = asn, country, hosting, vpn
    rows["flags"] = tor_col * TOR_EXIT | relay_col * RELAY
    limit = 1 << (8 * width)  # an `end + 1` past the last address is no segment
    keep = np.ones(n, dtype=bool)
    keep[1:] = rows[1:] != rows[:-1]
    keep &= np.array([b < limit for b in bounds])
    starts = np.array(
        [b.to_bytes(width, "big") for b, k in zip(bounds, keep, strict=True) if k],
        dtype=f"S{width}",
    )
    return starts, rows[keep]


def _by_asn(asn: Column, mapping: dict[int, int]) -> Column:
    """mapping[asn] per segment, 0 where the AS is not in the mapping."""
    if not mapping:
        return np.zeros(len(asn), dtype="<u2")
    keys = np.array(sorted(mapping), dtype="<u4")
    values = np.array([mapping[int(k)] for k in keys], dtype="<u2")
    pos = np.minimum(keys.searchsorted(asn), len(keys) - 1)
    return np.where(keys[pos] == asn, values[pos], 0).astype("<u2")
