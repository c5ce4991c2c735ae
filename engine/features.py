"""What plugins see and return: the collected session, the context, features and rule hits."""

from __future__ import annotations

from typing import Any

import msgspec

from engine.schema import Attributes, SessionRecord

FeatureValue = float | int | str | bool | None
Features = dict[str, FeatureValue]

CONFIDENT = 0.5  # a device history is read, and a user ID carried, only over a link this sure


class CollectedSession(msgspec.Struct, frozen=True):
    """One collected session, after the privacy firewall. Read-only for plugins."""

    session_id: str
    tenant: str
    channel: str
    attributes: Attributes
    created_at: float
    collected_at: float
    ip_prefix: str | None = None
    ip_country: str | None = None
    ip_asn: int | None = None
    ip_asn_name: str | None = None
    ip_hosting: str | None = None  # hosting/cloud provider of the IP's network (engine/ipdata)
    ip_vpn: str | None = None  # VPN provider of the IP's network or server
    ip_tor_exit: bool | None = None  # the exact address was a Tor exit (checked at collect)
    proxy_headers: tuple[str, ...] = ()
    header_languages: tuple[str, ...] = ()
    do_not_track_header: bool | None = None
    # the collect request's own headers (engine/http/client.py), evidence the payload can't fake
    http_user_agent: str | None = None
    http_ch_ua: str | None = None  # Sec-CH-UA, as sent
    http_ch_ua_mobile: bool | None = None
    http_ch_ua_platform: str | None = None
    http_withheld: tuple[str, ...] = ()  # headers not kept: they carried a direct identifier
    http_header_order: tuple[str, ...] = ()  # names of the browser's own headers, in order
    wifi_devices_h24: int | None = None  # devices on this Wi-Fi BSSID (hash) in 24 h

    @classmethod
    def from_record(cls, sh: str, record: SessionRecord) -> CollectedSession:
        """What plugins see of a stored session (`sh`: the store's name for it). A new
        fact stored on the session reaches plugins by a field here and a line below."""
        assert record.attributes is not None
        assert record.channel is not None
        assert record.collected_at is not None
        return cls(
            session_id=sh,
            tenant=record.tenant,
            channel=record.channel,
            attributes=record.attributes,
            created_at=record.created_at,
            collected_at=record.collected_at,
            ip_prefix=record.ip_prefix,
            ip_country=record.ip_country,
            ip_asn=record.ip_asn,
            ip_asn_name=record.ip_asn_name,
            ip_hosting=record.ip_hosting,
            ip_vpn=record.ip_vpn,
            ip_tor_exit=record.ip_tor_exit,
            proxy_headers=tuple(record.proxy_headers or ()),
            header_languages=tuple(record.header_languages or ()),
            do_not_track_header=record.do_not_track_header,
            http_user_agent=record.http_user_agent,
            http_ch_ua=record.http_ch_ua,
            http_ch_ua_mobile=record.http_ch_ua_mobile,
            http_ch_ua_platform=record.http_ch_ua_platform,
            http_withheld=tuple(record.http_withheld or ()),
            http_header_order=tuple(record.http_header_order or ()),
            wifi_devices_h24=record.wifi_devices_h24,
        )


class Velocity(msgspec.Struct, frozen=True):
    """Event counts over sliding windows, including the current session."""

    h1: int = 0
    h24: int = 0


class ReportEvidence(msgspec.Struct, frozen=True):
    """Fraud and damage reports on a device or a network, as the scoring tenant may use
    them (engine/reputation/weights.py): its own reports in full; other tenants' as one weight,
    0..1, that grows with independent corroboration and each reporter's learned trust.
    Other reporters are counted, never named."""

    own: int = 0  # the scoring tenant's own fraud or damage reports
    reporters: int = 0  # other tenants with such reports
    weight: float = 0.0  # their evidence, 0..1 (one source alone: its trust at most)
    # independent sources among them: each trusted tenant, and every tenant not (yet)
    # trusted together as one, so new tenants agreeing count as one source
    sources: int = 0

    @property
    def corroborated(self) -> bool:
        """Two or more independent sources reported it."""
        return self.sources >= 2


class DeviceHistory(msgspec.Struct, frozen=True):
    """What is known of the device before this session (all tenants, no tenant names).

    `other_tenants` counts other clients that ever saw the device; `other_tenants_30d` those
    that saw it in the last 30 days.

    `confidence` is the link's (engine/devices): how sure the engine is that this session
    comes from the device whose profile the history was read from. Identical machines (one
    phone model and OS version, one disk image) share one profile, linked at about 1 / (the
    devices that show the fingerprint); below `CONFIDENT` (0.5, the same bar a user ID
    needs to be carried over) the history is a crowd's, not this device's: a fraud report,
    a good report or another client in it is most likely a look-alike's. `own` says which;
    a rule that reads the history as the session's own checks it first. The default (1.0)
    is for a history with no link to doubt: a new device (nothing in it) or one built by
    hand."""

    known: bool = False
    first_seen: float | None = None
    sessions: int = 0
    other_tenants: int = 0
    other_tenants_30d: int = 0
    user_agents: tuple[str, ...] = ()
    fraud_reports: int = 0
    damage_reports: int = 0
    good_reports: int = 0
    confidence: float = 1.0
    reports: ReportEvidence = ReportEvidence()  # what the rules may act on (see above)

    @property
    def own(self) -> bool:
        """The history is this device's own: read through a link at least `CONFIDENT` sure."""
        return self.confidence >= CONFIDENT


class Context(msgspec.Struct, frozen=True):
    """State an extractor or rule needs, fetched by the engine before the hooks run."""

    now: float
    device_key: str
    device_velocity: Velocity = Velocity()
    ip_velocity: Velocity = Velocity()
    ip_prefix_velocity: Velocity = Velocity()
    device_history: DeviceHistory = DeviceHistory()
    ip_fraud_reports: int = 0
    ip_reports: ReportEvidence = ReportEvidence()  # what the rules may act on
    tenant_settings: dict[str, Any] = msgspec.field(default_factory=dict)


class RuleHit(msgspec.Struct, frozen=True):
    """A fired rule: the flag it sets (if any), its reason code and a strength 0..1.

    The code is the kernel feature whose weight (config/model.toml) turns the hit into a
    contribution to the score.
    """

    code: str
    flag: str | None = None
    strength: float = 1.0
    detail: str = ""
