"""The one schema: wire types, stored records and the attribute catalogue.

Every request is validated against these Structs, every response is built from them,
`/openapi.json` and `GET /v1/attributes` are generated from them. Field descriptions live
in `Meta(description=...)`; ranges in `Meta(ge=..., le=...)`.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

# -- small reusable constrained types ------------------------------------------------------

Count = Annotated[int, Meta(ge=0, le=1_000_000_000)]
SignalName = Annotated[str, Meta(max_length=40, pattern=r"^[a-z0-9_]+$")]
Pixels = Annotated[int, Meta(ge=0, le=100_000)]
Millis = Annotated[int, Meta(ge=0, le=86_400_000)]
ShortStr = Annotated[str, Meta(max_length=256)]
LongStr = Annotated[str, Meta(max_length=1024)]
HashStr = Annotated[str, Meta(max_length=128, pattern=r"^[0-9A-Za-z_\-+/=:.]*$")]
# A rendering hash as collectors send it: a hex/base64 string, or a number (32-bit hashes,
# audio sums).
Int64 = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]  # what storage can hold
RenderHash = HashStr | Int64 | Annotated[float, Meta(ge=-1e15, le=1e15)]


def _d(text: str) -> Meta:
    return Meta(description=text)


# -- attribute payload (collector and SDK) -------------------------------------------------


class Device(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Device technical characteristics (a data category of docs/privacy.md)."""

    screen_width: Annotated[Pixels | None, _d("screen width in CSS pixels")] = None
    screen_height: Annotated[Pixels | None, _d("screen height in CSS pixels")] = None
    pixel_ratio: Annotated[Annotated[float, Meta(ge=0, le=64)] | None, _d("device pixel ratio")] = (
        None
    )
    color_depth: Annotated[Annotated[int, Meta(ge=0, le=64)] | None, _d("colour depth in bits")] = (
        None
    )
    hardware_concurrency: Annotated[
        Annotated[int, Meta(ge=0, le=4096)] | None, _d("logical CPU cores reported")
    ] = None
    device_memory: Annotated[
        Annotated[float, Meta(ge=0, le=4096)] | None,
        _d("device memory in GiB (navigator.deviceMemory)"),
    ] = None
    touch_points: Annotated[
        Annotated[int, Meta(ge=0, le=256)] | None, _d("maximum touch points")
    ] = None
    webgl_vendor: Annotated[ShortStr | None, _d("unmasked WebGL vendor string")] = None
    webgl_renderer: Annotated[ShortStr | None, _d("unmasked WebGL renderer string")] = None
    canvas_hash: Annotated[RenderHash | None, _d("hash of a canvas drawing made in the page")] = (
        None
    )
    audio_hash: Annotated[RenderHash | None, _d("hash of an offline audio rendering")] = None
    fonts_hash: Annotated[RenderHash | None, _d("hash of the set of detected fonts")] = None
    fonts_count: Annotated[Count | None, _d("number of detected fonts")] = None
    plugins_count: Annotated[Count | None, _d("number of browser plugins")] = None
    manufacturer: Annotated[ShortStr | None, _d("SDK: device manufacturer")] = None
    brand: Annotated[ShortStr | None, _d("SDK: device brand")] = None
    model: Annotated[ShortStr | None, _d("SDK: device model")] = None
    hardware: Annotated[ShortStr | None, _d("SDK: hardware name (Build.HARDWARE)")] = None
    product: Annotated[ShortStr | None, _d("SDK: product name (Build.PRODUCT)")] = None
    build_fingerprint: Annotated[LongStr | None, _d("SDK: OS build fingerprint")] = None
    sensors: Annotated[
        Annotated[list[ShortStr], Meta(max_length=256)] | None,
        _d("SDK: names of the sensors present"),
    ] = None
    battery_level: Annotated[
        Annotated[float, Meta(ge=0, le=1)] | None, _d("SDK: battery level 0..1")
    ] = None
    battery_charging: Annotated[bool | None, _d("SDK: battery is charging")] = None
    storage_total_mb: Annotated[Count | None, _d("SDK: total storage in MB")] = None
    storage_free_mb: Annotated[Count | None, _d("SDK: free storage in MB")] = None
    device_id_hash: Annotated[
        HashStr | None, _d("SDK: platform device ID; stored only truncated and keyed-hashed")
    ] = None
    mac_hash: Annotated[
        HashStr | None,
        _d("SDK, optional device_mac: device MAC; stored only truncated and keyed-hashed"),
    ] = None
    rooted: Annotated[
        bool | None,
        _d(
            "SDK, Android: the device is rooted. Any of: Build.TAGS contains 'test-keys'; an "
            "`su` binary in /system/bin, /system/xbin, /sbin, /su/bin or on PATH; the Magisk "
            "app (com.topjohnwu.magisk) or a magisk mount in /proc/self/mounts; a failing "
            "Play Integrity verdict (no MEETS_DEVICE_INTEGRITY)"
        ),
    ] = None
    jailbroken: Annotated[
        bool | None,
        _d(
            "SDK, iOS: the device is jailbroken. Any of: /Applications/Cydia.app, "
            "/Applications/Sileo.app, /var/jb, /bin/bash or /usr/sbin/sshd exist "
            "(FileManager.fileExists); a write outside the sandbox (/private) succeeds; "
            "fork() succeeds; DYLD_INSERT_LIBRARIES is set; a cydia:// URL opens"
        ),
    ] = None
    simulator: Annotated[
        bool | None,
        _d(
            "SDK: the app runs in a simulator or emulator by its own checks. iOS: "
            "TARGET_OS_SIMULATOR, SIMULATOR_DEVICE_NAME in ProcessInfo.environment, or "
            "utsname.machine 'x86_64'/'arm64' (a real device says 'iPhone15,2'); Android: "
            "ro.kernel.qemu=1, ro.hardware goldfish/ranchu, Build.FINGERPRINT 'generic'"
        ),
    ] = None


class Software(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Device basic software data: OS and browser type and version (docs/privacy.md)."""

    user_agent: Annotated[LongStr | None, _d("User-Agent string of the browser or app")] = None
    platform: Annotated[ShortStr | None, _d("navigator.platform or SDK OS name")] = None
    languages: Annotated[
        Annotated[list[Annotated[str, Meta(max_length=35)]], Meta(max_length=32)] | None,
        _d("preferred languages, BCP 47"),
    ] = None
    timezone: Annotated[ShortStr | None, _d("IANA time zone name")] = None
    timezone_offset_min: Annotated[
        Annotated[int, Meta(ge=-900, le=900)] | None, _d("minutes east of UTC")
    ] = None
    do_not_track: Annotated[bool | None, _d("Do Not Track is set (recorded, not obeyed)")] = None
    webdriver: Annotated[bool | None, _d("navigator.webdriver is true")] = None
    os: Annotated[ShortStr | None, _d("SDK: operating system name")] = None
    os_version: Annotated[ShortStr | None, _d("SDK: operating system version")] = None
    app_id: Annotated[ShortStr | None, _d("SDK: application identifier")] = None
    app_version: Annotated[ShortStr | None, _d("SDK: application version")] = None
    sdk_version: Annotated[
        Annotated[str, Meta(max_length=32)] | None,
        _d(
            "SDK: the anonscore SDK's own version; decides whether a legacy integration "
            "may send the device MAC (service.toml legacy_device_mac)"
        ),
    ] = None
    persistent_session: Annotated[
        HashStr | None,
        _d(
            "optional persistent_session: a value the collector keeps in IndexedDB, derived "
            "from an earlier online session; stored keyed-hashed"
        ),
    ] = None
    ua_data_brands: Annotated[
        Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(max_length=16)] | None,
        _d(
            "navigator.userAgentData.brands as 'brand/major' (Chromium browsers on secure "
            "pages), e.g. 'Chromium/131'"
        ),
    ] = None
    ua_data_platform: Annotated[ShortStr | None, _d("navigator.userAgentData.platform")] = None
    ua_data_mobile: Annotated[bool | None, _d("navigator.userAgentData.mobile")] = None
    automation_signals: Annotated[
        Annotated[list[SignalName], Meta(max_length=32)] | None,
        _d(
            "traces of a driven browser the collector found in the page: webdriver_tampered "
            "(navigator.webdriver redefined or deleted), chrome_object_missing (a Chromium "
            "browser without window.chrome), notification_permission_inconsistent "
            "(Notification.permission 'denied' while the Permissions API says 'prompt'), "
            "window_without_ui (a desktop window whose outer size equals the page's: no tabs "
            "or toolbar, smaller than the screen, not fullscreen), screen_window_without_ui "
            "(the same, as large as the screen: kiosk or headless), zero_outer_size "
            "(outerWidth or outerHeight 0), headless_brand (HeadlessChrome among "
            "userAgentData brands); booleans as names, nothing typed"
        ),
    ] = None
    hooking_framework: Annotated[
        bool | None,
        _d(
            "SDK: a hooking framework is in the app's process. Frida: frida-agent or "
            "frida-gadget in /proc/self/maps, a frida-server on TCP 27042, or "
            "FridaGadget.dylib among _dyld_get_image_name(); Xposed/LSPosed: "
            "de.robv.android.xposed.XposedBridge loadable, or the class in a stack trace; "
            "Substrate/Substitute/libhooker dylibs loaded (iOS)"
        ),
    ] = None
    debugger_attached: Annotated[
        bool | None,
        _d(
            "SDK: a debugger is attached. Android: Debug.isDebuggerConnected() or "
            "Debug.waitingForDebugger(), TracerPid != 0 in /proc/self/status, "
            "ApplicationInfo.FLAG_DEBUGGABLE in a release build; iOS: sysctl(KERN_PROC_PID) "
            "kinfo_proc.kp_proc.p_flag has P_TRACED"
        ),
    ] = None
    app_signature_mismatch: Annotated[
        bool | None,
        _d(
            "SDK: the app is not signed as published (repackaged). Android: "
            "PackageManager.getPackageInfo(GET_SIGNING_CERTIFICATES) signing certificate "
            "SHA-256 differs from the one compiled in, or the installer "
            "(getInstallSourceInfo) is not the expected store; iOS: the embedded "
            "provisioning profile's team ID or the bundle ID differs from the expected"
        ),
    ] = None


class Network(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Internet-connection data at the time of the visit (docs/privacy.md)."""

    connection_type: Annotated[ShortStr | None, _d("connection type (wifi, cellular, 4g...)")] = (
        None
    )
    downlink_mbps: Annotated[
        Annotated[float, Meta(ge=0, le=100_000)] | None, _d("downlink estimate")
    ] = None
    rtt_ms: Annotated[Millis | None, _d("round-trip time estimate in ms")] = None
    carrier: Annotated[ShortStr | None, _d("SDK: mobile carrier name")] = None
    sim_country: Annotated[
        Annotated[str, Meta(max_length=8)] | None, _d("SDK: SIM country ISO code")
    ] = None
    wifi_on: Annotated[bool | None, _d("SDK: Wi-Fi is on")] = None
    bluetooth_on: Annotated[bool | None, _d("SDK: Bluetooth is on")] = None
    bluetooth_devices: Annotated[
        Count | None, _d("SDK, optional bluetooth_details: paired Bluetooth devices")
    ] = None
    vpn_active: Annotated[bool | None, _d("SDK: a VPN is active")] = None
    proxy_configured: Annotated[bool | None, _d("SDK: a proxy is configured")] = None
    wifi_bssid_hash: Annotated[
        HashStr | None,
        _d("SDK, optional wifi_router_mac: router BSSID; stored truncated and keyed-hashed"),
    ] = None


class FieldStats(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Behaviour on one form field: counts only, never what was typed."""

    name: Annotated[str, Meta(max_length=64), _d("form field name")]
    chars_typed: Annotated[Count, _d("characters typed")] = 0
    chars_pasted: Annotated[Count, _d("characters pasted")] = 0
    corrections: Annotated[Count, _d("deletions and corrections")] = 0
    focus_ms: Annotated[Count, _d("time the field had focus, ms")] = 0


class Behaviour(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Statistics of the visit and the form filling (docs/privacy.md)."""

    time_on_page_ms: Annotated[Count | None, _d("time on the page, ms")] = None
    history_length: Annotated[
        Annotated[int, Meta(ge=0, le=10_000)] | None, _d("history.length of the tab")
    ] = None
    pages_visited: Annotated[Count | None, _d("pages of the site seen in this session")] = None
    referrer_host: Annotated[ShortStr | None, _d("host of the referrer, no path")] = None
    fields: Annotated[
        Annotated[list[FieldStats], Meta(max_length=128)] | None, _d("per-field form behaviour")
    ] = None
    keystroke_intervals_ms: Annotated[
        Annotated[list[Annotated[int, Meta(ge=0, le=60_000)]], Meta(max_length=2048)] | None,
        _d("optional typing_rhythm: intervals between keystrokes, ms, no key codes"),
    ] = None


class Apps(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Categories of installed applications, counts only (SDK)."""

    category_counts: Annotated[
        Annotated[dict[Annotated[str, Meta(max_length=32)], Count], Meta(max_length=64)] | None,
        _d("installed apps per category: credit, proxy, shopping, games, social..."),
    ] = None


class Location(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Rough location (SDK, optional geolocation); stored rounded to about 1 km."""

    lat: Annotated[
        Annotated[float, Meta(ge=-90, le=90)] | None, _d("latitude, stored rounded ~1 km")
    ] = None
    lon: Annotated[
        Annotated[float, Meta(ge=-180, le=180)] | None, _d("longitude, stored rounded ~1 km")
    ] = None
    accuracy_m: Annotated[
        Annotated[float, Meta(ge=0, le=1e7)] | None, _d("reported accuracy, m")
    ] = None


CustomValue = Annotated[str, Meta(max_length=1024)] | Int64 | float | bool

Names = Annotated[list[SignalName], Meta(max_length=32)]


class FormInput(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """How input arrived in one form the collector watched: counts, never what was typed."""

    keys: Annotated[Count, _d("keydown events (auto-repeat not counted)")] = 0
    untrusted: Annotated[
        Count, _d("key and input events a script dispatched (isTrusted false)")
    ] = 0
    intervals: Annotated[Count, _d("intervals between consecutive keys (under 5 s)")] = 0
    flat_intervals: Annotated[
        Count, _d("intervals within 1 ms of the interval before: machine-regular typing")
    ] = 0
    pointer_fields: Annotated[Count, _d("fields entered with the pointer (pointerdown)")] = 0
    pointer_moves: Annotated[
        Count, _d("pointer moves on the page before those fields were entered, summed")
    ] = 0


class Coherence(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What the collector read twice or measured against what the browser claims
    (docs/anti-detect.md). Names of what disagreed and coarse measurements only; the
    server (plugins/tampering.py) judges them against the claimed device."""

    worker_differs: Annotated[
        Names | None,
        _d(
            "facts a dedicated worker reads differently from the page: user_agent, platform, "
            "languages, hardware_concurrency, device_memory, timezone, ua_data "
            "(userAgentData platform, mobile, brands), webgl_renderer (OffscreenCanvas)"
        ),
    ] = None
    frame_differs: Annotated[
        Names | None, _d("the same facts, read in a fresh same-origin iframe, that differ")
    ] = None
    native_claims: Annotated[
        Names | None,
        _d(
            "identity getters and methods that are not the engine's own (Navigator, Screen, "
            "WebGL getParameter, time zone): a property name, 'proxy' (a Proxy around a "
            "native), 'navigator_own' (own properties on navigator), 'to_string' "
            "(Function.prototype.toString replaced)"
        ),
    ] = None
    native_readback: Annotated[
        Names | None,
        _d(
            "canvas and audio readback functions that are not the engine's own (toDataURL, "
            "getImageData, measureText, getChannelData): what privacy extensions patch"
        ),
    ] = None
    geometry_conflicts: Annotated[
        Names | None,
        _d(
            "screen facts the media queries contradict: screen_aspect (device-aspect-ratio "
            "is not screen.width/height), pixel_ratio (resolution is not devicePixelRatio), "
            "window_larger_than_screen"
        ),
    ] = None
    pointer: Annotated[
        Literal["fine", "coarse", "none"] | None, _d("the primary pointer, (pointer: ...)")
    ] = None
    hover: Annotated[bool | None, _d("the primary pointer can hover, (hover: hover)")] = None
    touch_events: Annotated[bool | None, _d("the page has touch events (ontouchstart)")] = None
    max_texture_size: Annotated[
        Annotated[int, Meta(ge=0, le=1_000_000)] | None, _d("WebGL MAX_TEXTURE_SIZE")
    ] = None
    font_families: Annotated[
        Annotated[list[Literal["windows", "mac", "linux"]], Meta(max_length=3)] | None,
        _d("OS families whose own fonts were measured in the page"),
    ] = None
    engine_features: Annotated[
        Names | None,
        _d(
            "dated JavaScript built-ins the engine has (find_last, structured_clone, "
            "to_sorted, object_group_by, with_resolvers, set_union, url_parse, promise_try, "
            "regexp_escape): its age, whatever the user agent says"
        ),
    ] = None
    devtools_protocol: Annotated[
        bool | None,
        _d(
            "a DevTools protocol client with Runtime enabled serialised a console message "
            "(a driver, or an open DevTools panel)"
        ),
    ] = None
    input: Annotated[
        Annotated[list[FormInput], Meta(max_length=8)] | None, _d("input realism, per form")
    ] = None


class Attributes(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Everything a collector or SDK sends, grouped by the data policy's categories
    (docs/privacy.md, docs/sdk-payload.md)."""

    device: Device = msgspec.field(default_factory=Device)
    software: Software = msgspec.field(default_factory=Software)
    network: Network = msgspec.field(default_factory=Network)
    behaviour: Behaviour = msgspec.field(default_factory=Behaviour)
    apps: Apps = msgspec.field(default_factory=Apps)
    location: Location = msgspec.field(default_factory=Location)
    coherence: Coherence = msgspec.field(default_factory=Coherence)
    custom: Annotated[
        dict[Annotated[str, Meta(max_length=64)], CustomValue],
        Meta(max_length=64),
        _d("client-defined extra fields"),
    ] = msgspec.field(default_factory=dict)


Channel = Literal["web", "android", "ios"]
FeedbackLabel = Literal["fraud", "damage", "good"]

# -- requests and responses ----------------------------------------------------------------


class SessionRequest(Struct, forbid_unknown_fields=True):
    """Ask for a new session token."""

    site_key: Annotated[str, Meta(min_length=1, max_length=128), _d("the tenant's site key")]


class SessionResponse(Struct):
    session_id: str
    expires_at: str
    collect: dict[str, bool]


class CollectRequest(Struct, forbid_unknown_fields=True):
    """Attributes gathered by the collector or SDK for one session."""

    session_id: Annotated[str, Meta(min_length=1, max_length=256)]
    site_key: Annotated[str, Meta(min_length=1, max_length=128)]
    channel: Channel
    attributes: Attributes


class CollectResponse(Struct):
    accepted: int
    dropped: list[str]


class ScoreRequest(Struct, forbid_unknown_fields=True):
    """Score a collected session."""

    session_id: Annotated[str, Meta(min_length=1, max_length=256)]


class Reason(Struct):
    code: str
    contribution: float


class ScoreResponse(Struct):
    """The answer to /v1/score."""

    session_id: Annotated[str, _d("the session scored")]
    score: Annotated[
        float, Meta(ge=0, le=1), _d("0 no risk seen .. 1 certain fraud; a probability of fraud")
    ]
    device_id: Annotated[
        str | None,
        _d(
            "stochastic device ID, scoped to the tenant; null when the session's data was "
            "refused for personal data"
        ),
    ]
    device_confidence: Annotated[
        float,
        Meta(ge=0, le=1),
        _d("probability that the session comes from the device it is linked to"),
    ]
    user_id: Annotated[
        str | None,
        _d("stochastic user ID, scoped to the tenant; null when the data was refused"),
    ]
    flags: Annotated[
        dict[str, bool], _d("fraud flags: every name of engine/flags.py (docs/reason-codes.md)")
    ]
    attributes: Annotated[
        dict[str, float | int | str | bool | None],
        _d("engine and plugin attributes (see GET /v1/attributes)"),
    ]
    reasons: Annotated[
        list[Reason], _d("reason codes with their logit contribution, largest first")
    ]
    model_version: Annotated[str, _d("the scoring model's version")]


class FeedbackRequest(Struct, forbid_unknown_fields=True):
    """Report the outcome of a scored session."""

    session_id: Annotated[str, Meta(min_length=1, max_length=256)]
    label: FeedbackLabel


class FeedbackResponse(Struct):
    session_id: str
    label: str


class ErasureRequest(Struct, forbid_unknown_fields=True):
    """Erase by session or by device; exactly one of the two."""

    session_id: Annotated[str, Meta(min_length=1, max_length=256)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    device_id: Annotated[str, Meta(min_length=1, max_length=256)] | msgspec.UnsetType = (
        msgspec.UNSET
    )


class OptOutRequest(Struct, forbid_unknown_fields=True):
    """The end user's opt-out, from the page (Origin checked, like collect)."""

    session_id: Annotated[str, Meta(min_length=1, max_length=256)]
    site_key: Annotated[str, Meta(min_length=1, max_length=128)]


class OptOutResponse(Struct):
    erased: int


class ErasureResponse(Struct):
    deleted: int


class AttributeInfo(Struct):
    name: str
    category: str
    type: str
    description: str
    optional: bool
    enabled: bool
    retention: str
    stored_as: str


# -- stored records ------------------------------------------------------------------------


class ScoreResult(Struct, omit_defaults=True):
    """The last score of a session, kept so a repeated /v1/score is idempotent."""

    response: ScoreResponse
    collected_at: float
    # what the kernel saw: reason code -> strength x the tenant's plugin weight (training)
    strengths: dict[str, float] | None = None
    shadow_score: float | None = None  # a candidate model's score (shadow mode), not answered
    scored_at: float | None = None  # the first score (feedback is accepted within a window)


class SessionRecord(Struct, omit_defaults=True):
    """A session as stored: no raw IP, no raw identifiers."""

    tenant: str
    created_at: float
    expires_at: float
    region: str
    purge_at: float
    collected_at: float | None = None
    channel: str | None = None
    attributes: Attributes | None = None
    ip_prefix: str | None = None
    ip_velocity_h1: int | None = None  # sessions from the IP, counted at collect
    ip_velocity_h24: int | None = None
    ip_country: str | None = None
    ip_asn: int | None = None
    ip_asn_name: str | None = None
    ip_hosting: str | None = None  # facts of the full address, decided at collect
    ip_vpn: str | None = None
    ip_tor_exit: bool | None = None
    proxy_headers: list[str] | None = None
    do_not_track_header: bool | None = None
    header_languages: list[str] | None = None
    # The collect request's own headers, bounded like the payload's strings; a header that
    # carried a direct identifier is not stored and named in http_withheld.
    http_user_agent: str | None = None
    http_ch_ua: str | None = None  # Sec-CH-UA
    http_ch_ua_mobile: bool | None = None  # Sec-CH-UA-Mobile
    http_ch_ua_platform: str | None = None  # Sec-CH-UA-Platform, unquoted
    http_withheld: list[str] | None = None
    http_header_order: list[str] | None = None  # names of the browser's headers, in order
    wifi_devices_h24: int | None = None  # devices seen on this Wi-Fi BSSID hash in 24 h
    # a payload carried personal data: what was collected before was deleted, the session
    # stays answerable (reason PERSONAL_DATA_REFUSED) and takes no more payloads
    refused: bool | None = None
    scored: ScoreResult | None = None
    device_key: str | None = None
    label: str | None = None
    # the person opted out on the page after the lender scored it: what was collected is
    # gone, the lender's record of the score (and its report) stays (engine/lifecycle/optout.py)
    opted_out: bool | None = None


class Observation(Struct, omit_defaults=True):
    """What device linking keeps of one session: keyed hashes of the components, and the
    coarse facts that tell drift from another device (browser family and version, OS class
    and release, counts, network prefix). `engine/devices` makes and reads these."""

    at: float
    components: dict[str, str]  # component name -> keyed hash
    browser: str | None = None  # browser family, lowercased (ua-parser)
    browser_version: list[int] | None = None  # (major, minor, patch) as far as the UA says
    os_release: list[int] | None = None  # the OS version, as far as the UA (or SDK) says
    gpu_raw: str | None = None  # keyed hash of the full renderer string (driver version)
    fonts_count: int | None = None
    plugins_count: int | None = None
    ip_prefix: str | None = None  # the /24 or /48 the session came from
    handheld: bool | None = None  # a phone or tablet (its screen does not change)
    # learnt through a link below CONFIDENT (maybe another device's): its network and locale
    # do not vouch for the device (engine/devices/registry.py)
    weak: bool = False


class Reports(Struct, omit_defaults=True):
    """Feedback one tenant gave on a device's sessions (kept per tenant, so one tenant's
    erasure can leave another's evidence)."""

    fraud: int = 0
    damage: int = 0
    good: int = 0
    last_at: float = 0.0
    # tenants whose own fraud reports on the same device, from a trusted reporter, back
    # these up (engine/reputation/weights.py); internal, never in an answer
    by: list[str] = msgspec.field(default_factory=list)


class DeviceProfile(Struct, omit_defaults=True):
    """What the service remembers of a device across sessions and tenants."""

    first_seen: float
    last_seen: float
    sessions: int = 0
    tenant_seen: dict[str, float] = msgspec.field(default_factory=dict)  # tenant -> last seen
    user_agents: list[str] = msgspec.field(default_factory=list)
    reports: dict[str, Reports] = msgspec.field(default_factory=dict)  # tenant -> feedback
    recent: list[Observation] = msgspec.field(default_factory=list)  # newest last
    bands: list[str] = msgspec.field(default_factory=list)  # band index keys it is under
    user_key: str | None = None  # internal user key (engine/devices/registry.py)
    user_bands: list[str] = msgspec.field(default_factory=list)  # user index keys it is under
    crowd_prefixes: float = 0.0  # the largest crowd evidence seen for it (decayed)
    crowd_visits: float = 0.0  # sessions a day
    crowd_at: float = 0.0
    devices_shown: int = 1  # at least this many devices: versions seen going back
    epochs: dict[str, int] = msgspec.field(default_factory=dict)  # tenant -> its erasures

    @property
    def fraud_reports(self) -> int:
        return sum(r.fraud for r in self.reports.values())

    @property
    def damage_reports(self) -> int:
        return sum(r.damage for r in self.reports.values())

    @property
    def good_reports(self) -> int:
        return sum(r.good for r in self.reports.values())


class DeviceList(Struct):
    """Devices (or users) indexed under one band key, most recent last."""

    keys: list[str] = msgspec.field(default_factory=list)
    last_seen: float = 0.0


class CrowdWindow(Struct):
    """One tenant's sightings of a fingerprint in one epoch: how many sessions, and a
    linear-counting bitmap of keyed hashes of their network prefixes (bits, never prefixes)."""

    epoch: int
    visits: int
    prefixes: bytes


class PopulationSketch(Struct, omit_defaults=True):
    """How many devices may share one fingerprint: per tenant, the current and previous
    epoch's window. Counts and hashed bits only."""

    last_seen: float
    tenants: dict[str, list[CrowdWindow]] = msgspec.field(default_factory=dict)
    first_seen: float = 0.0  # the first sighting (its windows may have rolled since)


class Events(Struct):
    """Timestamps (seconds) of recent events for a velocity key, newest last, 24 h at most."""

    ts: list[float] = msgspec.field(default_factory=list)


class SweepLease(Struct):
    """Which process runs a background sweep on a shared store, and until when
    (engine/lifecycle/leases.py). Its key expires with it."""

    holder: str  # a random id of the holding process
    until: float


class ErasureJournal(Struct, omit_defaults=True):
    """An erasure under way (engine/lifecycle/records.py): written before its deletes, removed
    after them, so an erasure a crash or a failed store interrupted is finished later."""

    tenant: str
    at: float  # when it began
    device_key: str | None = None  # a tenant's part of a device
    sessions: list[str] = msgspec.field(default_factory=list)  # its sessions (hashes)
    session: str | None = None  # one session (its hash)
    expires_at: float = 0.0  # the session token's expiry (its tombstone's)


class IpReputation(Struct, omit_defaults=True):
    """Feedback on sessions from one network prefix, per tenant (so one tenant's erasure
    or retention takes back only its own reports)."""

    reports: dict[str, Reports] = msgspec.field(default_factory=dict)

    @property
    def fraud_reports(self) -> int:
        return sum(r.fraud + r.damage for r in self.reports.values())

    @property
    def good_reports(self) -> int:
        return sum(r.good for r in self.reports.values())


class TenantTrust(Struct, omit_defaults=True):
    """How far one tenant's fraud reports are backed up by other tenants: the devices it
    reported (fraud or damage) and how many of those a trusted other tenant reported too.
    Its weight on other tenants' scores is learned from these (engine/reputation/weights.py)."""

    reported: int = 0
    corroborated: int = 0
    updated_at: float = 0.0


class ReportEntry(Struct, omit_defaults=True):
    """One label a tenant gave, in its report log: what the operator lists and revokes."""

    session: str  # the session's hash (the store's name for it), never the token
    label: str
    at: float
    revoked_at: float | None = None


class ReportVolume(Struct, omit_defaults=True):
    """One tenant's scored sessions and fraud or damage reports on one day (UTC), for the
    bound on reports relative to the tenant's own volume."""

    scored: int = 0
    reports: int = 0


class AuditEntry(Struct, omit_defaults=True):
    """An operator's action on a tenant's reports, kept as the audit trail."""

    action: str  # "revoke"
    tenant: str
    at: float
    count: int  # reports it touched
    since: float | None = None


class WebhookEvent(Struct, omit_defaults=True):
    """An event in the webhook outbox (engine/webhooks/outbox.py), until it is delivered or
    given up. `body` is the JSON delivered, made once: every retry sends the same bytes and
    the same event id."""

    tenant: str
    type: str
    created_at: float
    body: bytes
    attempts: int = 0
    next_at: float = 0.0  # not before (Unix seconds)


class WebhookAttempt(Struct, omit_defaults=True):
    """One delivery attempt in a tenant's delivery log: no payload."""

    event: str  # the event id
    type: str
    at: float
    attempt: int
    outcome: str  # "delivered", "retry" or "gave up"
    status: int = 0  # the receiver's HTTP status; 0 when it gave none
    error: str = ""  # "timeout", "connection failed", ... when no status


OPTIONAL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "typing_rhythm": ("behaviour.keystroke_intervals_ms",),
    "device_mac": ("device.mac_hash",),
    "wifi_router_mac": ("network.wifi_bssid_hash",),
    "bluetooth_details": ("network.bluetooth_devices",),
    "persistent_session": ("software.persistent_session",),
    "geolocation": ("location.lat", "location.lon", "location.accuracy_m"),
}
"""Optional attribute toggle -> the dotted attribute paths it governs."""
