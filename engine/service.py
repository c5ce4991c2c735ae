"""The domain operations: sessions, collect, score, feedback, erasure, retention.

Every operation that changes state is synchronous and builds one WriteSet applied at its
end: there is no `await` between its reads and its write, so under Trio each operation is
atomic, and a cancelled request never leaves half a record behind.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from engine.config import MIN_RETENTION_DAYS, Tenant
from engine.devices import Registry
from engine.errors import Conflict, Forbidden, Gone, NotFound, PersonalData, ValidationFailed
from engine.features import Velocity
from engine.flags import FLAG_NAMES
from engine.lifecycle import Lifecycle, relabel
from engine.model import Runtime
from engine.plugins import PluginHost
from engine.privacy import IpFacts, IpReducer, find_identifier, sanitize, scan_payload
from engine.schema import (
    Attributes,
    CollectRequest,
    CollectResponse,
    ErasureResponse,
    FeedbackResponse,
    IpReputation,
    OptOutRequest,
    OptOutResponse,
    ScoreResponse,
    ScoreResult,
    SessionRecord,
    SessionResponse,
)
from engine.scoring import score_session, warm_up_plugins
from engine.secrets import Keys
from engine.state import (
    DAY,
    WINDOW,
    State,
    count_since,
    decode_events,
    encode,
    events_key,
    parse_purge_key,
    record_event,
    reputation_key,
)
from engine.storage import KeyValueStore, WriteSet
from engine.tokens import new_token, open_token, session_hash, tenant_tag
from engine.validation import convert, known_path

log = logging.getLogger("anonscore.service")


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ClientFacts(msgspec.Struct, frozen=True):
    """What the collect request itself says about the client (headers and peer)."""

    origin: str | None = None
    ip: str | None = None
    languages: tuple[str, ...] = ()  # primary tags of Accept-Language
    dnt: bool | None = None  # the DNT header: recorded, not obeyed (as the seeds state)
    proxy_headers: tuple[str, ...] = ()  # names (never values) of proxy evidence headers
    # The client's own description, which the collector cannot fake: User-Agent and the
    # Chromium client hints, each cut to a bound (None: the header was not sent).
    user_agent: str | None = None
    ch_ua: str | None = None  # Sec-CH-UA
    ch_ua_mobile: bool | None = None  # Sec-CH-UA-Mobile
    ch_ua_platform: str | None = None  # Sec-CH-UA-Platform, unquoted


class SessionRef(msgspec.Struct, frozen=True):
    """A checked token: its hash (the store's name for the session) and its times."""

    sh: str
    issued_at: float
    expires_at: float


REFUSED = "PERSONAL_DATA_REFUSED"  # the reason code of a session whose data was refused


def count_attributes(attrs: Attributes) -> int:
    """Number of attribute values present (leaves of the payload)."""
    n = 0
    for group in (
        attrs.device,
        attrs.software,
        attrs.network,
        attrs.behaviour,
        attrs.apps,
        attrs.location,
    ):
        for name in group.__struct_fields__:
            if getattr(group, name) is not None:
                n += 1
    return n + len(attrs.custom)


class Service:
    def __init__(
        self,
        store: KeyValueStore,
        keys: Keys,
        host: PluginHost,
        runtime: Runtime,
        ip_reducer: IpReducer,
    ) -> None:
        self.state = State(store)
        self.store = store
        self.keys = keys
        self.host = host
        self.runtime = runtime
        self.ip = ip_reducer
        self.clock = time.time  # replaceable in tests
        self.lifecycle = Lifecycle(self.state, store, keys)
        # (live score, shadow score) of each first score, when a shadow model is loaded
        self.on_shadow: Callable[[float, float], None] | None = None

    # -- tenants ---------------------------------------------------------------------------

    def tenant_for_site(self, site_key: str, origin: str | None) -> Tenant:
        tenant = self.runtime.config.by_site_key.get(site_key)
        if tenant is None:
            raise Forbidden(
                "unknown site key; use the site key of your tenant config", field="site_key"
            )
        if origin is not None and origin not in tenant.allowed_origins:
            raise Forbidden(
                "this page's origin is not allowed for the site key; add it to "
                "the tenant's allowed_origins"
            )
        return tenant

    # -- sessions --------------------------------------------------------------------------

    def create_session(self, tenant: Tenant, now: float) -> SessionResponse:
        """A new signed token. Nothing is stored: the first collect makes the record."""
        token = new_token(self.keys.token, now, tenant.id)
        expires = now + self.runtime.config.service.session_ttl_s
        return SessionResponse(
            session_id=token, expires_at=rfc3339(expires), collect=tenant.collect_flags()
        )

    def session_ref(self, tenant: Tenant, session_id: str) -> SessionRef:
        """The stored session behind a token of this tenant (the record may not exist yet).
        A forged token, or another tenant's, is unknown: 404."""
        info = open_token(self.keys.token, session_id)
        if info is None or not hmac.compare_digest(
            info.tenant_tag, tenant_tag(self.keys.token, tenant.id)
        ):
            raise NotFound("unknown session; create one with POST /v1/sessions", field="session_id")
        sh = session_hash(self.keys.hashing, session_id)
        expires = info.issued_at + self.runtime.config.service.session_ttl_s
        return SessionRef(sh=sh, issued_at=info.issued_at, expires_at=expires)

    def session_record(self, session_id: str) -> SessionRecord | None:
        """The stored record of a token, whoever its tenant (tests and tools)."""
        return self.state.session(session_hash(self.keys.hashing, session_id))

    def _own_session(self, tenant: Tenant, session_id: str, now: float) -> SessionRecord:
        """The collected session, for score and feedback."""
        ref = self.session_ref(tenant, session_id)
        record = self.state.session(ref.sh)
        if record is not None and record.tenant == tenant.id:
            return record
        if now <= ref.expires_at and not self.state.erased(ref.sh):
            raise Conflict(
                "no attributes were collected for this session yet; the page "
                "must post /v1/collect (collector flush) before scoring",
                field="session_id",
            )
        raise NotFound(
            "unknown session; it was never collected, was erased or has expired",
            field="session_id",
        )

    # -- collect ---------------------------------------------------------------------------

    def collect(self, raw: dict[str, Any], client: ClientFacts, now: float) -> CollectResponse:
        # 1. privacy firewall on every string of the raw body, before anything else
        # the client IP's country is the region hint for national-format phone numbers
        facts: IpFacts = self.ip.reduce(client.ip) if client.ip else IpFacts()
        try:
            scan_payload(raw, "", region=facts.country)
        except PersonalData as exc:
            self._refused(raw, client, now)
            # the answer names the field only as far as the schema knows it: a key the
            # caller made up (in attributes.custom, or unknown) is never repeated
            exc.field = known_path(CollectRequest, exc.field or "") or None
            raise
        except ValidationFailed as exc:  # nesting too deep
            exc.field = known_path(CollectRequest, exc.field or "") or None
            raise
        req = convert(raw, CollectRequest)
        tenant = self.tenant_for_site(req.site_key, client.origin)
        ref = self.session_ref(tenant, req.session_id)
        if now > ref.expires_at:
            raise Gone(
                "session expired; create a new one with POST /v1/sessions", field="session_id"
            )
        if self.state.erased(ref.sh):
            raise NotFound("this session was erased; create a new one", field="session_id")
        record = self.state.session(ref.sh)
        if record is not None and record.scored is not None:
            raise Conflict(
                "this session was scored and is sealed; its attributes cannot change. "
                "Create a new session for a new application",
                field="session_id",
            )
        if record is not None and record.refused:
            raise Conflict(
                "this session's data was refused for personal data and deleted; it takes no "
                "more payloads. Create a new session",
                field="session_id",
            )
        if record is None:
            record = SessionRecord(
                tenant=tenant.id,
                created_at=ref.issued_at,
                expires_at=ref.expires_at,
                region=tenant.region,
                purge_at=now,
            )
            fresh = True
        else:
            fresh = False
        # 2. make the payload safe: drop what the tenant did not enable, hash, round
        optional = tenant.optional_for(req.attributes.software.sdk_version)
        attrs, dropped = sanitize(req.attributes, optional, self.keys.hashing)
        svc = self.runtime.config.service
        w = WriteSet()
        ip_velocity = Velocity()
        if client.ip and facts.prefix is not None:
            ip_velocity = self._count_ip(w, client.ip, now, first=record.collected_at is None)
        elif record.ip_velocity_h24 is not None:
            ip_velocity = Velocity(h1=record.ip_velocity_h1 or 0, h24=record.ip_velocity_h24)
        wifi_devices = record.wifi_devices_h24
        if attrs.network.wifi_bssid_hash is not None:
            wifi_devices = self._count_wifi(w, attrs, now, first=record.collected_at is None)
        headers, withheld = _header_evidence(client, req.attributes.software.user_agent)
        new = msgspec.structs.replace(
            record,
            collected_at=now,
            channel=req.channel,
            attributes=attrs,
            ip_prefix=facts.prefix,
            ip_velocity_h1=ip_velocity.h1,
            ip_velocity_h24=ip_velocity.h24,
            ip_country=facts.country,
            ip_asn=facts.asn,
            ip_asn_name=facts.asn_name,
            ip_hosting=facts.hosting,
            ip_vpn=facts.vpn,
            ip_tor_exit=facts.tor_exit if facts.prefix is not None else None,
            proxy_headers=list(client.proxy_headers) or None,
            header_languages=list(client.languages) or None,
            do_not_track_header=client.dnt,
            http_user_agent=headers.get("user-agent"),
            http_ch_ua=headers.get("sec-ch-ua"),
            http_ch_ua_mobile=client.ch_ua_mobile,
            http_ch_ua_platform=headers.get("sec-ch-ua-platform"),
            http_withheld=withheld or None,
            wifi_devices_h24=wifi_devices,
            purge_at=now + svc.unscored_retention_days * DAY,
        )
        State.put_session(w, ref.sh, None if fresh else record, new)
        self.store.apply(w)
        return CollectResponse(accepted=count_attributes(attrs), dropped=dropped)

    def _refused(self, raw: dict[str, Any], client: ClientFacts, now: float) -> None:
        """A payload carried personal data (the caller answers 422, this payload is not
        stored). As the seeds require, what was collected earlier for the session is deleted;
        a marker keeps the session answerable (/v1/score: PERSONAL_DATA_REFUSED, no device)
        and takes no more payloads. A scored session is sealed: it is left as it is.
        Nothing happens when the request does not name a live session of the tenant."""
        sid, site = raw.get("session_id"), raw.get("site_key")
        if not isinstance(sid, str) or not isinstance(site, str):
            return
        try:
            tenant = self.tenant_for_site(site, client.origin)
            ref = self.session_ref(tenant, sid)
        except (Forbidden, NotFound):
            return
        if now > ref.expires_at or self.state.erased(ref.sh):
            return
        record = self.state.session(ref.sh)
        if record is not None and (record.scored is not None or record.refused):
            return
        w = WriteSet()
        if record is not None:
            State.delete_session(w, ref.sh, record)
        marker = SessionRecord(
            tenant=tenant.id,
            created_at=ref.issued_at,
            expires_at=ref.expires_at,
            region=tenant.region,
            purge_at=now + self.runtime.config.service.unscored_retention_days * DAY,
            collected_at=now,
            refused=True,
        )
        State.put_session(w, ref.sh, None, marker)
        self.store.apply(w)

    def _count_ip(self, w: WriteSet, ip: str, now: float, *, first: bool) -> Velocity:
        """Sessions from this IP in the last hour and day, this one included.

        The full address is never stored: events sit under a keyed hash whose key changes
        every day (UTC), so yesterday's and today's keys cover any 24 h window and nothing
        links an address across days. Only the first collect of a session counts."""
        day = int(now // DAY)
        today, yesterday = self._ip_key(ip, day), self._ip_key(ip, day - 1)
        current = self.state.events("i", today)
        if first:
            current = record_event(current, now)
            w.put(events_key("i", today), encode(current))
        events = self.state.events("i", yesterday).ts + current.ts
        return Velocity(
            h1=sum(1 for t in events if t > now - 3600), h24=sum(1 for t in events if t > now - DAY)
        )

    def _count_wifi(self, w: WriteSet, attrs: Attributes, now: float, *, first: bool) -> int:
        """Distinct devices seen on this Wi-Fi router (its BSSID, already a keyed hash) in
        the last day, this one included: a device farm is many phones on one router.

        A device is its install ID or MAC hash (already keyed hashes); one without either
        counts once per session. A pair key (router, device) remembers which devices were
        counted; both are events keys, pruned with the other velocity records."""
        bssid = attrs.network.wifi_bssid_hash or ""
        router = self._hkey(f"wifi|{bssid}")
        events = self.state.events("w", router)
        if first:
            device = attrs.device.device_id_hash or attrs.device.mac_hash
            pair = self._hkey(f"wifi|{bssid}|{device}") if device else None
            seen = pair is not None and bool(count_since(self.state.events("wd", pair), now - DAY))
            if not seen:
                events = record_event(events, now)
                w.put(events_key("w", router), encode(events))
            if pair is not None:
                w.put(
                    events_key("wd", pair), encode(record_event(self.state.events("wd", pair), now))
                )
        return count_since(events, now - DAY)

    def _hkey(self, text: str) -> str:
        return hmac.new(self.keys.hashing, text.encode(), hashlib.sha256).hexdigest()[:32]

    def _ip_key(self, ip: str, day: int) -> str:
        return hmac.new(self.keys.hashing, f"ip|{day}|{ip}".encode(), hashlib.sha256).hexdigest()[
            :32
        ]

    # -- score -----------------------------------------------------------------------------

    def score(self, tenant: Tenant, session_id: str, now: float) -> ScoreResponse:
        record = self._own_session(tenant, session_id, now)
        if record.scored is not None:
            # idempotent: a scored session is sealed, the answer stays what the lender saw
            return msgspec.structs.replace(record.scored.response, session_id=session_id)
        if record.refused:
            return self._score_refused(tenant, session_id, record, now)
        if record.attributes is None or record.collected_at is None or record.channel is None:
            raise Conflict(
                "no attributes were collected for this session yet; the page "
                "must post /v1/collect (collector flush) before scoring",
                field="session_id",
            )
        sh = session_hash(self.keys.hashing, session_id)
        response, w, shadow = score_session(
            self.state, self.keys, self.host, self.runtime, tenant, sh, record, now
        )
        self.store.apply(w)
        if shadow is not None and self.on_shadow is not None:
            self.on_shadow(response.score, shadow)
        return msgspec.structs.replace(response, session_id=session_id)

    def _score_refused(
        self, tenant: Tenant, session_id: str, record: SessionRecord, now: float
    ) -> ScoreResponse:
        """The answer for a session whose data was refused: the model's score of the one
        reason PERSONAL_DATA_REFUSED, no device, no user; kept, so it stays the same."""
        strengths = {REFUSED: 1.0}
        score, reasons = self.runtime.model.score(strengths)
        response = ScoreResponse(
            session_id="",
            score=score,
            device_id=None,
            device_confidence=0.0,
            user_id=None,
            flags=dict.fromkeys(FLAG_NAMES, False),
            attributes={"channel": None, "ip_country": None, "ip_asn": None, "ip_asn_name": None},
            reasons=reasons,
            model_version=self.runtime.model.version,
        )
        sh = session_hash(self.keys.hashing, session_id)
        new = msgspec.structs.replace(
            record,
            scored=ScoreResult(response=response, collected_at=now, strengths=strengths),
            purge_at=now + tenant.retention_days * DAY,
        )
        w = WriteSet()
        State.put_session(w, sh, record, new)
        self.store.apply(w)
        return msgspec.structs.replace(response, session_id=session_id)

    def warm_up(self) -> None:
        """Run every plugin and the kernel once on a sample session; nothing is stored."""
        warm_up_plugins(self.host, self.runtime, self.clock())

    # -- feedback --------------------------------------------------------------------------

    def feedback(self, tenant: Tenant, session_id: str, label: str) -> FeedbackResponse:
        record = self._own_session(tenant, session_id, self.clock())
        if record.scored is None or record.device_key is None:
            raise Conflict(
                "feedback is accepted for scored sessions only; call /v1/score first",
                field="session_id",
            )
        if record.label == label:
            return FeedbackResponse(session_id=session_id, label=label)
        w = WriteSet()
        Registry(self.state, self.keys).feedback(
            w, record.device_key, tenant.id, record.label, label, self.clock()
        )
        if record.ip_prefix:
            rep = self.state.reputation(record.ip_prefix)
            reports = relabel(rep.reports, tenant.id, record.label, label, self.clock())
            w.put(reputation_key(record.ip_prefix), encode(IpReputation(reports=reports)))
        sh = session_hash(self.keys.hashing, session_id)
        State.put_session(w, sh, record, msgspec.structs.replace(record, label=label))
        self.store.apply(w)
        return FeedbackResponse(session_id=session_id, label=label)

    # -- erasure ---------------------------------------------------------------------------

    def erase_session(self, tenant: Tenant, session_id: str) -> ErasureResponse:
        """Delete the session; until its token expires a tombstone keeps a later collect
        from bringing it back. Idempotent; another tenant's session is never touched."""
        try:
            ref = self.session_ref(tenant, session_id)
        except NotFound:
            return ErasureResponse(deleted=0)
        record = self.state.session(ref.sh)
        w = WriteSet()
        deleted = 0
        if record is not None and record.tenant == tenant.id:
            self.lifecycle.withdraw_session(w, ref.sh, record, self.clock())
            deleted = 1
        if self.clock() <= ref.expires_at and not self.state.erased(ref.sh):
            State.put_tombstone(w, ref.sh, ref.expires_at)
        self.store.apply(w)
        return ErasureResponse(deleted=deleted)

    async def erase_device(self, tenant: Tenant, device_id: str) -> ErasureResponse:
        """The tenant's sessions of the device and its part of the device (reports, last
        visit, ID mapping); another tenant's evidence stays. Idempotent."""
        dkey = self.state.mapped_device(tenant.id, device_id)
        if dkey is None:
            return ErasureResponse(deleted=0)
        sessions = await self.lifecycle.tenant_sessions(tenant.id, dkey)
        deleted = self.lifecycle.erase_tenant_device(tenant.id, dkey, sessions, self.clock())
        return ErasureResponse(deleted=deleted)

    async def optout(self, raw: dict[str, Any], client: ClientFacts) -> OptOutResponse:
        """The end user's opt-out from the page: the session, and what its device (found by
        the session's link, or by its persistent session) holds at this tenant."""
        req = convert(raw, OptOutRequest)
        tenant = self.tenant_for_site(req.site_key, client.origin)
        ref = self.session_ref(tenant, req.session_id)
        now = self.clock()
        record = self.state.session(ref.sh)
        dkey = None
        if record is not None and record.tenant == tenant.id:
            dkey = record.device_key or self._persistent_device(record, now)
        erased = 0
        if dkey is not None:
            sessions = await self.lifecycle.tenant_sessions(tenant.id, dkey)
            erased = self.lifecycle.erase_tenant_device(tenant.id, dkey, sessions, now)
        # the session itself (when it was not yet under its device), and a tombstone
        w = WriteSet()
        record = self.state.session(ref.sh)
        if record is not None and record.tenant == tenant.id:
            self.lifecycle.withdraw_session(w, ref.sh, record, now)
            erased += 1
        if now <= ref.expires_at and not self.state.erased(ref.sh):
            State.put_tombstone(w, ref.sh, ref.expires_at)
        self.store.apply(w)
        return OptOutResponse(erased=erased)

    def _persistent_device(self, record: SessionRecord, now: float) -> str | None:
        """The device a collected, unscored session's persistent session decisively names."""
        attrs = record.attributes
        if attrs is None or record.channel is None or not attrs.software.persistent_session:
            return None
        registry = Registry(self.state, self.keys)
        sighting = registry.sight(attrs, record.channel, now, record.ip_prefix)
        link = registry.link(sighting, record.tenant, now)
        return link.dkey if link.profile is not None and link.confidence >= 0.99 else None

    # -- retention -------------------------------------------------------------------------

    async def sweep(self, now: float | None = None, batch: int = 500) -> int:
        """Delete every session whose purge time has passed (and expired tombstones).
        Returns how many sessions."""
        now = self.clock() if now is None else now
        limit = f"x:{int(now):012d}".encode()
        removed = 0
        while True:
            rows = await self.store.scan(b"x:", limit=batch)
            due = [key for key, _ in rows if key < limit]
            if not due:
                return removed
            w = WriteSet()
            for key in due:
                stamp, record_key = parse_purge_key(key)
                w.delete(key)
                if record_key.startswith(b"t:"):
                    w.delete(record_key)
                    continue
                sh = record_key[2:].decode()
                try:
                    record = self.state.session(sh)
                except msgspec.DecodeError:  # unreadable: it can only be removed
                    log.warning("malformed session record removed by the sweep")
                    w.delete(record_key)
                    continue
                if record is not None and int(record.purge_at) == stamp:
                    # its feedback leaves the shared records with it
                    self.lifecycle.withdraw_session(w, sh, record, now)
                    removed += 1
            self.store.apply(w)
            if len(due) < len(rows) or len(rows) < batch:
                return removed

    async def sweep_records(self, now: float | None = None) -> int:
        """Derived records past their tenants' retention (engine/lifecycle.py)."""
        now = self.clock() if now is None else now
        tenants = self.runtime.config.tenants

        def retention_days(tenant: str) -> int:
            if not tenant:  # the longest any tenant has
                return max((t.retention_days for t in tenants.values()), default=730)
            known = tenants.get(tenant)
            return known.retention_days if known is not None else MIN_RETENTION_DAYS

        return await self.lifecycle.sweep_records(now, retention_days)

    async def sweep_velocity(self, now: float | None = None, batch: int = 2000) -> int:
        """Delete velocity records with no event inside the window. Returns how many."""
        now = self.clock() if now is None else now
        cutoff = now - WINDOW
        removed = 0
        start: bytes | None = None
        while True:
            rows = await self.store.scan(b"v:", start=start, limit=batch)
            w = WriteSet()
            for key, raw in rows:
                events = decode_events(raw)
                if not events.ts or events.ts[-1] <= cutoff:
                    w.delete(key)
            # a key written meanwhile by a request is newer: re-check it before deleting
            for key in list(w.deletes):
                current = self.store.get(key)
                if current is not None and decode_events(current).ts[-1:] > [cutoff]:
                    w.deletes.discard(key)
            removed += len(w)
            self.store.apply(w)
            if len(rows) < batch:
                return removed
            start = rows[-1][0] + b"\0"


def _header_evidence(
    client: ClientFacts, payload_ua: str | None
) -> tuple[dict[str, str], list[str]]:
    """The request headers that may be stored, and the names of those withheld.

    They are stored like the payload's own user agent (the same kind of string, bounded):
    rules re-run on stored sessions need the string, not a parse frozen at collection. A
    header is scanned as payload strings are (a crawler's contact e-mail in its User-Agent
    is a direct identifier); one that carries an identifier is not stored, only named."""
    kept: dict[str, str] = {}
    withheld: list[str] = []
    for name, value in (
        ("user-agent", client.user_agent or ""),  # "": none sent, itself evidence
        ("sec-ch-ua", client.ch_ua),
        ("sec-ch-ua-platform", client.ch_ua_platform),
    ):
        if value is None:
            continue
        if value != payload_ua and find_identifier(value, "user_agent") is not None:
            withheld.append(name)
        else:
            kept[name] = value
    return kept, withheld


def check_erasure_request(session_id: str | None, device_id: str | None) -> None:
    if (session_id is None) == (device_id is None):
        raise ValidationFailed("give exactly one of session_id or device_id")
