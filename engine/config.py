"""Config: `config/service.toml`, `config/tenants.toml`, `config/model.toml`.

Loading is all-or-nothing: a bad file raises ConfigError naming the file, the key and the
problem; the caller keeps the config it had. The loaded Config is immutable, so a reload is
one reference swap.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec
import phonenumbers

from engine.errors import ConfigError
from engine.schema import OPTIONAL_ATTRIBUTES
from engine.validation import locate

OPTIONAL_ATTRIBUTE_NAMES = tuple(OPTIONAL_ATTRIBUTES)  # the firewall says what each governs
# The data policy: processing of the device MAC "cannot be enabled at the option of the
# Customer"; it exists only for integrations on SDK versions released before September
# 2023, by agreement, so the operator sets it (service.toml [legacy_device_mac]).
LEGACY_ONLY = "device_mac"
TENANT_OPTIONAL = tuple(n for n in OPTIONAL_ATTRIBUTE_NAMES if n != LEGACY_ONLY)

MAX_RETENTION_DAYS = 730
MIN_RETENTION_DAYS = 30  # feedback must have time to arrive
NEW_REPORT_TRUST = (
    0.1  # a new tenant's weight on other tenants' scores (engine/reputation/weights.py)
)


class PluginSetting(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    enabled: bool = True
    weight: float = 1.0
    settings: dict[str, Any] = msgspec.field(default_factory=dict)


class QuotaSetting(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Requests per minute on the public endpoints; 0 is no limit (engine/http/quotas.py)."""

    sessions_per_minute: int = 0
    collects_per_minute: int = 0
    per_network_per_minute: int = 0


WEBHOOK_EVENTS = ("device.reported_elsewhere", "erasure.completed", "score.created")
DEFAULT_WEBHOOK_EVENTS = ("device.reported_elsewhere", "erasure.completed")


class WebhookFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """`[tenants.<id>.webhook]`: where and how the tenant's events go (docs/webhooks.md)."""

    url: str
    secrets: list[str]  # one, or two while rotating: every delivery is signed with each
    events: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_WEBHOOK_EVENTS))
    reported_within_days: int = 90  # device.reported_elsewhere: devices scored this recently


class TenantFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: str
    site_key: str
    api_key_hash: str
    allowed_origins: list[str] = msgspec.field(default_factory=list)
    optional: list[str] = msgspec.field(default_factory=list)
    region: str = "eu"
    region_mode: Literal["collected", "forced"] = "collected"
    retention_days: int | None = None  # required: no silent default (confdiff.py)
    plugins: dict[str, PluginSetting] = msgspec.field(default_factory=dict)
    quotas: QuotaSetting | None = None
    # ISO 3166 alpha-2 regions whose national phone formats the firewall also tries in free
    # text and custom fields (besides the client IP's region); phone-named fields try all
    phone_regions: list[str] = msgspec.field(default_factory=list)
    # the weight of this tenant's fraud reports on other tenants' scores before any of
    # them is corroborated (engine/reputation/weights.py); a new tenant starts low
    report_trust: float = NEW_REPORT_TRUST
    # hashes ("sha256:<hex>", from `anonscore hash-key`) of secrets a first-party proxy of
    # this tenant sends in Anonscore-Proxy-Secret to vouch for X-Forwarded-For when its
    # addresses are not fixed (docs/first-party.md); two during a rotation
    proxy_secret_hashes: list[str] = msgspec.field(default_factory=list)
    webhook: WebhookFile | None = None


class TenantsFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    tenants: dict[str, TenantFile]


class ServiceFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    trusted_proxies: list[str] = msgspec.field(default_factory=lambda: ["127.0.0.1"])
    request_deadline_ms: int = 2000
    max_body_bytes: int = 65536
    queue_depth: int = 256
    scorers: int = 2
    session_ttl_s: int = 3600
    unscored_retention_days: int = 30
    sweep_interval_s: int = 3600
    record_sweep_interval_s: int = 86_400  # profiles, reputation, indexes: a full scan each
    regions: list[str] = msgspec.field(default_factory=lambda: ["eu"])
    # region -> ISO countries whose clients' sessions it keeps (region_mode = "collected");
    # a country in none of them: the tenant's own region (engine/store/regions.py)
    region_countries: dict[str, list[str]] = msgspec.field(default_factory=dict)
    # region -> redis://HOST:PORT of that region's own cluster (else regions share `store`)
    region_stores: dict[str, str] = msgspec.field(default_factory=dict)
    sync_writes: bool = False
    ip_data_dir: str = "var/ipdata"  # compiled IP data (engine/ipdata), relative to the cwd
    # "" : the embedded RocksDB in --data-dir; redis://HOST:PORT: any node of a Redis or
    # Valkey Cluster (then --workers N may run several processes). Read at start-up.
    store: str = ""
    # the public port (engine/http/protocol.py, listener.py, front.py)
    admission_limit: int = 256
    max_connections: int = 1024
    # per client prefix (the TCP peer's IPv4 /client_prefix_v4, IPv6 /client_prefix_v6);
    # trusted_proxies are not capped (docs/http.md)
    max_connections_per_client: int = 128
    client_prefix_v4: int = 32
    client_prefix_v6: int = 64
    header_timeout_s: float = 10.0
    # a body must come at min_body_bytes_per_s on average once body_grace_s have passed
    body_grace_s: float = 10.0
    min_body_bytes_per_s: int = 1024
    body_timeout_s: float | None = None  # replaced by the two above: refused when set
    keep_alive_timeout_s: float = 5.0
    send_timeout_s: float = 10.0
    max_header_bytes: int = 16_384
    # operators: /metrics and /console on the public port need this token's hash
    # ("sha256:<hex>", from `anonscore hash-key`); an admin listener serves them without
    operator_token_hash: str = ""
    admin_listen: str = ""  # "127.0.0.1:9090": operator pages and health on their own port
    # a candidate model file in the config dir, scored beside the live one, never answered
    shadow_model: str = ""
    # tenant id -> the last SDK version released before September 2023 that it runs: only
    # payloads from SDKs up to it keep the device MAC (the data policy's legacy exception)
    legacy_device_mac: dict[str, str] = msgspec.field(default_factory=dict)
    # feedback (engine/reputation/weights.py): accepted for this many days after the score; fraud
    # and damage reports in the last `report_window_days` at most `report_share` of the
    # sessions the tenant scored in them plus `report_allowance`
    feedback_window_days: int = 90
    report_window_days: int = 30
    report_share: float = 0.2
    report_allowance: int = 20
    # webhooks (engine/webhooks): the first retry after `webhook_retry_base_s`, doubling up
    # to `webhook_retry_max_s` (with jitter); an event undelivered after `webhook_give_up_s`
    # is dropped and logged. The sender looks for due events every `webhook_poll_s`.
    webhook_retry_base_s: float = 1.0
    webhook_retry_max_s: float = 600.0
    webhook_give_up_s: float = 86_400.0
    webhook_poll_s: float = 1.0
    webhook_timeout_s: float = 10.0


class ModelFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    version: str
    bias: float
    weights: dict[str, float]
    # reason codes that lower the score (trust signals, e.g. good history): their weight is
    # <= 0, even where training holds it at 0; every other code raises it (weight >= 0). A
    # negative weight marks its code as lowering too. Training keeps each code's direction.
    lowers: tuple[str, ...] = ()

    def lowering(self) -> frozenset[str]:
        """The codes whose weight may only lower the score."""
        return frozenset(self.lowers) | {c for c, w in self.weights.items() if w < 0}


class Tenant(msgspec.Struct, frozen=True):
    """A tenant as the service uses it."""

    id: str
    name: str
    site_key: str
    api_key_digest: bytes
    allowed_origins: frozenset[str]
    optional: frozenset[str]
    region: str
    region_mode: str
    retention_days: int
    plugins: dict[str, PluginSetting]
    quotas: QuotaSetting | None = None
    legacy_mac_sdk: tuple[int, ...] | None = None  # SDK versions up to this keep mac_hash
    phone_regions: tuple[str, ...] = ()  # normalised: tried by the firewall besides the IP's
    report_trust: float = NEW_REPORT_TRUST
    proxy_secret_digests: tuple[bytes, ...] = ()  # sha256 of the proxy secrets it accepts
    webhook: WebhookFile | None = None

    def wants(self, event_type: str) -> bool:
        """Whether this tenant's webhook takes events of this type."""
        return self.webhook is not None and event_type in self.webhook.events

    def collect_flags(self) -> dict[str, bool]:
        flags = {name: name in self.optional for name in OPTIONAL_ATTRIBUTE_NAMES}
        flags[LEGACY_ONLY] = self.legacy_mac_sdk is not None
        return flags

    def optional_for(self, sdk_version: str | None) -> frozenset[str]:
        """The optional attributes a payload may keep: the tenant's, plus the device MAC
        when the operator allows it for this tenant and the payload's SDK is not newer
        than the legacy cut-off."""
        if self.legacy_mac_sdk is None or sdk_version is None:
            return self.optional
        version = parse_version(sdk_version)
        if version is None or version > self.legacy_mac_sdk:
            return self.optional
        return self.optional | {LEGACY_ONLY}

    def plugin(self, name: str) -> PluginSetting:
        return self.plugins.get(name) or _DEFAULT_PLUGIN


_DEFAULT_PLUGIN = PluginSetting()
_TENANT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Config(msgspec.Struct, frozen=True):
    service: ServiceFile
    model: ModelFile
    tenants: dict[str, Tenant]
    by_site_key: dict[str, Tenant]
    by_key_digest: dict[bytes, Tenant]
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    all_origins: frozenset[str]  # every tenant's allowed origins (for CORS)
    operator_token_digest: bytes | None = None
    admin_listen: tuple[str, int] | None = None
    shadow_model: ModelFile | None = None  # a candidate scored beside the live model

    def tenant_for_api_key(self, api_key: str) -> Tenant | None:
        digest = hash_api_key(api_key)
        tenant = self.by_key_digest.get(digest)
        if tenant is None or not hmac.compare_digest(digest, tenant.api_key_digest):
            return None
        return tenant


def hash_api_key(api_key: str) -> bytes:
    return hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).digest()


def format_api_key_hash(api_key: str) -> str:
    """The value to put in tenants.toml `api_key_hash` for a new API key."""
    return "sha256:" + hash_api_key(api_key).hex()


CONFIG_FILES = ("service.toml", "model.toml", "tenants.toml")


class ConfigSnapshot(msgspec.Struct, frozen=True):
    """The config files' bytes, read once; what is validated is what is applied."""

    config_dir: Path
    files: dict[str, bytes]
    stamps: dict[str, tuple[int, int, int]]  # name -> (inode, size, mtime_ns) when read

    def newest_mtime(self) -> float:
        return max(stamp[2] for stamp in self.stamps.values()) / 1e9


def file_stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read_snapshot(config_dir: Path) -> ConfigSnapshot:
    """Read every config file once (bytes and the stat of the very file read)."""
    files: dict[str, bytes] = {}
    stamps: dict[str, tuple[int, int, int]] = {}
    for name in CONFIG_FILES:
        path = config_dir / name
        try:
            with path.open("rb") as f:
                st = os.fstat(f.fileno())
                files[name] = f.read()
        except FileNotFoundError:
            raise ConfigError(f"{path}: file not found; every config dir needs it") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
        stamps[name] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return ConfigSnapshot(config_dir=config_dir, files=files, stamps=stamps)


def _read(snapshot: ConfigSnapshot, name: str, kind: type[Any]) -> Any:
    path = snapshot.config_dir / name
    raw = snapshot.files[name]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        msg, where = locate(data, kind, exc)
        # operators think in TOML keys: `tenants.demo.site_key`, not `$.tenants[...]`
        key = where.lstrip(".") or "(top level)"
        raise ConfigError(f"{path}: {msg} - at `{key}`") from None


def _model(snap: ConfigSnapshot, name: str) -> ModelFile:
    path = snap.config_dir / name
    model: ModelFile = _read(snap, name, ModelFile)
    if not model.version.strip():
        raise ConfigError(f"{path}: version must not be empty")
    for code, weight in model.weights.items():
        if not -20 <= weight <= 20:
            raise ConfigError(f"{path}: weights.{code} must be between -20 and 20")
    if not -20 <= model.bias <= 20:
        raise ConfigError(f"{path}: bias must be between -20 and 20")
    for code in model.lowers:
        if code not in model.weights:
            raise ConfigError(f"{path}: lowers names {code}, which has no entry in [weights]")
        if model.weights[code] > 0:
            raise ConfigError(
                f"{path}: weights.{code} must be 0 or below: `lowers` says the code lowers "
                "the score"
            )
    return model


def _with_file(snap: ConfigSnapshot, name: str) -> ConfigSnapshot:
    """The snapshot with one more file read (once) from the config dir."""
    if name in snap.files:
        return snap
    path = snap.config_dir / name
    try:
        with path.open("rb") as f:
            st = os.fstat(f.fileno())
            raw = f.read()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: file not found; service.toml's shadow_model names it (empty: none)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    return msgspec.structs.replace(
        snap,
        files={**snap.files, name: raw},
        stamps={**snap.stamps, name: (st.st_ino, st.st_size, st.st_mtime_ns)},
    )


def _parse_digest(path: Path, tid: str, value: str, field: str = "api_key_hash") -> bytes:
    """A key hash from config; `tid` "" for the operator token."""
    where = f"tenant '{tid}': {field}" if tid else "operator_token_hash"
    algo, _, hexdigest = value.partition(":")
    if algo != "sha256" or len(hexdigest) != 64:
        raise ConfigError(
            f"{path}: {where} must be 'sha256:<64 hex digits>'; make one with `anonscore hash-key`"
        )
    try:
        return bytes.fromhex(hexdigest)
    except ValueError:
        raise ConfigError(
            f"{path}: {where} is not hexadecimal; make one with `anonscore hash-key`"
        ) from None


def _parse_listen(path: Path, value: str) -> tuple[str, int] | None:
    if not value:
        return None
    host, sep, port = value.rpartition(":")
    try:
        ipaddress.ip_address(host.strip("[]"))
        number = int(port)
    except ValueError:
        number = -1
    if not sep or not 0 <= number <= 65535:
        raise ConfigError(
            f"{path}: admin_listen must be 'host:port' with an IP address, e.g. "
            "'127.0.0.1:9090' (empty: no admin listener)"
        )
    return host.strip("[]"), number


def parse_version(text: str) -> tuple[int, ...] | None:
    """`2.9.4` -> (2, 9, 4); None for anything that is not dotted numbers."""
    parts = text.strip().split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() and len(p) <= 6 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def _tenant(path: Path, tid: str, tf: TenantFile, service: ServiceFile) -> Tenant:
    where = f"{path}: tenant '{tid}'"
    legacy = None
    if tid in service.legacy_device_mac:
        legacy = parse_version(service.legacy_device_mac[tid])
        if legacy is None:
            raise ConfigError(
                f"{path.parent / 'service.toml'}: legacy_device_mac.{tid} must be an SDK "
                "version such as '2.9.4' (the last one released before September 2023)"
            )
    retention_days = _check_tenant(path, where, tid, tf, service)
    phone_regions = tuple(
        dict.fromkeys(
            r.upper() for r in tf.phone_regions if r.upper() in phonenumbers.SUPPORTED_REGIONS
        )
    )
    if len(phone_regions) != len(set(tf.phone_regions)):
        raise ConfigError(
            f'{where}: phone_regions must be ISO 3166 alpha-2 codes such as "DE", each once'
        )
    return Tenant(
        id=tid,
        name=tf.name,
        site_key=tf.site_key,
        api_key_digest=_parse_digest(path, tid, tf.api_key_hash),
        allowed_origins=frozenset(tf.allowed_origins),
        optional=frozenset(tf.optional),
        region=tf.region,
        region_mode=tf.region_mode,
        retention_days=retention_days,
        plugins=dict(tf.plugins),
        quotas=tf.quotas,
        legacy_mac_sdk=legacy,
        phone_regions=phone_regions,
        report_trust=tf.report_trust,
        proxy_secret_digests=tuple(
            _parse_digest(path, tid, h, "proxy_secret_hashes") for h in tf.proxy_secret_hashes
        ),
        webhook=tf.webhook,
    )


def _check_tenant(path: Path, where: str, tid: str, tf: TenantFile, service: ServiceFile) -> int:
    """The tenant table's rules, in order: optional attributes, its id, retention (returned),
    trust, webhook, quotas, region, origins, plugin weights and site key."""
    if LEGACY_ONLY in tf.optional:
        raise ConfigError(
            f"{where}: device_mac cannot be enabled by a tenant: the data policy allows the "
            "device MAC only for SDK integrations released before September 2023, by "
            "agreement; the operator sets it in service.toml [legacy_device_mac]"
        )
    unknown = [o for o in tf.optional if o not in TENANT_OPTIONAL]
    if unknown:
        raise ConfigError(
            f"{where}: unknown optional attribute '{unknown[0]}'; known: "
            + ", ".join(TENANT_OPTIONAL)
        )
    if not _TENANT_ID.fullmatch(tid):
        raise ConfigError(
            f"{path}: tenant ids must be 1-64 letters, digits, '_' or '-'; rename the table"
        )
    if tf.retention_days is None:
        raise ConfigError(
            f"{where}: retention_days is missing; every tenant states how long its data is "
            f"kept ({MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days): a file cut short must "
            "not shorten it"
        )
    if not MIN_RETENTION_DAYS <= tf.retention_days <= MAX_RETENTION_DAYS:
        raise ConfigError(
            f"{where}: retention_days must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS}"
        )
    if not 0 <= tf.report_trust <= 1:
        raise ConfigError(f"{where}: report_trust must be between 0 and 1")
    if tf.webhook is not None:
        _check_webhook(where, tf.webhook)
    if tf.quotas is not None:
        for qname in QuotaSetting.__struct_fields__:
            if not 0 <= getattr(tf.quotas, qname) <= 1_000_000:
                raise ConfigError(f"{where}: quotas.{qname} must be between 0 and 1000000")
    if tf.region not in service.regions:
        raise ConfigError(
            f"{where}: region '{tf.region}' is not in service.toml regions "
            f"({', '.join(service.regions)})"
        )
    for origin in tf.allowed_origins:
        if not origin.startswith(("http://", "https://")) or origin.endswith("/"):
            raise ConfigError(
                f"{where}: allowed_origins entry must look like 'https://host[:port]' "
                "with no path or trailing slash"
            )
    for pname, setting in tf.plugins.items():
        if not 0 <= setting.weight <= 10:
            raise ConfigError(f"{where}: plugins.{pname}.weight must be between 0 and 10")
    if not tf.site_key.strip():
        raise ConfigError(f"{where}: site_key must not be empty")
    return tf.retention_days


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _check_webhook(where: str, hook: WebhookFile) -> None:
    try:
        url = urlsplit(hook.url)
        host = url.hostname
    except ValueError:
        host = None
        url = None
    if url is None or not host or url.scheme not in ("https", "http"):
        raise ConfigError(f"{where}: webhook.url must be an absolute https:// URL")
    if url.scheme == "http" and host not in _LOOPBACK:
        raise ConfigError(
            f"{where}: webhook.url must use https; http is allowed only for loopback "
            "(127.0.0.1, localhost, [::1]) for tests and local receivers"
        )
    if not 1 <= len(hook.secrets) <= 2 or any(len(s) < 16 for s in hook.secrets):
        raise ConfigError(
            f"{where}: webhook.secrets must hold one secret (two while rotating), each at "
            "least 16 characters; make one with `openssl rand -hex 32`"
        )
    unknown = [e for e in hook.events if e not in WEBHOOK_EVENTS]
    if unknown:
        raise ConfigError(
            f"{where}: webhook.events: unknown event type; known: " + ", ".join(WEBHOOK_EVENTS)
        )
    if not 1 <= hook.reported_within_days <= MAX_RETENTION_DAYS:
        raise ConfigError(
            f"{where}: webhook.reported_within_days must be between 1 and {MAX_RETENTION_DAYS}"
        )


def load_config(
    config_dir: Path,
    *,
    plugin_names: frozenset[str] | None = None,
    snapshot: ConfigSnapshot | None = None,
) -> Config:
    """Load and check every config file; raise ConfigError on the first problem.

    With `snapshot`, those bytes are checked and nothing is read again.

    `plugin_names`, when given, is the set of registered plugins: a tenant toggling a
    plugin that does not exist is an error (a typo would otherwise be silently ignored).
    """
    snap = snapshot if snapshot is not None else read_snapshot(config_dir)
    service_path = config_dir / "service.toml"
    service: ServiceFile = _read(snap, "service.toml", ServiceFile)
    _check_service(service_path, service)
    operator_digest = None
    if service.operator_token_hash:
        operator_digest = _parse_digest(service_path, "", service.operator_token_hash)
    admin = _parse_listen(service_path, service.admin_listen)
    model = _model(snap, "model.toml")
    snap, shadow = _shadow_model(service_path, service, snap)
    tenants_path = config_dir / "tenants.toml"
    tenants_file: TenantsFile = _read(snap, "tenants.toml", TenantsFile)
    if not tenants_file.tenants:
        raise ConfigError(f"{tenants_path}: no tenant defined; add a [tenants.<id>] table")
    for tid in service.legacy_device_mac:
        if tid not in tenants_file.tenants:
            raise ConfigError(
                f"{service_path}: legacy_device_mac names tenant '{tid}', which "
                "tenants.toml does not define"
            )
    tenants, by_site, by_digest = _tenants(tenants_path, tenants_file, service, plugin_names)
    return Config(
        service=service,
        model=model,
        tenants=tenants,
        by_site_key=by_site,
        by_key_digest=by_digest,
        trusted_proxies=_trusted_proxies(service_path, service),
        all_origins=frozenset(o for t in tenants.values() for o in t.allowed_origins),
        operator_token_digest=operator_digest,
        admin_listen=admin,
        shadow_model=shadow,
    )


def _check_service(service_path: Path, service: ServiceFile) -> None:
    """Every service.toml value in its range, regions consistent, no retired key."""
    for key, low, high in (
        ("request_deadline_ms", 10, 60_000),
        ("max_body_bytes", 1024, 10_000_000),
        ("queue_depth", 1, 100_000),
        ("scorers", 1, 64),
        ("session_ttl_s", 10, 86_400),
        ("unscored_retention_days", 1, 30),
        ("sweep_interval_s", 1, 86_400),
        ("record_sweep_interval_s", 1, 7 * 86_400),
        ("admission_limit", 1, 100_000),
        ("max_connections", 1, 1_000_000),
        ("max_connections_per_client", 1, 1_000_000),
        ("client_prefix_v4", 8, 32),
        ("client_prefix_v6", 16, 128),
        ("header_timeout_s", 0.1, 600),
        ("body_grace_s", 0.1, 600),
        ("min_body_bytes_per_s", 1, 100_000_000),
        ("keep_alive_timeout_s", 0.1, 3600),
        ("send_timeout_s", 0.1, 3600),
        ("max_header_bytes", 1024, 1_048_576),
        ("feedback_window_days", 1, 730),
        ("report_window_days", 1, 365),
        ("report_share", 0.0, 1.0),
        ("report_allowance", 0, 1_000_000),
        ("webhook_retry_base_s", 0.01, 3600),
        ("webhook_retry_max_s", 0.01, 86_400),
        ("webhook_give_up_s", 1, 7 * 86_400),
        ("webhook_poll_s", 0.01, 3600),
        ("webhook_timeout_s", 0.1, 120),
    ):
        value = getattr(service, key)
        if not low <= value <= high:
            raise ConfigError(f"{service_path}: {key} must be between {low} and {high}")
    if service.body_timeout_s is not None:
        raise ConfigError(
            f"{service_path}: body_timeout_s is replaced by body_grace_s and "
            "min_body_bytes_per_s (a minimum body rate); see docs/http.md"
        )
    for table in ("region_countries", "region_stores"):
        for region in getattr(service, table):
            if region not in service.regions:
                raise ConfigError(
                    f"{service_path}: {table}.{region}: not one of regions "
                    f"({', '.join(service.regions)})"
                )
    if (
        service.region_stores
        and not service.store
        and set(service.region_stores) != set(service.regions)
    ):
        raise ConfigError(
            f"{service_path}: region_stores names a cluster for some regions only; give every "
            "region its own, or set store for the others"
        )


def _trusted_proxies(
    service_path: Path, service: ServiceFile
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    proxies = []
    for entry in service.trusted_proxies:
        try:
            proxies.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(
                f"{service_path}: trusted_proxies entry is not an IP address or network"
            ) from None
    return tuple(proxies)


def _shadow_model(
    service_path: Path, service: ServiceFile, snap: ConfigSnapshot
) -> tuple[ConfigSnapshot, ModelFile | None]:
    """The shadow model named by service.toml, if any (read into the snapshot too)."""
    shadow = None
    if service.shadow_model:
        name = service.shadow_model
        if "/" in name or name in CONFIG_FILES or not name.endswith(".toml"):
            raise ConfigError(
                f"{service_path}: shadow_model must name a .toml file in the config dir, "
                "other than the three config files (e.g. model.candidate.toml)"
            )
        snap = _with_file(snap, name)
        shadow = _model(snap, name)
    return snap, shadow


def _tenants(
    tenants_path: Path,
    tenants_file: TenantsFile,
    service: ServiceFile,
    plugin_names: frozenset[str] | None,
) -> tuple[dict[str, Tenant], dict[str, Tenant], dict[bytes, Tenant]]:
    """Each tenant checked, by id, by site key and by API key digest (each unique)."""
    tenants: dict[str, Tenant] = {}
    by_site: dict[str, Tenant] = {}
    by_digest: dict[bytes, Tenant] = {}
    for tid, tf in tenants_file.tenants.items():
        tenant = _tenant(tenants_path, tid, tf, service)
        if plugin_names is not None:
            for pname in tenant.plugins:
                if pname not in plugin_names:
                    raise ConfigError(
                        f"{tenants_path}: tenant '{tid}': unknown plugin '{pname}'; known: "
                        + ", ".join(sorted(plugin_names))
                    )
        if tenant.site_key in by_site:
            raise ConfigError(
                f"{tenants_path}: tenant '{tid}': site_key is already used by tenant "
                f"'{by_site[tenant.site_key].id}'"
            )
        if tenant.api_key_digest in by_digest:
            raise ConfigError(
                f"{tenants_path}: tenant '{tid}': api_key_hash is already used by tenant "
                f"'{by_digest[tenant.api_key_digest].id}'"
            )
        tenants[tid] = by_site[tenant.site_key] = by_digest[tenant.api_key_digest] = tenant
    return tenants, by_site, by_digest
