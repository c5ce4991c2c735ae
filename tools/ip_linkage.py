"""Can a copy of the store, with the server secret in hand, give back client addresses?

The attack `tools.audit` runs: every host of every IPv4 prefix the store holds in clear
(sessions' and device profiles' `ip_prefix`, the keys of prefix counters and reputations),
on every day a per-IP counter was written (its event times are in clear) and the day
before, hashed as the service hashes addresses for the per-IP counters (`v:i:` keys):

- with the key derived from the secret, as versions before 0.9 did (`ip|<day>|<ip>`
  under the hashing key): an address found this way is recoverable from the data plus the
  secret for as long as the counter is kept, the finding issue 15 reported (3,604 of 3,604
  addresses of a day recovered in 3.8 s);
- with each day's own random key still in the store (`e:{window}<day>`, engine/store/keys.py)
  and the secret (`ip_window_key`, engine/sessions/collect.py): the day's counters can be linked
  until the key is dropped (`window_ends`), the day after; a key kept past that is a
  finding. Without the secret a copy of the store links nothing.

IPv6 prefixes (/48, 2^80 hosts each) are counted, not tried.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from typing import Any

import msgspec

from engine.schema import DeviceProfile, Events, SessionRecord
from engine.sessions.collect import ip_window_key
from engine.store import AsyncKeyValueStore, KeyValueStore
from engine.store.keys import DAY, WINDOW_KEY_PREFIX, decode, tag_of, window_day, window_ends


class Linkage(msgspec.Struct):
    prefixes_v4: int = 0  # IPv4 prefixes tried (256 hosts each)
    prefixes_v6: int = 0  # IPv6 prefixes seen, not tried
    ip_counters: int = 0  # per-IP counter records (`v:i:`)
    days: int = 0  # days tried
    with_secret: int = 0  # addresses recovered with the secret alone
    live_window: int = 0  # addresses linked through a day's key not yet dropped
    stale_window_keys: int = 0  # day keys kept past their end

    @property
    def findings(self) -> int:
        return self.with_secret + self.stale_window_keys


async def ip_linkage(
    store: KeyValueStore | AsyncKeyValueStore, hashing: bytes, now: float, *, batch: int = 5000
) -> Linkage:
    """Run the brute force over the whole store (`hashing`: the secret's hashing key)."""
    prefixes: set[str] = set()
    counters: set[str] = set()
    days: set[int] = set()
    window_keys: dict[int, bytes] = {}
    out = Linkage()
    start: bytes | None = None
    while True:
        rows = await store.scan(b"", start=start, limit=batch)
        for key, raw in rows:
            _note(_unprefixed(key), raw, prefixes, counters, days, window_keys)
        if len(rows) < batch:
            break
        start = rows[-1][0] + b"\0"
    days |= {d - 1 for d in days}
    out.ip_counters, out.days = len(counters), len(days)
    out.stale_window_keys = sum(1 for d in window_keys if window_ends(d) <= now)
    v4 = [p for p in prefixes if _v4(p) is not None]
    out.prefixes_v4, out.prefixes_v6 = len(v4), len(prefixes) - len(v4)
    with_secret: set[str] = set()
    live: set[str] = set()
    window_keys = {d: ip_window_key(hashing, k) for d, k in window_keys.items()}
    for address in _hosts(v4):
        packed = address.encode()
        for day in days:
            if _digest(hashing, b"ip|%d|%s" % (day, packed)) in counters:
                with_secret.add(address)
        for wkey in window_keys.values():
            if _digest(wkey, b"ip|" + packed) in counters:
                live.add(address)
    out.with_secret, out.live_window = len(with_secret), len(live)
    return out


def _note(
    key: bytes,
    raw: bytes,
    prefixes: set[str],
    counters: set[str],
    days: set[int],
    window_keys: dict[int, bytes],
) -> None:
    """What one record gives the attacker: prefixes, counter keys, days, day keys."""
    if key.startswith(b"v:i:"):
        counters.add(tag_of(key))
        try:
            days.update(int(t // DAY) for t in decode(raw, Events).ts)
        except msgspec.DecodeError:
            pass
    elif key.startswith((b"v:p:", b"r:")):
        prefixes.add(tag_of(key))
    elif key.startswith(WINDOW_KEY_PREFIX):
        day = window_day(key)
        if day is not None:
            window_keys[day] = raw
    elif key.startswith(b"s:"):
        record: Any = _decoded(raw, SessionRecord)
        if record is not None and record.ip_prefix:
            prefixes.add(record.ip_prefix)
    elif key.startswith(b"d:"):
        profile: Any = _decoded(raw, DeviceProfile)
        if profile is not None:
            prefixes.update(s.ip_prefix for s in profile.recent if s.ip_prefix)


def _decoded(raw: bytes, kind: type[Any]) -> Any:
    try:
        return decode(raw, kind)
    except msgspec.DecodeError:
        return None


def _v4(prefix: str) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) and net.prefixlen >= 16 else None


def _hosts(prefixes: list[str]) -> Iterable[str]:
    for prefix in prefixes:
        net = _v4(prefix)
        assert net is not None
        yield from (str(a) for a in net)


def _digest(key: bytes, text: bytes) -> str:
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:32]


def _unprefixed(key: bytes) -> bytes:
    """A key without its region's prefix (`eu/s:{...}`)."""
    head, slash, rest = key.partition(b"/")
    return rest if slash and b":" not in head and b"{" not in head else key


def format_linkage(out: Linkage) -> str:
    return "\n".join(
        [
            f"client addresses (brute force over {out.prefixes_v4} IPv4 prefixes x 256 hosts "
            f"x {out.days} days against {out.ip_counters} per-IP counters; "
            f"{out.prefixes_v6} IPv6 prefixes not tried):",
            f"  recoverable with the secret:           {out.with_secret}",
            f"  linkable until their day key is dropped: {out.live_window}",
            f"  day keys kept past their end:          {out.stale_window_keys}",
        ]
    )
