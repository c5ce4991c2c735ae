"""The IP data directory: compiled builds side by side, and one pointer to the current one.

Why a pointer: `update-data` may run while the service is up. A build is written in full
into `builds/.tmp-<id>`, renamed to `builds/<id>`, and only then does the one-line file
`current` change, by `os.replace` (atomic on POSIX). A reader that opens `current` gets the
old build or the new one, never half of either; the build before the current one is kept,
so a service still loading it finds it whole. Two `update-data` runs take turns on a lock.

    <ip_data_dir>/current          the id of the current build
    <ip_data_dir>/builds/<id>/     meta.json, the arrays (`_table`), lists/<name>.txt
    <ip_data_dir>/cache/           downloaded npm tarballs
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import msgspec

from engine.ipdata._errors import IpDataError
from engine.ipdata._table import Table

FORMAT = 1
KEEP = 2  # the current build and the one before it


class PackageMeta(msgspec.Struct, frozen=True):
    key: str
    name: str
    version: str
    date: dt.datetime
    origin: str
    licence: str = ""
    attribution: str = ""


class ListMeta(msgspec.Struct, frozen=True):
    name: str
    date: dt.date | None
    digest: str
    entries: int
    sources: list[str]
    commits: list[str]
    licence: str
    origin: str  # where this build took it from: shipped, a --from file, upstream


class BuildMeta(msgspec.Struct, frozen=True):
    """What a build is made of; `meta.json` in the build directory."""

    format: int
    build_id: str
    compiled_at: dt.datetime
    built: dt.datetime  # the data's date: the older of the two packages' build times
    packages: list[PackageMeta]
    lists: list[ListMeta]
    rows: dict[str, int]  # "4"/"6" -> segments
    nbytes: int


def builds_dir(root: Path) -> Path:
    return root / "builds"


def current_id(root: Path) -> str | None:
    try:
        value = (root / "current").read_text().strip()
    except FileNotFoundError:
        return None
    return value or None


def read_meta(build: Path) -> BuildMeta:
    try:
        return msgspec.json.decode((build / "meta.json").read_bytes(), type=BuildMeta)
    except (FileNotFoundError, msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise IpDataError(
            f"{build}: not a readable ip data build ({exc}); run anonscore update-data"
        ) from None


def open_current(root: Path) -> tuple[BuildMeta, Table, Path] | None:
    """The current build, loaded; None when the directory has none. Blocking (disk)."""
    for _ in range(3):  # the pointer may move between reading it and opening the build
        build_id = current_id(root)
        if build_id is None:
            return None
        build = builds_dir(root) / build_id
        try:
            meta = read_meta(build)
            if meta.format != FORMAT:
                raise IpDataError(
                    f"{build}: format {meta.format}, this version reads {FORMAT}; "
                    "run anonscore update-data"
                )
            return meta, Table.load(build), build
        except (FileNotFoundError, IpDataError):
            if current_id(root) == build_id:
                raise
    raise IpDataError(f"{root}: the current build keeps changing; retry")


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def new_build_id(built: dt.datetime, now: dt.datetime) -> str:
    """Compile time first, so builds sort in the order they were made; then the data's date."""
    return f"{now:%Y%m%dT%H%M%S%f}-{built:%Y%m%d%H}"


def publish(root: Path, staging: Path, build_id: str) -> Path:
    """Move a complete staging directory into place and point `current` at it (atomic)."""
    final = builds_dir(root) / build_id
    os.rename(staging, final)
    pointer = root / f".current.tmp{os.getpid()}"
    pointer.write_text(build_id + "\n")
    with open(pointer, "rb") as f:
        os.fsync(f.fileno())
    os.replace(pointer, root / "current")
    _prune(root, build_id)
    return final


def staging_dir(root: Path, build_id: str) -> Path:
    path = builds_dir(root) / f".tmp-{build_id}"
    path.mkdir(parents=True)
    return path


def _prune(root: Path, current: str) -> None:
    builds = sorted(p for p in builds_dir(root).iterdir() if p.is_dir())
    finished = [p for p in builds if not p.name.startswith(".")]
    keep = {current} | {p.name for p in finished[-KEEP:]}
    for path in builds:
        if path.name.startswith(".tmp-") or path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
