"""The two npm packages of sapics/ip-location-db: their pins, their download, their CSVs.

Why npm: the registry keeps every dated build of the packages, with an integrity hash, and
plain HTTPS reaches it (no npm client needed on a fresh machine). The pins, licences and
attribution live in `engine/data/ipdata.toml`; a package's version is its build time
(2.3.YYYYMMDDHH, UTC), which is the date the service reports as the data's age.

A package is read from a tarball (downloaded, cached and checked against its integrity, or
given with `update-data --from DIR`), from an unpacked `package/` directory, or from loose
CSV files (then the newest file time stands for the date, and the report says so).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import IO

import msgspec

from engine.ipdata._errors import IpDataError

REGISTRY = "https://registry.npmjs.org"
Span = tuple[int, int, int]


class Package(msgspec.Struct, frozen=True):
    """One pinned package, as `engine/data/ipdata.toml` describes it."""

    key: str  # "asn" or "country"
    name: str
    version: str
    integrity: str
    files: list[str]
    licence: str
    attribution: str


def load_pins() -> dict[str, Package]:
    text = resources.files("engine.data").joinpath("ipdata.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)["packages"]
    return {key: msgspec.convert({"key": key, **value}, Package) for key, value in raw.items()}


def version_date(version: str) -> dt.datetime | None:
    """The build time a package version encodes (2.3.2026061719 -> 2026-06-17 19:00 UTC)."""
    stamp = version.rsplit(".", 1)[-1]
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d%H").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


class PackageSource:
    """Where one package's CSVs are read from: a tarball, a directory, or loose files."""

    def __init__(
        self,
        name: str,
        version: str,
        date: dt.datetime,
        opener: Callable[[str], IO[bytes]],
        origin: str,
    ) -> None:
        self.name, self.version, self.date, self.origin = name, version, date, origin
        self._open = opener

    def rows(self, member: str) -> Iterator[list[str]]:
        try:
            raw = self._open(member)
        except (KeyError, FileNotFoundError):
            raise IpDataError(
                f"{self.origin}: no {member}; give the package's tarball or its CSVs"
            ) from None
        with raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            yield from csv.reader(text)


def tarball_source(path: Path) -> PackageSource:
    tar = tarfile.open(path, "r:gz")
    try:
        meta = json.load(_member(tar, "package/package.json"))
    except (KeyError, ValueError):
        raise IpDataError(f"{path}: not an npm package tarball (no package/package.json)") from None
    return _from_meta(meta, lambda m: _member(tar, f"package/{m}"), str(path))


def directory_source(directory: Path) -> PackageSource:
    meta = json.loads((directory / "package.json").read_text())
    return _from_meta(meta, lambda m: (directory / m).open("rb"), str(directory))


def loose_source(name: str, directory: Path, files: list[str]) -> PackageSource | None:
    """Loose CSVs in `directory`; their newest modification time stands for the date."""
    paths = [directory / f for f in files]
    if not all(p.is_file() for p in paths):
        return None
    stamp = max(p.stat().st_mtime for p in paths)
    date = dt.datetime.fromtimestamp(stamp, dt.UTC).replace(minute=0, second=0, microsecond=0)
    version = f"files-{date:%Y%m%d%H}"
    return PackageSource(name, version, date, lambda m: (directory / m).open("rb"), str(directory))


def _member(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    f = tar.extractfile(name)
    if f is None:
        raise KeyError(name)
    return f


def _from_meta(
    meta: dict[str, str], opener: Callable[[str], IO[bytes]], origin: str
) -> PackageSource:
    name, version = str(meta.get("name", "")), str(meta.get("version", ""))
    date = version_date(version)
    if date is None:
        raise IpDataError(
            f"{origin}: version '{version}' does not hold a build date (x.y.YYYYMMDDHH)"
        )
    return PackageSource(name, version, date, opener, origin)


def find_sources(directory: Path, pins: dict[str, Package]) -> dict[str, PackageSource]:
    """The packages found in `directory` (`update-data --from`), by pin key."""
    by_name = {p.name: key for key, p in pins.items()}
    found: dict[str, PackageSource] = {}
    candidates: list[PackageSource] = []
    for path in sorted(directory.glob("*.tgz")):
        candidates.append(tarball_source(path))
    for meta in sorted(directory.glob("**/package.json")):
        candidates.append(directory_source(meta.parent))
    for source in candidates:
        key = by_name.get(source.name)
        if key is not None and (key not in found or source.date > found[key].date):
            found[key] = source
    for key, pin in pins.items():
        if key not in found:
            loose = loose_source(pin.name, directory, pin.files)
            if loose is not None:
                found[key] = loose
    return found


def resolve(pin: Package, *, latest: bool) -> tuple[str, str, str]:
    """(version, tarball url, integrity) of the pinned version, or of the registry's newest."""
    if not latest:
        base = pin.name.rpartition("/")[2]
        url = f"{REGISTRY}/{pin.name}/-/{base}-{pin.version}.tgz"
        return pin.version, url, pin.integrity
    quoted = urllib.parse.quote(pin.name, safe="@")
    with urllib.request.urlopen(f"{REGISTRY}/{quoted}/latest", timeout=60) as r:
        meta = json.load(r)
    return str(meta["version"]), str(meta["dist"]["tarball"]), str(meta["dist"]["integrity"])


def check_integrity(data: bytes, integrity: str, origin: str) -> None:
    algo, _, expected = integrity.partition("-")
    if algo not in ("sha512", "sha256", "sha1"):
        raise IpDataError(f"{origin}: unknown integrity algorithm '{algo}'")
    digest = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if digest != expected:
        raise IpDataError(
            f"{origin}: the download does not match its {algo} integrity; delete it and retry"
        )


def download(pin: Package, cache: Path, *, latest: bool, say: Callable[[str], None]) -> Path:
    """The package tarball in `cache`, downloaded only when missing; checked each time."""
    version, url, integrity = resolve(pin, latest=latest)
    base = pin.name.lstrip("@").replace("/", "-")
    path = cache / f"{base}-{version}.tgz"
    if path.exists():
        check_integrity(path.read_bytes(), integrity, str(path))
        say(f"using {path}")
        return path
    cache.mkdir(parents=True, exist_ok=True)
    say(f"downloading {url}")
    with urllib.request.urlopen(url, timeout=300) as r:
        data = r.read()
    check_integrity(data, integrity, url)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def read_asn(source: PackageSource, member: str, names: dict[int, str]) -> list[Span]:
    """(start, end, asn) spans of an `asn-ipv*-num.csv`; fills `names` (first name wins)."""
    spans: list[Span] = []
    for number, row in enumerate(source.rows(member), 1):
        try:
            start, end, asn = int(row[0]), int(row[1]), int(row[2])
        except (ValueError, IndexError):
            raise IpDataError(
                f"{source.origin}: {member}: line {number} is not start,end,asn,name"
            ) from None
        if asn <= 0 or end < start:
            continue
        spans.append((start, end, asn))
        if asn not in names and len(row) > 3 and row[3].strip():
            names[asn] = row[3].strip()
    return spans


def read_country(source: PackageSource, member: str) -> list[tuple[int, int, str]]:
    """(start, end, country code) spans of a `geo-whois-asn-country-ipv*-num.csv`."""
    spans: list[tuple[int, int, str]] = []
    for number, row in enumerate(source.rows(member), 1):
        try:
            start, end, code = int(row[0]), int(row[1]), row[2].strip().upper()
        except (ValueError, IndexError):
            raise IpDataError(
                f"{source.origin}: {member}: line {number} is not start,end,country"
            ) from None
        if len(code) == 2 and code.isalpha() and end >= start:
            spans.append((start, end, code))
    return spans
