"""The list files: hosting, VPN, relay and Tor lists as committed text with a dated header.

Why text: a reviewer reads each list's source, commit, date and licence in its first lines,
and the diff of a refresh shows what changed. Lookups never read these files: the builder
paints them into the compiled range table (`_table`).

Format, one entry a line after a header of `# key: value` comment lines:

    # list: cloud_ranges
    # source: https://github.com/lord-alfred/ipranges amazon/ipv4_merged.txt
    # commit: 14dd971b... 2026-08-22T16:37:12+00:00
    # date: 2026-08-22
    # licence: CC0-1.0
    3.2.34.0/26 Amazon AWS

An ASN list holds `<number> <label>`, a range list `<cidr> <label>`, the Tor list
`<cidr>` (exit addresses, collapsed). Labels name the provider and may hold spaces.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections.abc import Iterable
from importlib import resources
from typing import Any

import msgspec

from engine.ipdata._errors import IpDataError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# name -> what the entries are; the order is the order of the build report
KINDS: dict[str, str] = {
    "hosting_asns": "asn",
    "vpn_asns": "asn",
    "cloud_ranges": "range",
    "vpn_ranges": "range",
    "relay_ranges": "range",
    "tor_exits": "range",
}
LIST_NAMES: tuple[str, ...] = tuple(KINDS)


class ListFile(msgspec.Struct, frozen=True):
    """One parsed list: its header (key -> values, in order) and its entries."""

    name: str
    header: dict[str, list[str]]
    entries: tuple[tuple[str, str], ...]
    text: str
    digest: str  # sha256 of the text, to tell whether a build used this very file

    @property
    def date(self) -> dt.date | None:
        """The date of the data (the newest upstream commit it was derived from)."""
        values = self.header.get("date")
        if not values:
            return None
        try:
            return dt.date.fromisoformat(values[0])
        except ValueError:
            return None

    def first(self, key: str) -> str:
        return (self.header.get(key) or [""])[0]

    def asns(self) -> dict[int, str]:
        """An ASN list's entries: number -> label."""
        return {int(key): label for key, label in self.entries}

    def networks(self) -> list[tuple[Network, str]]:
        """A range list's entries, parsed."""
        return [(ipaddress.ip_network(key), label) for key, label in self.entries]


def parse_list(name: str, text: str, origin: str = "") -> ListFile:
    """Parse a list file; raises IpDataError naming the file and line of a bad entry."""
    if name not in KINDS:
        raise IpDataError(f"unknown list '{name}'; known: {', '.join(LIST_NAMES)}")
    where = origin or f"{name}.txt"
    kind = KINDS[name]
    header: dict[str, list[str]] = {}
    entries: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep and not entries and key.strip().isidentifier():
                header.setdefault(key.strip(), []).append(value.strip())
            continue
        key, _, label = line.partition(" ")
        try:
            if kind == "asn":
                if not key.isdigit() or not 0 < int(key) < 2**32:
                    raise ValueError(key)
            else:
                key = str(ipaddress.ip_network(key))
        except ValueError:
            expected = "an AS number" if kind == "asn" else "a CIDR network"
            raise IpDataError(
                f"{where}: line {number}: expected {expected} first; fix or remove the line"
            ) from None
        entries.append((key, label.strip()))
    if header.get("list", [name])[0] != name:
        raise IpDataError(f"{where}: its header says 'list: {header['list'][0]}', not '{name}'")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return ListFile(name=name, header=header, entries=tuple(entries), text=text, digest=digest)


def render_list(
    name: str, header: Iterable[tuple[str, str]], entries: Iterable[tuple[str, str]]
) -> str:
    """The text of a list file; `header` pairs come after `list: <name>`."""
    lines = [f"# list: {name}"]
    lines += [f"# {key}: {value}" for key, value in header]
    lines += [f"{key} {label}".rstrip() for key, label in entries]
    return "\n".join(lines) + "\n"


def collapse(entries: Iterable[tuple[Network, str]]) -> list[tuple[str, str]]:
    """Range entries collapsed per label (`ipaddress.collapse_addresses`), sorted by address.

    A network listed under two labels keeps both; the builder lets the narrower one win.
    """
    by_label: dict[str, list[Network]] = {}
    for network, label in entries:
        by_label.setdefault(label, []).append(network)
    out: list[tuple[Network, str]] = []
    for label, networks in by_label.items():
        for version in (4, 6):
            same: list[Any] = [n for n in networks if n.version == version]
            out += [(n, label) for n in ipaddress.collapse_addresses(same)]
    out.sort(key=lambda e: (e[0].version, e[0].network_address, e[0].prefixlen))
    return [(str(n), label) for n, label in out]


def shipped_text(name: str) -> str:
    """The committed list `engine/data/<name>.txt`."""
    return resources.files("engine.data").joinpath(f"{name}.txt").read_text(encoding="utf-8")


def shipped_list(name: str) -> ListFile:
    return parse_list(name, shipped_text(name), f"engine/data/{name}.txt")
