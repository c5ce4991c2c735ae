"""Building a table: read the two packages and the six lists, compile, write, publish.

Why apart from `update`: the build is the one step tests and set-up share; choosing what to
build from (pins, `--from`, newer lists) is `update`'s business.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import msgspec

from engine.ipdata._errors import IpDataError
from engine.ipdata._lists import LIST_NAMES, ListFile
from engine.ipdata._npm import Package, PackageSource, read_asn, read_country
from engine.ipdata._store import (
    FORMAT,
    BuildMeta,
    ListMeta,
    PackageMeta,
    locked,
    new_build_id,
    publish,
    staging_dir,
)
from engine.ipdata._table import Table, compile_table

Say = Callable[[str], None]


def build(
    root: Path,
    packages: Mapping[str, PackageSource],
    pins: Mapping[str, Package],
    lists: Mapping[str, tuple[ListFile, str]],
    say: Say = lambda _: None,
) -> BuildMeta:
    """Compile `packages` ("asn", "country") and `lists` (name -> (list, origin)) into a new
    build under `root` and make it current. Returns its metadata."""
    missing = [key for key in pins if key not in packages]
    if missing:
        raise IpDataError(f"no {', '.join(pins[k].name for k in missing)} to build from")
    t0 = time.perf_counter()
    table = _compile(packages, pins, lists, say)
    meta = _meta(table, packages, pins, lists)
    with locked(root):
        staging = staging_dir(root, meta.build_id)
        table.save(staging)
        (staging / "lists").mkdir()
        for name, (lf, _) in lists.items():
            (staging / "lists" / f"{name}.txt").write_text(lf.text, encoding="utf-8")
        (staging / "meta.json").write_bytes(msgspec.json.format(msgspec.json.encode(meta)))
        publish(root, staging, meta.build_id)
    say(f"compiled in {time.perf_counter() - t0:.1f} s")
    return meta


def _compile(
    packages: Mapping[str, PackageSource],
    pins: Mapping[str, Package],
    lists: Mapping[str, tuple[ListFile, str]],
    say: Say,
) -> Table:
    """The lookup table from the AS and country packages' ranges and the lists."""
    names: dict[int, str] = {}
    asn, country = packages["asn"], packages["country"]
    say(f"reading {asn.name} {asn.version} ({asn.origin})")
    v4, v6 = pins["asn"].files
    asn_spans = {4: read_asn(asn, v4, names), 6: read_asn(asn, v6, names)}
    say(f"reading {country.name} {country.version} ({country.origin})")
    v4, v6 = pins["country"].files
    country_spans = {4: read_country(country, v4), 6: read_country(country, v6)}
    rows_in = sum(map(len, asn_spans.values())) + sum(map(len, country_spans.values()))
    if not asn_spans[4] or not country_spans[4]:
        raise IpDataError("the packages hold no IPv4 rows; check the files given to --from")
    say(f"compiling {rows_in:,} ranges and {len(lists)} lists")
    return compile_table(asn_spans, names, country_spans, {n: lf for n, (lf, _) in lists.items()})


def _meta(
    table: Table,
    packages: Mapping[str, PackageSource],
    pins: Mapping[str, Package],
    lists: Mapping[str, tuple[ListFile, str]],
) -> BuildMeta:
    """What a build says of itself: its id, dates, packages with licences, lists, sizes."""
    now = dt.datetime.now(dt.UTC)
    built = min(p.date for p in packages.values())
    return BuildMeta(
        format=FORMAT,
        build_id=new_build_id(built, now),
        compiled_at=now,
        built=built,
        packages=[
            PackageMeta(
                key=key,
                name=src.name,
                version=src.version,
                date=src.date,
                origin=src.origin,
                licence=pins[key].licence,
                attribution=pins[key].attribution,
            )
            for key, src in packages.items()
        ],
        lists=[
            _list_meta(lf, origin)
            for name in LIST_NAMES
            if name in lists
            for lf, origin in [lists[name]]
        ],
        rows={"4": table.rows(4), "6": table.rows(6)},
        nbytes=table.nbytes,
    )


def _list_meta(lf: ListFile, origin: str) -> ListMeta:
    return ListMeta(
        name=lf.name,
        date=lf.date,
        digest=lf.digest,
        entries=len(lf.entries),
        sources=lf.header.get("source", []),
        commits=lf.header.get("commit", []),
        licence=lf.first("licence"),
        origin=origin,
    )
