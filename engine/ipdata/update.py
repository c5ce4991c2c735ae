"""`anonscore update-data`: rebuild the IP data, also while the service runs.

Why a command: the data ages (networks change hands, Tor exits come and go), and a refresh
must not need a release. It builds a new table beside the current one and switches the
pointer atomically (`_store`); the running service takes it on `anonscore reload`.

What a build is made of:

- the two npm packages: the versions pinned in `engine/data/ipdata.toml` (downloaded once
  into `<ip_data_dir>/cache`, checked against their integrity), the registry's newest with
  `--latest`, or tarballs / unpacked packages / loose CSVs found in `--from DIR`;
- the six lists: `--from DIR/<name>.txt` when there, else freshly derived from upstream with
  `--lists-from SRC`, else the newer (by header date) of the shipped `engine/data/<name>.txt`
  and the current build's copy.

`--if-stale` (what set-up runs) builds only when there is no build, when the current one is
older than the pins, or when a chosen list differs from the one the build used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.ipdata._errors import IpDataError

if TYPE_CHECKING:
    from engine.ipdata._lists import ListFile
    from engine.ipdata._npm import Package, PackageSource
    from engine.ipdata._store import BuildMeta

DEFAULT_DIR = Path("var/ipdata")
Say = Callable[[str], None]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `anonscore update-data` (cheap: nothing heavy is imported here)."""
    p.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="DIR",
        help="build from the npm tarballs, unpacked packages or CSVs and the list files "
        "(<name>.txt) in DIR instead of downloading",
    )
    p.add_argument(
        "--latest",
        action="store_true",
        help="take the registry's newest package versions instead of the pinned ones",
    )
    p.add_argument(
        "--lists-from",
        metavar="SRC",
        help="derive the lists afresh from upstream: git checkouts under the directory SRC, "
        "or clones from a URL base such as https://github.com",
    )
    p.add_argument(
        "--write-lists",
        type=Path,
        metavar="DIR",
        help="with --lists-from: also write the derived lists into DIR "
        "(engine/data to refresh the committed ones)",
    )
    p.add_argument(
        "--if-stale",
        action="store_true",
        help="build only when missing, older than the pins, or a list changed",
    )
    p.add_argument(
        "--ip-data-dir",
        type=Path,
        help="where builds live (default: ip_data_dir of service.toml, var/ipdata)",
    )
    p.add_argument(
        "--config-dir",
        type=Path,
        default=Path("config"),
        help="read ip_data_dir from its service.toml (default ./config)",
    )


def ip_data_dir(config_dir: Path) -> Path:
    """`ip_data_dir` of `<config_dir>/service.toml`, or the default `var/ipdata`."""
    try:
        with open(config_dir / "service.toml", "rb") as f:
            value = tomllib.load(f).get("ip_data_dir")
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return DEFAULT_DIR
    return Path(value) if isinstance(value, str) and value else DEFAULT_DIR


def main(args: argparse.Namespace) -> int:
    root = args.ip_data_dir or ip_data_dir(args.config_dir)
    if args.write_lists and not args.lists_from:
        print("anonscore: --write-lists needs --lists-from", file=sys.stderr)
        return 2
    try:
        update_data(
            root,
            source=args.source,
            latest=args.latest,
            lists_from=args.lists_from,
            write_lists=args.write_lists,
            if_stale=args.if_stale,
        )
    except IpDataError as exc:
        print(f"anonscore: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # network or disk: one line, not a traceback
        print(f"anonscore: update-data failed: {exc}", file=sys.stderr)
        return 1
    return 0


def update_data(
    root: Path,
    *,
    source: Path | None = None,
    latest: bool = False,
    lists_from: str | None = None,
    write_lists: Path | None = None,
    if_stale: bool = False,
    say: Say = print,
) -> BuildMeta | None:
    """Build a new table under `root` and make it current; None when `if_stale` found the
    current one fresh. Raises IpDataError (bad input) or OSError (network, disk)."""
    from engine.ipdata._build import build
    from engine.ipdata._npm import download, find_sources, load_pins, tarball_source, version_date
    from engine.ipdata._store import builds_dir, current_id, read_meta

    if source is not None and not source.is_dir():
        raise IpDataError(f"--from {source}: not a directory")
    pins = load_pins()
    current: BuildMeta | None = None
    if current_id(root) is not None:
        try:
            current = read_meta(builds_dir(root) / str(current_id(root)))
        except IpDataError as exc:
            say(f"the current build is unreadable, building a new one ({exc})")
    lists = _choose_lists(root, current, source, lists_from, write_lists, say)
    packages: dict[str, PackageSource] = find_sources(source, pins) if source else {}
    for key, pin in pins.items():
        previous = [p for p in current.packages if p.key == key] if current else []
        pinned = version_date(pin.version)
        if key in packages or latest or not previous or pinned is None:
            continue
        if previous[0].date > pinned and Path(previous[0].origin).is_file():
            packages[key] = tarball_source(Path(previous[0].origin))  # keep a newer download
    if if_stale and current is not None and not _stale(current, pins, lists, packages):
        say(
            f"ip data is current: {root} (data of {current.built:%Y-%m-%d}, build "
            f"{current.build_id}); nothing to do"
        )
        return None
    for key, pin in pins.items():
        if key not in packages:
            packages[key] = tarball_source(download(pin, root / "cache", latest=latest, say=say))
    meta = build(root, packages, pins, lists, say)
    _report(root, meta, say)
    return meta


def _choose_lists(
    root: Path,
    current: BuildMeta | None,
    source: Path | None,
    lists_from: str | None,
    write_lists: Path | None,
    say: Say,
) -> dict[str, tuple[ListFile, str]]:
    from engine.ipdata._lists import LIST_NAMES, parse_list, shipped_list
    from engine.ipdata._sources import derive_lists, open_snapshots
    from engine.ipdata._store import builds_dir

    derived: dict[str, str] = {}
    if lists_from:
        say(f"deriving the lists from {lists_from}")
        with tempfile.TemporaryDirectory(prefix="anonscore-lists-") as work:
            derived = derive_lists(open_snapshots(lists_from, Path(work)))
        if write_lists is not None:
            write_lists.mkdir(parents=True, exist_ok=True)
            for name, text in derived.items():
                (write_lists / f"{name}.txt").write_text(text, encoding="utf-8")
            say(f"wrote {len(derived)} lists to {write_lists}")
    chosen: dict[str, tuple[ListFile, str]] = {}
    for name in LIST_NAMES:
        given = source / f"{name}.txt" if source is not None else None
        if given is not None and given.is_file():
            chosen[name] = (
                parse_list(name, given.read_text(encoding="utf-8"), str(given)),
                str(given),
            )
            continue
        if name in derived:
            chosen[name] = (
                parse_list(name, derived[name], f"upstream {name}"),
                f"upstream {lists_from}",
            )
            continue
        options = [(shipped_list(name), f"engine/data/{name}.txt")]
        kept = builds_dir(root) / (current.build_id if current else "-") / "lists" / f"{name}.txt"
        if kept.is_file():
            options.append(
                (parse_list(name, kept.read_text(encoding="utf-8"), str(kept)), str(kept))
            )
        chosen[name] = max(options, key=lambda o: o[0].date or dt.date.min)  # first on a tie
    return chosen


def _stale(
    current: BuildMeta,
    pins: dict[str, Package],
    lists: dict[str, tuple[ListFile, str]],
    packages: dict[str, PackageSource],
) -> bool:
    from engine.ipdata._npm import version_date

    have = {p.key: p for p in current.packages}
    for key, pin in pins.items():
        wanted = packages[key].date if key in packages else version_date(pin.version)
        if key not in have or (wanted is not None and have[key].date < wanted):
            return True
    used = {m.name: m.digest for m in current.lists}
    return any(used.get(name) != lf.digest for name, (lf, _) in lists.items())


def _report(root: Path, meta: BuildMeta, say: Say) -> None:
    packages = ", ".join(f"{p.name} {p.version}" for p in meta.packages)
    say(f"built {root / 'builds' / meta.build_id}")
    say(f"  data of {meta.built:%Y-%m-%d %H:00} UTC ({packages})")
    say(
        f"  IPv4 {meta.rows['4']:,} segments, IPv6 {meta.rows['6']:,} segments, "
        f"{meta.nbytes / 1e6:.1f} MB"
    )
    for m in meta.lists:
        say(f"  {m.name}: {m.entries:,} entries of {m.date or 'unknown date'} ({m.origin})")
    say("the running service takes it on reload: anonscore reload")
