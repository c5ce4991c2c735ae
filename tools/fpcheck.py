"""False refusals of the privacy firewall on random device identifiers.

    python -m tools.fpcheck [--count 1000000] [--classes hex16,uuid] [--region DE]
                            [--seed N] [--no-anywhere]

Device hashes and IDs (Android IDs, canvas hashes, persistent sessions...) are random
hex or base64 strings; the firewall must never take one for a card, an IBAN or a phone.
For each length class (hex 16, 24, 32, 40, 64; base64 22, 27, 43, 44; uuid) this runs
COUNT random values through `find_identifier`:

- in a field meant for it (rotating over device_id_hash, mac_hash, wifi_bssid_hash,
  canvas_hash, audio_hash, fonts_hash, build_fingerprint, persistent_session): every
  refusal is a false one, expected 0;
- with no field name ("anywhere", as in a free-text custom field): a value whose
  characters all happen to be digits is indistinguishable from a card or phone number
  there, so those refusals are counted apart from the others (expected 0).

Prints one line per class and the throughput; progress goes to stderr. Exits 1 when a
value was refused in its own field. Not part of CI: a million values per class takes
minutes.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from engine.privacy.detectors import find_identifier

FIELDS = (
    "device_id_hash",
    "mac_hash",
    "wifi_bssid_hash",
    "canvas_hash",
    "audio_hash",
    "fonts_hash",
    "build_fingerprint",
    "persistent_session",
)


def _hex(size: int) -> Callable[[bytes], str]:
    return lambda raw: raw[:size].hex()


def _b64(size: int, *, urlsafe: bool, pad: bool) -> Callable[[bytes], str]:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode

    def make(raw: bytes) -> str:
        text = encode(raw[:size]).decode()
        return text if pad else text.rstrip("=")

    return make


def _uuid(raw: bytes) -> str:
    return str(uuid.UUID(bytes=raw[:16], version=4))


CLASSES: dict[str, tuple[int, Callable[[bytes], str]]] = {
    "hex16": (8, _hex(8)),
    "hex24": (12, _hex(12)),
    "hex32": (16, _hex(16)),
    "hex40": (20, _hex(20)),
    "hex64": (32, _hex(32)),
    "b64-22": (16, _b64(16, urlsafe=True, pad=False)),
    "b64-27": (20, _b64(20, urlsafe=False, pad=False)),
    "b64-43": (32, _b64(32, urlsafe=True, pad=False)),
    "b64-44": (32, _b64(32, urlsafe=False, pad=True)),
    "uuid": (16, _uuid),
}
"""Class name -> (random bytes per value, how they are written)."""


@dataclass
class Result:
    name: str
    count: int = 0
    in_field: int = 0
    anywhere_digits: int = 0  # all-digit values refused with no field name
    anywhere_other: int = 0  # any other value refused with no field name
    seconds: float = 0.0


def check_class(
    name: str,
    count: int,
    rng: random.Random,
    *,
    region: str | None = None,
    anywhere: bool = True,
    progress: Callable[[str, int], None] | None = None,
) -> Result:
    """Run `count` random values of class `name` through the detector."""
    size, make = CLASSES[name]
    result = Result(name)
    batch = 10_000
    started = time.perf_counter()
    done = 0
    while done < count:
        todo = min(batch, count - done)
        raw = rng.randbytes(size * todo)
        for index in range(todo):
            value = make(raw[index * size : (index + 1) * size])
            field = FIELDS[(done + index) % len(FIELDS)]
            if find_identifier(value, field, region=region) is not None:
                result.in_field += 1
            if anywhere and find_identifier(value, region=region) is not None:
                if value.isdigit():
                    result.anywhere_digits += 1
                else:
                    result.anywhere_other += 1
        done += todo
        if progress is not None:
            progress(name, done)
    result.count = done
    result.seconds = time.perf_counter() - started
    return result


def format_result(result: Result, anywhere: bool) -> str:
    calls = result.count * (2 if anywhere else 1)
    rate = calls / result.seconds if result.seconds else 0.0
    line = f"{result.name:<8} {result.count:>10} {result.in_field:>9}"
    if anywhere:
        line += f" {result.anywhere_other:>9} {result.anywhere_digits:>11}"
    return line + f" {rate:>12,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.fpcheck",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="values per class")
    parser.add_argument("--classes", default=",".join(CLASSES), help="comma-separated")
    parser.add_argument("--region", default=None, help="client region hint (ISO alpha-2)")
    parser.add_argument("--seed", type=int, default=None, help="for a reproducible run")
    parser.add_argument(
        "--no-anywhere", action="store_true", help="skip the run with no field name"
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.classes.split(",") if name.strip()]
    unknown = [name for name in names if name not in CLASSES]
    if unknown or args.count < 1:
        parser.error(
            f"unknown class {', '.join(unknown)}; known: {', '.join(CLASSES)}"
            if unknown
            else "count must be >= 1"
        )
    anywhere = not args.no_anywhere
    rng = random.Random(args.seed)

    def progress(name: str, done: int) -> None:
        print(f"\r{name}: {done:,}/{args.count:,}", end="", file=sys.stderr, flush=True)

    header = f"{'class':<8} {'values':>10} {'in field':>9}"
    if anywhere:
        header += f" {'anywhere':>9} {'all-digits':>11}"
    print(header + f" {'checks/s':>12}")
    results = []
    for name in names:
        result = check_class(name, args.count, rng, region=args.region, anywhere=anywhere,
                             progress=progress)  # fmt: skip
        print("\r\033[K", end="", file=sys.stderr, flush=True)
        print(format_result(result, anywhere), flush=True)
        results.append(result)
    total = sum(r.count * (2 if anywhere else 1) for r in results)
    seconds = sum(r.seconds for r in results)
    print(f"total: {sum(r.in_field for r in results)} refused in their field; "
          f"{total:,} checks in {seconds:.1f} s ({total / seconds:,.0f}/s)")  # fmt: skip
    return 1 if any(r.in_field for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
