"""Storage audit: scan the whole store for values that look like direct identifiers.

    python -m tools.audit [--data-dir ./data]

Opens the RocksDB store read-only (it can run beside the service), decodes every record,
and runs the privacy firewall's detectors over every string (values and map keys) and long
integer in it. Prints counts per record type and the paths of any finding (never the value);
exits 1 when anything was found.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
import trio

from engine.privacy import find_identifier
from engine.storage import KeyValueStore, RocksStore

RECORD_TYPES = {
    b"s:": "session",
    b"d:": "device profile",
    b"v:": "velocity events",
    b"r:": "ip reputation",
    b"m:": "device id mapping",
    b"i:": "device session index",
    b"x:": "retention index",
}

_LONG_INT = 10**8


class AuditReport(msgspec.Struct):
    records: dict[str, int] = msgspec.field(default_factory=dict)
    strings: dict[str, int] = msgspec.field(default_factory=dict)
    findings: dict[str, int] = msgspec.field(default_factory=dict)
    examples: list[str] = msgspec.field(default_factory=list)  # "type: path (kind)"

    @property
    def total_findings(self) -> int:
        return sum(self.findings.values())


def _walk(value: Any, path: str, name: str, out: list[tuple[str, str]], seen: list[int]) -> None:
    if isinstance(value, str):
        seen[0] += 1
        kind = find_identifier(value, name)
        if kind is not None:
            out.append((path, kind))
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if abs(value) >= _LONG_INT:
            seen[0] += 1
            kind = find_identifier(str(value), name)
            if kind is not None:
                out.append((path, kind))
    elif isinstance(value, dict):
        for key, item in value.items():
            key_s = str(key)
            _walk(key_s, f"{path}.<key>", key_s, out, seen)
            _walk(item, f"{path}.{key_s}", key_s, out, seen)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _walk(item, f"{path}.{i}", name, out, seen)
    elif isinstance(value, bytes):
        _walk(value.decode("utf-8", "replace"), path, name, out, seen)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return msgspec.msgpack.decode(raw)
    except msgspec.DecodeError:
        return raw.decode("utf-8", "replace")


async def audit(store: KeyValueStore, *, batch: int = 5000) -> AuditReport:
    report = AuditReport()
    start: bytes | None = None
    while True:
        rows = await store.scan(b"", start=start, limit=batch)
        for key, raw in rows:
            rtype = RECORD_TYPES.get(key[:2], "other")
            report.records[rtype] = report.records.get(rtype, 0) + 1
            found: list[tuple[str, str]] = []
            seen = [0]
            # keys hold session ids, device keys, hashes: scan them like values (the
            # retention index's zero-padded purge time is ours, not data: skip it)
            key_text = key.decode("utf-8", "replace")
            if rtype == "retention index":
                key_text = key_text.partition("\0")[2]
            _walk(key_text, "<key>", "", found, seen)
            _walk(_decode(raw), "<value>", "", found, seen)
            report.strings[rtype] = report.strings.get(rtype, 0) + seen[0]
            for path, kind in found:
                report.findings[rtype] = report.findings.get(rtype, 0) + 1
                if len(report.examples) < 50:
                    report.examples.append(f"{rtype}: {path} ({kind})")
        if len(rows) < batch:
            return report
        start = rows[-1][0] + b"\0"


def format_report(report: AuditReport) -> str:
    lines = ["record type            records   strings  findings"]
    for rtype in sorted(set(report.records) | set(report.findings)):
        lines.append(
            f"{rtype:<20} {report.records.get(rtype, 0):>9} "
            f"{report.strings.get(rtype, 0):>9} {report.findings.get(rtype, 0):>9}"
        )
    total = sum(report.records.values())
    lines.append(
        f"{'total':<20} {total:>9} {sum(report.strings.values()):>9} {report.total_findings:>9}"
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
    args = p.parse_args(argv)
    try:
        store = RocksStore(args.data_dir, read_only=True)
    except FileNotFoundError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    try:
        print(f"auditing {args.data_dir} ...", file=sys.stderr)
        report = trio.run(audit, store)
    finally:
        store.close()
    print(format_report(report))
    counter = Counter(report.findings)
    return 1 if sum(counter.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
