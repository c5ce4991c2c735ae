"""Typed records over the key-value store: the key layout and the codecs, in one place.

s:{<session hash>}                      SessionRecord (keyed hash of the token: tokens.py)
t:{<session hash>}                      tombstone of an erased session (until its token expires)
d:{<device_key>}                        DeviceProfile (cross-tenant)
v:<kind>:{<key>}                        Events (d=device, i=window-keyed ip hash, p=ip prefix)
e:{window}<day>                         32 random bytes keying that day's per-IP counters
r:{<ip prefix>}                         IpReputation (feedback per /24 or /48, per tenant)
m:<tenant>\0<device_id>                 device_key behind a tenant's public device ID
i:{<device_key>}<tenant>\0<session hash>  index of a tenant's sessions per device
x:{<day, 6 digits>}<purge_at, 12 digits>\0<record key>
                                        retention index, one bucket (one slot) per UTC day
                                        of purge_at: a sweep reads only the due buckets
x:{sweep}<next | legacy>                the sweep's cursor (first day not swept through) and
                                        the mark that no entry of the old layout is left
                                        (cluster store only, one pair in each region's store)
b:<group><band>:<hash>                  DeviceList: devices sharing a band of components
u:<hash>                                DeviceList: user keys of machines showing these components
k:<group>:<hash>                        PopulationSketch: sightings of one whole fingerprint
j:{journal}<id>                         ErasureJournal: an erasure under way (one slot for all)
l:{lease}<name>                         SweepLease: which process runs a sweep (shared stores)
w:{trust}<tenant>                       TenantTrust: how often a tenant's reports are corroborated
f:<tenant>\0<at, 12 digits>\0<hash>     ReportEntry: a tenant's report log (list, revoke)
q:{<tenant>}<day number>                ReportVolume: a tenant's scored sessions and reports a day
a:<at, 12 digits>\0<id>                 AuditEntry: an operator's action on reports
z:{deployment}secret                    the deployment's server secret (cluster store only:
                                        engine/runtime/shared_secret.py)
c:{<tenant>}<s:kind | n:hash>           a quota's sliding window, a sorted set (cluster store
                                        only: engine/http/quotas.py)
o:{outbox}<event id>                    WebhookEvent: a webhook not delivered yet (one slot)
g:{<tenant>}<at>\0<event id>\0<attempt>  WebhookAttempt: a tenant's webhook delivery log

The `{...}` parts are hash tags: on a Redis Cluster a key's slot is that of its first tag,
so a session's keys (`s:`, `t:`, its `x:` entry) share one slot and a device's (`d:`, its
`v:d:` events, its `i:` index entries) another, and each group is written atomically
(MULTI/EXEC per slot). On RocksDB the braces are just bytes. Time-bound records also carry
an absolute expiry (`WriteSet.put(..., expire_at=)`), which a store with native TTLs uses.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from engine.schema import (
    AuditEntry,
    DeviceList,
    DeviceProfile,
    ErasureJournal,
    Events,
    IpReputation,
    PopulationSketch,
    ReportEntry,
    ReportVolume,
    SessionRecord,
    SweepLease,
    TenantTrust,
    WebhookAttempt,
    WebhookEvent,
)
from engine.store import KeyValueStore, WriteSet

T = TypeVar("T")

_enc = msgspec.msgpack.Encoder()


class RecordKind(msgspec.Struct, frozen=True):
    """One record type of the layout above, for tools that read the whole store (audit).

    `made_by_service`: dotted paths (`*` for any list item or map value) of fields the
    service itself writes (keyed hashes, internal ids, our own index data); the audit scans
    every other string. Keys are the service's own: ids, hashes, prefixes, never data."""

    prefix: bytes
    name: str
    kind: type[msgspec.Struct] | None  # None: the value is raw bytes
    made_by_service: tuple[str, ...] = ()
    born: str | None = None  # the field holding when the record was made (its age)


_PSEUDONYMS = (
    "attributes.device.device_id_hash",
    "attributes.device.mac_hash",
    "attributes.network.wifi_bssid_hash",
    "attributes.software.persistent_session",
)
RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        b"s:",
        "session",
        SessionRecord,
        (
            *_PSEUDONYMS,
            "device_key",
            "scored.response.device_id",
            "scored.response.user_id",
            "scored.response.model_version",
            "scored.response.reasons.*.code",
        ),
        born="created_at",
    ),
    RecordKind(b"t:", "session tombstone", None),
    RecordKind(
        b"d:",
        "device profile",
        DeviceProfile,
        (
            "recent.*.components.*",
            "recent.*.browser",
            "recent.*.gpu_raw",
            "recent.*.ip_prefix",
            "bands.*",
            "user_key",
            "user_bands.*",
            "reports.*.by.*",
        ),
        born="first_seen",
    ),
    RecordKind(b"v:", "velocity events", Events, born="ts.0"),
    RecordKind(b"e:", "velocity window key", None, ("*",)),
    RecordKind(b"r:", "ip reputation", IpReputation),
    RecordKind(b"m:", "device id mapping", None, ("*",)),
    RecordKind(b"i:", "device session index", None),
    RecordKind(b"x:", "retention index", None),
    RecordKind(b"b:", "device band index", DeviceList, ("keys.*",)),
    RecordKind(b"u:", "user band index", DeviceList, ("keys.*",)),
    RecordKind(b"k:", "population sketch", PopulationSketch, ("tenants.*.*.prefixes",)),
    RecordKind(
        b"j:",
        "erasure journal",
        ErasureJournal,
        ("device_key", "sessions.*", "session"),
        born="at",
    ),
    RecordKind(b"l:", "sweep lease", SweepLease, ("holder",)),
    RecordKind(b"w:", "tenant trust", TenantTrust, born="updated_at"),
    RecordKind(b"f:", "report log", ReportEntry, ("session", "label"), born="at"),
    RecordKind(b"q:", "report volume", ReportVolume),
    RecordKind(b"a:", "report audit", AuditEntry, ("action", "tenant"), born="at"),
    RecordKind(b"z:", "deployment secret", None, ("*",)),
    RecordKind(b"c:", "quota window", None, ("*",)),
    RecordKind(b"o:", "webhook outbox", WebhookEvent, ("tenant", "type"), born="created_at"),
    RecordKind(
        b"g:", "webhook log", WebhookAttempt, ("event", "type", "outcome", "error"), born="at"
    ),
)


def record_kind(key: bytes) -> RecordKind | None:
    for kind in RECORD_KINDS:
        if key.startswith(kind.prefix):
            return kind
    return None


DAY = 86_400.0
WINDOW = DAY  # velocity events older than this are pruned
MAX_EVENTS = 1024  # per key; counts saturate there


def tagged(prefix: str, tag: str) -> bytes:
    return f"{prefix}{{{tag}}}".encode()


def tag_of(key: bytes) -> str:
    """The hash tag of a key: what its first `{...}` holds ("" when it has none)."""
    start = key.find(b"{")
    end = key.find(b"}", start + 1)
    return key[start + 1 : end].decode() if start >= 0 and end > start else ""


def session_key(sh: str) -> bytes:
    return tagged("s:", sh)


def tombstone_key(sh: str) -> bytes:
    return tagged("t:", sh)


def device_key_(dkey: str) -> bytes:
    return tagged("d:", dkey)


def events_key(kind: str, key: str) -> bytes:
    return tagged(f"v:{kind}:", key)


WINDOW_KEY_PREFIX = tagged("e:", "window")


def window_key(day: int) -> bytes:
    """The random key of the per-IP counters of UTC day `day` (days since the epoch)."""
    return WINDOW_KEY_PREFIX + str(day).encode()


def window_day(key: bytes) -> int | None:
    tail = key[len(WINDOW_KEY_PREFIX) :]
    return int(tail) if key.startswith(WINDOW_KEY_PREFIX) and tail.isdigit() else None


def window_ends(day: int) -> float:
    """When day `day`'s key is dropped: once the longest counter reading it (24 h, so the
    next day too) has ended. After that its counters name no address, secret or not."""
    return (day + 2) * DAY


def reputation_key(prefix: str) -> bytes:
    return tagged("r:", prefix)


def mapping_key(tenant: str, device_id: str) -> bytes:
    return f"m:{tenant}\0{device_id}".encode()


def index_prefix(tenant: str, dkey: str) -> bytes:
    return tagged("i:", dkey) + f"{tenant}\0".encode()


def index_key(tenant: str, dkey: str, sh: str) -> bytes:
    return index_prefix(tenant, dkey) + sh.encode()


JOURNAL_PREFIX = tagged("j:", "journal")


def journal_key(entry_id: str) -> bytes:
    return JOURNAL_PREFIX + entry_id.encode()


LEASE_PREFIX = tagged("l:", "lease")


def lease_key(name: str) -> bytes:
    return LEASE_PREFIX + name.encode()


TRUST_PREFIX = tagged("w:", "trust")


def trust_key(tenant: str) -> bytes:
    return TRUST_PREFIX + tenant.encode()


def report_log_prefix(tenant: str) -> bytes:
    return f"f:{tenant}\0".encode()


def report_log_key(tenant: str, at: float, sh: str) -> bytes:
    return report_log_prefix(tenant) + f"{int(at):012d}\0{sh}".encode()


def volume_key(tenant: str, day: int) -> bytes:
    return tagged("q:", tenant) + str(day).encode()


def audit_key(at: float, entry_id: str) -> bytes:
    return f"a:{int(at):012d}\0{entry_id}".encode()


OUTBOX_PREFIX = tagged("o:", "outbox")


def outbox_key(event_id: str) -> bytes:
    return OUTBOX_PREFIX + event_id.encode()


def delivery_log_prefix(tenant: str) -> bytes:
    return tagged("g:", tenant)


def delivery_log_key(tenant: str, at: float, event_id: str, attempt: int) -> bytes:
    return delivery_log_prefix(tenant) + f"{int(at):012d}\0{event_id}\0{attempt}".encode()


def purge_bucket(day: int) -> bytes:
    """The prefix of UTC day `day`'s retention bucket: every entry due that day, under one
    hash tag (one slot on a cluster), in purge order."""
    return tagged("x:", f"{day:06d}")


def purge_key(purge_at: float, record_key: bytes) -> bytes:
    stamp = int(purge_at)
    return purge_bucket(stamp // int(DAY)) + f"{stamp:012d}\0".encode() + record_key


def parse_purge_key(key: bytes) -> tuple[int, bytes]:
    """(purge time, the key of the record it retires), of either layout (a legacy entry,
    `x:<purge_at>\0<record key>`, is what a store written before the buckets holds)."""
    rest = key[2:]
    if rest.startswith(b"{"):
        rest = rest[rest.index(b"}") + 1 :]
    stamp, _, record_key = rest.partition(b"\0")
    return int(stamp), record_key


LEGACY_PURGE_PREFIX = b"x:0"  # the old layout's entries (stamps below 10^11 start with 0)
SWEEP_BOOKKEEPING = tagged("x:", "sweep")  # each store's own (cluster store only)
SWEEP_CURSOR_KEY = SWEEP_BOOKKEEPING + b"next"
LEGACY_DONE_KEY = SWEEP_BOOKKEEPING + b"legacy"


def encode(record: msgspec.Struct) -> bytes:
    return _enc.encode(record)


class State:
    """Reads and write-set builders for every record type."""

    def __init__(self, store: KeyValueStore) -> None:
        self.store = store

    def session(self, sh: str) -> SessionRecord | None:
        raw = self.store.get(session_key(sh))
        return None if raw is None else decode(raw, SessionRecord)

    def sessions(self, shs: list[str]) -> list[SessionRecord | None]:
        """Several sessions in one read (one round on a remote store)."""
        raws = self.store.get_many([session_key(sh) for sh in shs])
        return [None if raw is None else decode(raw, SessionRecord) for raw in raws]

    def erased(self, sh: str) -> bool:
        return self.store.get(tombstone_key(sh)) is not None

    def device(self, dkey: str) -> DeviceProfile | None:
        raw = self.store.get(device_key_(dkey))
        return None if raw is None else decode(raw, DeviceProfile)

    def events(self, kind: str, key: str) -> Events:
        raw = self.store.get(events_key(kind, key))
        return Events() if raw is None else decode(raw, Events)

    def reputation(self, prefix: str) -> IpReputation:
        raw = self.store.get(reputation_key(prefix))
        return IpReputation() if raw is None else decode(raw, IpReputation)

    def band(self, key: bytes) -> DeviceList:
        raw = self.store.get(key)
        return DeviceList() if raw is None else decode(raw, DeviceList)

    def bands(self, keys: list[bytes]) -> list[DeviceList]:
        return [DeviceList() if raw is None else decode(raw, DeviceList)
                for raw in self.store.get_many(keys)]  # fmt: skip

    def devices(self, dkeys: list[str]) -> list[DeviceProfile | None]:
        raws = self.store.get_many([device_key_(k) for k in dkeys])
        return [None if raw is None else decode(raw, DeviceProfile) for raw in raws]

    def sketch(self, key: bytes) -> PopulationSketch | None:
        raw = self.store.get(key)
        return None if raw is None else decode(raw, PopulationSketch)

    def trusts(self, tenants: list[str]) -> dict[str, TenantTrust]:
        """The trust records of these tenants (one read; an absent one is a new tenant's)."""
        raws = self.store.get_many([trust_key(t) for t in tenants])
        return {
            t: TenantTrust() if raw is None else decode(raw, TenantTrust)
            for t, raw in zip(tenants, raws, strict=True)
        }

    def volumes(self, tenant: str, days: list[int]) -> list[ReportVolume]:
        raws = self.store.get_many([volume_key(tenant, d) for d in days])
        return [ReportVolume() if raw is None else decode(raw, ReportVolume) for raw in raws]

    def mapped_device(self, tenant: str, device_id: str) -> str | None:
        raw = self.store.get(mapping_key(tenant, device_id))
        return None if raw is None else raw.decode()

    @staticmethod
    def put_session(w: WriteSet, sh: str, old: SessionRecord | None, new: SessionRecord) -> None:
        """Write a session and keep its retention index entry in step with `purge_at`."""
        key = session_key(sh)
        if old is not None and int(old.purge_at) != int(new.purge_at):
            w.delete(purge_key(old.purge_at, key))
        w.put(purge_key(new.purge_at, key), b"", expire_at=new.purge_at + DAY)
        # a day's grace on the native expiry: the sweep, which also takes the session's
        # feedback back from the shared records, comes first where it runs
        w.put(key, encode(new), expire_at=new.purge_at + DAY)

    @staticmethod
    def delete_session(w: WriteSet, sh: str, record: SessionRecord) -> None:
        key = session_key(sh)
        w.delete(key)
        w.delete(purge_key(record.purge_at, key))
        if record.device_key is not None:
            w.delete(index_key(record.tenant, record.device_key, sh))

    @staticmethod
    def put_tombstone(w: WriteSet, sh: str, until: float) -> None:
        """Mark an erased session so its token cannot bring it back before it expires."""
        key = tombstone_key(sh)
        w.put(key, b"", expire_at=until + DAY)
        w.put(purge_key(until, key), b"", expire_at=until + DAY)


def record_event(events: Events, now: float) -> Events:
    """Append `now`, drop what is older than the window, cap the list."""
    cutoff = now - WINDOW
    ts = [t for t in events.ts if t > cutoff]
    ts.append(now)
    if len(ts) > MAX_EVENTS:
        ts = ts[-MAX_EVENTS:]
    return Events(ts=ts)


def decode(raw: bytes, kind: type[T]) -> T:
    """A stored record of type `kind`; msgspec.DecodeError when `raw` is not one."""
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.msgpack.Decoder(kind)
    return decoder.decode(raw)  # type: ignore[no-any-return]


_decoders: dict[type[Any], msgspec.msgpack.Decoder[Any]] = {}  # one per record type


def count_since(events: Events, since: float) -> int:
    return sum(1 for t in events.ts if t > since)
