"""Collect, as one operation on the store: the session record, the counters it feeds, and
the refusal of a payload that carries personal data.

These are synchronous functions of a store view (`State`) that return their answer and
their writes; `engine/sessions/service.py` runs them with `transact` (engine/store/_tx.py) after
the privacy firewall and the schema have passed the payload. Nothing here awaits.
"""

from __future__ import annotations

import hashlib
import hmac

import msgspec

from engine.config import ServiceFile, Tenant
from engine.errors import Conflict, NotFound
from engine.features import Velocity
from engine.privacy import IpFacts, find_identifier
from engine.schema import Attributes, CollectResponse, Events, SessionRecord
from engine.store import WriteSet, random_bytes
from engine.store.keys import (
    DAY,
    WINDOW,
    State,
    count_since,
    encode,
    events_key,
    record_event,
    window_ends,
    window_key,
)

CLIENT_HEADERS = ("user-agent", "sec-ch-ua", "sec-ch-ua-platform")


class Collected(msgspec.Struct, frozen=True):
    """A payload that passed the firewall, sanitized, with what the request said."""

    tenant: Tenant
    sh: str
    issued_at: float
    expires_at: float
    channel: str
    attributes: Attributes
    dropped: list[str]
    facts: IpFacts
    ip: str | None
    proxy_headers: tuple[str, ...]
    languages: tuple[str, ...]
    dnt: bool | None
    headers: dict[str, str]  # CLIENT_HEADERS that may be stored
    withheld: list[str]
    ch_ua_mobile: bool | None
    header_order: tuple[str, ...] = ()  # names only (engine/http/client.py ORDERED_HEADERS)


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
        attrs.coherence,
    ):
        for name in group.__struct_fields__:
            if getattr(group, name) is not None:
                n += 1
    return n + len(attrs.custom)


def collect_op(
    st: State, key: bytes, cfg: ServiceFile, c: Collected, now: float
) -> tuple[CollectResponse, WriteSet]:
    """The record of a collected payload, and the counters it feeds. `key`: the hashing
    key (Wi-Fi counters; with each day's own key, the per-IP ones: `_count_ip`)."""
    if c.ip and c.facts.prefix is not None:  # fetched with the session on a remote store
        day = int(now // DAY)
        st.store.prefetch([window_key(day), window_key(day - 1)])
    old = _open_session(st, c)
    record = old
    if record is None:
        record = SessionRecord(
            tenant=c.tenant.id,
            created_at=c.issued_at,
            expires_at=c.expires_at,
            region=c.tenant.region,
            purge_at=now,
        )
    first = record.collected_at is None
    w = WriteSet()
    ip_velocity = Velocity()
    if c.ip and c.facts.prefix is not None:
        ip_velocity = _count_ip(st, w, key, c.ip, now, first=first)
    elif record.ip_velocity_h24 is not None:
        ip_velocity = Velocity(h1=record.ip_velocity_h1 or 0, h24=record.ip_velocity_h24)
    wifi_devices = record.wifi_devices_h24
    if c.attributes.network.wifi_bssid_hash is not None:
        wifi_devices = _count_wifi(st, w, key, c.attributes, now, first=first)
    facts = c.facts
    new = msgspec.structs.replace(
        record,
        collected_at=now,
        channel=c.channel,
        attributes=c.attributes,
        ip_prefix=facts.prefix,
        ip_velocity_h1=ip_velocity.h1,
        ip_velocity_h24=ip_velocity.h24,
        ip_country=facts.country,
        ip_asn=facts.asn,
        ip_asn_name=facts.asn_name,
        ip_hosting=facts.hosting,
        ip_vpn=facts.vpn,
        ip_tor_exit=facts.tor_exit if facts.prefix is not None else None,
        proxy_headers=list(c.proxy_headers) or None,
        header_languages=list(c.languages) or None,
        do_not_track_header=c.dnt,
        http_user_agent=c.headers.get("user-agent"),
        http_ch_ua=c.headers.get("sec-ch-ua"),
        http_ch_ua_mobile=c.ch_ua_mobile,
        http_ch_ua_platform=c.headers.get("sec-ch-ua-platform"),
        http_withheld=c.withheld or None,
        http_header_order=list(c.header_order) or None,
        wifi_devices_h24=wifi_devices,
        purge_at=now + cfg.unscored_retention_days * DAY,
    )
    State.put_session(w, c.sh, old, new)
    return CollectResponse(accepted=count_attributes(c.attributes), dropped=c.dropped), w


def _open_session(st: State, c: Collected) -> SessionRecord | None:
    """The session's record so far (None: its first payload); 404 once erased, 409 once
    scored (sealed) or refused for personal data."""
    if st.erased(c.sh):
        raise NotFound("this session was erased; create a new one", field="session_id")
    record = st.session(c.sh)
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
    return record


def refuse_op(
    st: State,
    tenant: Tenant,
    sh: str,
    issued_at: float,
    expires_at: float,
    cfg: ServiceFile,
    now: float,
) -> tuple[None, WriteSet]:
    """A payload carried personal data (the caller answers 422; the payload is not stored).
    As the data policy requires (docs/privacy.md), what was collected earlier for the
    session is deleted; a marker keeps the session answerable (/v1/score:
    PERSONAL_DATA_REFUSED, no device) and takes no more payloads. A scored session is
    sealed: it is left as it is."""
    w = WriteSet()
    if now > expires_at or st.erased(sh):
        return None, w
    record = st.session(sh)
    if record is not None and (record.scored is not None or record.refused):
        return None, w
    if record is not None:
        State.delete_session(w, sh, record)
    marker = SessionRecord(
        tenant=tenant.id,
        created_at=issued_at,
        expires_at=expires_at,
        region=tenant.region,
        purge_at=now + cfg.unscored_retention_days * DAY,
        collected_at=now,
        refused=True,
    )
    State.put_session(w, sh, None, marker)
    return None, w


def _count_ip(st: State, w: WriteSet, key: bytes, ip: str, now: float, *, first: bool) -> Velocity:
    """Sessions from this IP in the last hour and day, this one included.

    The full address is never stored, nor anything that leads back to it once its day is
    over: events sit under a hash of the address keyed with `ip_window_key`: the hashing
    key (from the server secret, kept apart from the data) and that UTC day's own random
    key (`e:{window}<day>`, made by the first collect of the day and shared by every worker
    through the store), which is dropped when the next day ends (`window_ends`). Today's
    and yesterday's keys cover any 24 h window. A copy of the data alone links nothing; the
    data and the secret link the counters only until the day's key is dropped, and after
    that nothing does. On a shared store two workers making the
    day's first key at once both write one; the last write wins and the few events counted
    under the other are lost (as for other shared records: engine/store/_tx.py). Only
    the first collect of a session counts."""
    day = int(now // DAY)
    today, yesterday = st.store.get_many([window_key(day), window_key(day - 1)])
    if today is None and first:
        today = random_bytes(32)
        w.put(window_key(day), today, expire_at=window_ends(day))
    now_key = _hkey(ip_window_key(key, today), f"ip|{ip}") if today is not None else None
    past_key = _hkey(ip_window_key(key, yesterday), f"ip|{ip}") if yesterday else None
    st.store.get_many([events_key("i", k) for k in (now_key, past_key) if k])  # one round
    current = st.events("i", now_key) if now_key else Events()
    if first and now_key:
        current = record_event(current, now)
        w.put(events_key("i", now_key), encode(current), expire_at=now + 2 * WINDOW)
    events = (st.events("i", past_key).ts if past_key else []) + current.ts
    return Velocity(
        h1=sum(1 for t in events if t > now - 3600), h24=sum(1 for t in events if t > now - DAY)
    )


def _count_wifi(
    st: State, w: WriteSet, key: bytes, attrs: Attributes, now: float, *, first: bool
) -> int:
    """Distinct devices seen on this Wi-Fi router (its BSSID, already a keyed hash) in
    the last day, this one included: a device farm is many phones on one router.

    A device is its install ID or MAC hash (already keyed hashes); one without either
    counts once per session. A pair key (router, device) remembers which devices were
    counted; both are events keys, pruned with the other velocity records."""
    bssid = attrs.network.wifi_bssid_hash or ""
    router = _hkey(key, f"wifi|{bssid}")
    events = st.events("w", router)
    if first:
        device = attrs.device.device_id_hash or attrs.device.mac_hash
        pair = _hkey(key, f"wifi|{bssid}|{device}") if device else None
        seen = pair is not None and bool(count_since(st.events("wd", pair), now - DAY))
        if not seen:
            events = record_event(events, now)
            w.put(events_key("w", router), encode(events), expire_at=now + WINDOW + 60)
        if pair is not None:
            w.put(
                events_key("wd", pair),
                encode(record_event(st.events("wd", pair), now)),
                expire_at=now + WINDOW + 60,
            )
    return count_since(events, now - DAY)


def ip_window_key(hashing: bytes, day_key: bytes) -> bytes:
    """The key of one day's per-IP counters: both the secret's and the day's are needed."""
    return hmac.new(hashing, b"ip-window\0" + day_key, hashlib.sha256).digest()


def _hkey(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def header_evidence(
    user_agent: str | None, ch_ua: str | None, ch_ua_platform: str | None, payload_ua: str | None
) -> tuple[dict[str, str], list[str]]:
    """The request headers that may be stored, and the names of those withheld.

    They are stored like the payload's own user agent (the same kind of string, bounded):
    rules re-run on stored sessions need the string, not a parse frozen at collection. A
    header is scanned as payload strings are (a crawler's contact e-mail in its User-Agent
    is a direct identifier); one that carries an identifier is not stored, only named."""
    kept: dict[str, str] = {}
    withheld: list[str] = []
    for name, value in zip(
        CLIENT_HEADERS,
        (user_agent or "", ch_ua, ch_ua_platform),  # "": no User-Agent sent, itself evidence
        strict=True,
    ):
        if value is None:
            continue
        if value != payload_ua and find_identifier(value, "user_agent") is not None:
            withheld.append(name)
        else:
            kept[name] = value
    return kept, withheld
