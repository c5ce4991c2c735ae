"""Storage audit: scan the whole store for values that look like direct identifiers.

    python -m tools.audit [--data-dir ./data] [--config-dir ./config] [--secret-file PATH]
    python -m tools.audit --store redis://HOST:PORT

Opens the RocksDB store read-only (it can run beside the service), decodes every record
with its own type (the key layout of engine/store/keys.py), and runs the privacy firewall's
detectors over every string (values and map keys) and long integer in it, except the
fields the service writes itself (keyed hashes, internal ids). A record that does not
decode, or a key of no known record type, is a finding. Prints, per record type, the
count, the strings checked, the findings and the age of the oldest record; the paths of
any finding (never the value); exits 1 when anything was found.

With the server secret at hand (found as the service finds it: `ANONSCORE_SECRET`,
`--secret-file`, `ANONSCORE_SECRET_FILE`, beside `--config-dir`, or a legacy copy in the
data directory), it also tries to recover client addresses from the per-IP counters by
brute force (tools/ip_linkage.py); an address recoverable with the secret, or a day key
kept past its end, is a finding.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
import trio

from engine.privacy import find_identifier
from engine.privacy.secrets import derive_keys, find_secret
from engine.runtime.shared_secret import SECRET_KEY
from engine.store import (
    AsyncKeyValueStore,
    KeyValueStore,
    RedisClusterStore,
    RocksStore,
    StoreUnavailable,
)
from engine.store.keys import decode, record_kind
from engine.store.regions import region_dirs
from tools.ip_linkage import Linkage, format_linkage, ip_linkage

_LONG_INT = 10**8
# Values that are labels (a form field's name, such as "full_name"), not a person's name:
# scanned like any string, without the hint their key would give (as the firewall does).
_LABELS = ("attributes.behaviour.fields.*.name",)


class AuditReport(msgspec.Struct):
    records: dict[str, int] = msgspec.field(default_factory=dict)
    strings: dict[str, int] = msgspec.field(default_factory=dict)
    findings: dict[str, int] = msgspec.field(default_factory=dict)
    oldest: dict[str, float] = msgspec.field(default_factory=dict)  # type -> earliest time
    examples: list[str] = msgspec.field(default_factory=list)  # "type: path (kind)"

    @property
    def total_findings(self) -> int:
        return sum(self.findings.values())


def _skipped(path: str, made: tuple[str, ...]) -> bool:
    """Is `path` (dotted, list indices as numbers) one of the service's own fields?"""
    parts = path.split(".")
    for pattern in made:
        want = pattern.split(".")
        if len(want) == len(parts) and all(w in ("*", p) for w, p in zip(want, parts, strict=True)):
            return True
    return False


def _walk(
    value: Any,
    path: str,
    name: str,
    made: tuple[str, ...],
    out: list[tuple[str, str]],
    seen: list[int],
) -> None:
    if path and _skipped(path, made):
        return
    where = path or "<value>"
    if isinstance(value, str):
        seen[0] += 1
        kind = find_identifier(value, "" if _skipped(path, _LABELS) else name)
        if kind is not None:
            out.append((where, kind))
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if abs(value) >= _LONG_INT:
            seen[0] += 1
            kind = find_identifier(str(value), name)
            if kind is not None:
                out.append((where, kind))
    elif isinstance(value, dict):
        for key, item in value.items():
            key_s = str(key)
            seen[0] += 1
            if find_identifier(key_s, "") is not None:
                out.append((f"{where}.<key>", "identifier in a key"))
            _walk(item, f"{path}.{key_s}" if path else key_s, key_s, made, out, seen)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _walk(item, f"{path}.{i}" if path else str(i), name, made, out, seen)


def _born(value: Any, field: str | None) -> float | None:
    if field is None:
        return None
    for part in field.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            return None
    return float(value) if isinstance(value, int | float) else None


async def audit(store: KeyValueStore | AsyncKeyValueStore, *, batch: int = 5000) -> AuditReport:
    """Every record decoded with its own type (state.RECORD_KINDS); every string the
    service did not make itself checked by the firewall's detectors. A record that does not
    decode, or a key of no known kind, is a finding too."""
    report = AuditReport()
    start: bytes | None = None
    while True:
        rows = await store.scan(b"", start=start, limit=batch)
        for key, raw in rows:
            kind = record_kind(_unprefixed(key))
            rtype = kind.name if kind is not None else "unknown"
            report.records[rtype] = report.records.get(rtype, 0) + 1
            found: list[tuple[str, str]] = []
            seen = [0]
            if kind is None:
                found.append(("<key>", "a key of no known record type"))
            elif kind.kind is not None:
                try:
                    value = msgspec.to_builtins(decode(raw, kind.kind))
                except msgspec.DecodeError:
                    found.append(("<value>", "does not decode as its record type"))
                else:
                    _walk(value, "", "", kind.made_by_service, found, seen)
                    born = _born(value, kind.born)
                    if born is not None:
                        report.oldest[rtype] = min(report.oldest.get(rtype, born), born)
            elif "*" not in kind.made_by_service and raw:
                _walk(raw.decode("utf-8", "replace"), "", "", (), found, seen)
            report.strings[rtype] = report.strings.get(rtype, 0) + seen[0]
            for path, what in found:
                report.findings[rtype] = report.findings.get(rtype, 0) + 1
                if len(report.examples) < 50:
                    report.examples.append(f"{rtype}: {path} ({what})")
        if len(rows) < batch:
            return report
        start = rows[-1][0] + b"\0"


def _unprefixed(key: bytes) -> bytes:
    """A key without its region's prefix (`eu/s:{...}`: regions sharing one cluster)."""
    head, slash, rest = key.partition(b"/")
    return rest if slash and b":" not in head and b"{" not in head else key


async def _audit_cluster(url: str, hashing: bytes | None) -> tuple[AuditReport, Linkage | None]:
    store = await RedisClusterStore.connect(url, request_timeout=10.0)
    try:
        if hashing is None:  # no secret given: the deployment's, held in the cluster
            held = await store.get(SECRET_KEY)
            if held is not None and len(held) == 32:
                hashing = derive_keys(held).hashing
        return await _audit_both(store, hashing)
    finally:
        await store.aclose()


async def _audit_both(
    store: KeyValueStore | AsyncKeyValueStore, hashing: bytes | None
) -> tuple[AuditReport, Linkage | None]:
    """The identifier scan, and the address brute force when the secret is at hand."""
    report = await audit(store)
    linked = None if hashing is None else await ip_linkage(store, hashing, time.time())
    return report, linked


def format_report(report: AuditReport, now: float | None = None) -> str:
    now = time.time() if now is None else now
    lines = ["record type              records   strings  findings  oldest (days)"]
    for rtype in sorted(set(report.records) | set(report.findings)):
        oldest = report.oldest.get(rtype)
        age = f"{(now - oldest) / 86_400:>13.1f}" if oldest is not None else f"{'-':>13}"
        lines.append(
            f"{rtype:<22} {report.records.get(rtype, 0):>9} "
            f"{report.strings.get(rtype, 0):>9} {report.findings.get(rtype, 0):>9}  {age}"
        )
    total = sum(report.records.values())
    lines.append(
        f"{'total':<22} {total:>9} {sum(report.strings.values()):>9} {report.total_findings:>9}"
    )
    if report.examples:
        lines.append("findings (paths only; values are never printed):")
        lines += [f"  {e}" for e in report.examples]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tools.audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data-dir", type=Path, default=Path("data"))
    p.add_argument("--config-dir", type=Path, default=Path("config"))
    p.add_argument("--secret-file", type=Path, default=None)
    p.add_argument(
        "--store",
        metavar="redis://HOST:PORT",
        help="audit a Redis/Valkey Cluster instead (every region on it; a full SCAN per "
        "5,000 keys: for stores of some millions of keys at most)",
    )
    args = p.parse_args(argv)
    secret = find_secret(args.data_dir, args.config_dir, args.secret_file)
    hashing = derive_keys(secret).hashing if secret is not None else None
    if hashing is None and not args.store:  # a cluster holds the deployment's
        print("client addresses: not tried (no server secret found; pass --secret-file)")
    if args.store:
        try:
            report, linked = trio.run(_audit_cluster, args.store, hashing)
        except (StoreUnavailable, ValueError) as exc:
            print(f"audit: {args.store}: {exc}", file=sys.stderr)
            return 2
        print(format_report(report))
        if linked is not None:
            print(format_linkage(linked))
        return 1 if report.total_findings or (linked and linked.findings) else 0
    # every region's store (<data-dir>/regions/<name>), or a store right in --data-dir
    places = [(name, path) for name, path in region_dirs(args.data_dir)]
    if (args.data_dir / "rocksdb").is_dir():
        places.insert(0, ("", args.data_dir))
    if not places:
        print(
            f"audit: {args.data_dir}: no anonscore store here (no rocksdb directory)",
            file=sys.stderr,
        )
        return 2
    total = 0
    for name, path in places:
        store = RocksStore(path, read_only=True)
        try:
            print(f"auditing {path} ...", file=sys.stderr)
            report, linked = trio.run(_audit_both, store, hashing)
        finally:
            store.close()
        if name:
            print(f"region {name}:")
        print(format_report(report))
        total += sum(Counter(report.findings).values())
        if linked is not None:
            print(format_linkage(linked))
            total += linked.findings
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
