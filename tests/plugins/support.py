"""Plugin test helpers: sessions from partial attribute dicts, contexts, real profiles.

`build_session({"software": {"user_agent": ...}})` builds a CollectedSession through
`msgspec.convert(d, Attributes)`, so every test payload passes the real schema. PROFILES
are consistent, real-world devices (real user agents, platforms, GPUs, screens, locales
and networks): the ground truth for "no false positive".
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec

from engine.features import (
    CollectedSession,
    Context,
    DeviceHistory,
    ReportEvidence,
    RuleHit,
    Velocity,
)
from engine.schema import Attributes

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_176_000.0  # 2026-11-20 12:00 UTC: northern winter, southern summer

UA = {
    "chrome_win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/131.0.0.0 Safari/537.36",
    "edge_win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "firefox_win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
    "Firefox/133.0",
    "firefox_esr_win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 "
    "Firefox/128.0",
    "opera_win": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
    "chrome_mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "safari_mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.6 Safari/605.1.15",
    "firefox_mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 "
    "Firefox/133.0",
    "firefox_linux": "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 "
    "Firefox/133.0",
    "chrome_linux": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "chrome_cros": "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/131.0.0.0 Safari/537.36",
    "chrome_android": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "samsung_android": "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, "
    "like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "samsung_desktop_mode": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Safari/537.36",
    "firefox_android": "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
    "edge_android": "Mozilla/5.0 (Linux; Android 14; SM-S928B) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
    "chrome_android_tablet": "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "safari_iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "chrome_iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    "firefox_iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
    "chrome_ipad": "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    "android_webview": "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.81 Mobile Safari/537.36",
    "ios_wkwebview": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148",
    # tools
    "headless_chrome": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36",
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "gptbot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot)",
    "curl": "curl/8.5.0",
    "python_requests": "python-requests/2.32.3",
    "okhttp": "okhttp/4.12.0",
}

ANGLE_NVIDIA = (
    "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)"
)
ANGLE_INTEL_WIN = (
    "ANGLE (Intel, Intel(R) UHD Graphics 620 (0x00005917) Direct3D11 vs_5_0 ps_5_0, D3D11)"
)
ANGLE_M1 = "ANGLE (Apple, ANGLE Metal Renderer: Apple M1 Pro, Unspecified Version)"
ANGLE_MESA = "ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)"

HUMAN_FIELDS = [
    {"name": "first_name", "chars_typed": 6, "corrections": 1, "focus_ms": 2_300},
    {"name": "city", "chars_typed": 9, "corrections": 0, "focus_ms": 3_100},
    {"name": "income", "chars_typed": 5, "corrections": 1, "focus_ms": 4_800},
    {"name": "amount", "chars_typed": 4, "corrections": 0, "focus_ms": 2_600},
]
HUMAN_RHYTHM = [142, 95, 210, 133, 88, 301, 176, 120, 99, 250, 160, 118, 205, 87, 140, 412, 131]
HUMAN_BEHAVIOUR = {
    "time_on_page_ms": 184_000,
    "history_length": 3,
    "pages_visited": 2,
    "fields": HUMAN_FIELDS,
}


def _web(
    ua: str,
    platform: str,
    screen: tuple[int, int],
    touch: int,
    renderer: str,
    languages: list[str],
    timezone: str,
    offset: int,
    *,
    cores: int = 8,
    memory: float | None = 8,
    plugins: int = 5,
    rhythm: bool = False,
) -> dict[str, Any]:
    behaviour: dict[str, Any] = dict(HUMAN_BEHAVIOUR)
    if rhythm:
        behaviour["keystroke_intervals_ms"] = HUMAN_RHYTHM
    device: dict[str, Any] = {
        "screen_width": screen[0],
        "screen_height": screen[1],
        "pixel_ratio": 2.0,
        "color_depth": 24,
        "hardware_concurrency": cores,
        "touch_points": touch,
        "webgl_renderer": renderer,
        "plugins_count": plugins,
    }
    if memory is not None:
        device["device_memory"] = memory
    return {
        "device": device,
        "software": {
            "user_agent": ua,
            "platform": platform,
            "languages": languages,
            "timezone": timezone,
            "timezone_offset_min": offset,
            "webdriver": False,
        },
        "network": {"connection_type": "wifi"},
        "behaviour": behaviour,
    }


# name -> (attributes, channel, ip_country, ip_asn, header languages)
# fmt: off
PROFILES: dict[str, tuple[dict[str, Any], str, str, int, tuple[str, ...]]] = {
    "chrome_windows_us": (
        _web(UA["chrome_win"], "Win32", (1920, 1080), 0, ANGLE_NVIDIA, ["en-US", "en"],
             "America/New_York", -300, cores=12, rhythm=True),
        "web", "US", 7922, ("en",),
    ),
    "edge_windows_touch_laptop_de": (
        _web(UA["edge_win"], "Win32", (1536, 864), 10, ANGLE_INTEL_WIN, ["de-DE", "de", "en"],
             "Europe/Berlin", 60),
        "web", "DE", 3320, ("de", "en"),
    ),
    "firefox_windows_fr": (
        _web(UA["firefox_win"], "Win32", (1920, 1080), 0,
             "ANGLE (NVIDIA, NVIDIA GeForce GTX 980 Direct3D11 vs_5_0 ps_5_0), or similar",
             ["fr-FR", "fr", "en-US", "en"], "Europe/Paris", 60, memory=None),
        "web", "FR", 3215, ("fr", "en"),
    ),
    "firefox_esr_windows_de": (
        _web(UA["firefox_esr_win"], "Win32", (1920, 1200), 0, ANGLE_INTEL_WIN,
             ["de-DE", "de"], "Europe/Berlin", 60, memory=None, cores=4),
        "web", "DE", 3209, ("de",),
    ),
    "opera_windows_pl": (
        _web(UA["opera_win"], "Win32", (2560, 1440), 0, ANGLE_NVIDIA, ["pl-PL", "pl"],
             "Europe/Warsaw", 60),
        "web", "PL", 5617, ("pl",),
    ),
    "chrome_mac_gb": (
        _web(UA["chrome_mac"], "MacIntel", (1512, 982), 0, ANGLE_M1, ["en-GB", "en"],
             "Europe/London", 0, cores=10),
        "web", "GB", 2856, ("en",),
    ),
    "safari_mac_nl": (
        _web(UA["safari_mac"], "MacIntel", (1440, 900), 0, "Apple GPU", ["nl-NL"],
             "Europe/Amsterdam", 60, memory=None, plugins=5),
        "web", "NL", 1136, ("nl",),
    ),
    "firefox_mac_us": (
        _web(UA["firefox_mac"], "MacIntel", (1728, 1117), 0, "Apple M2, or similar",
             ["en-US", "en"], "America/Chicago", -360, memory=None),
        "web", "US", 20115, ("en",),
    ),
    "firefox_linux_ca": (
        _web(UA["firefox_linux"], "Linux x86_64", (1920, 1080), 0,
             "Mesa Intel(R) UHD Graphics 620 (KBL GT2)", ["en-CA", "fr-CA"], "America/Toronto",
             -300, memory=None),
        "web", "CA", 812, ("en", "fr"),
    ),
    "chrome_linux_in": (
        _web(UA["chrome_linux"], "Linux x86_64", (1366, 768), 0, ANGLE_MESA, ["en-IN", "hi"],
             "Asia/Calcutta", 330, cores=4, memory=4),
        "web", "IN", 55836, ("en", "hi"),
    ),
    "chromebook_us": (
        _web(UA["chrome_cros"], "Linux x86_64", (1366, 768), 10, ANGLE_MESA, ["en-US"],
             "America/Los_Angeles", -480, cores=4, memory=4),
        "web", "US", 7018, ("en",),
    ),
    "chrome_android_pixel_us": (
        _web(UA["chrome_android"], "Linux armv81", (412, 915), 5, "Mali-G715", ["en-US"],
             "America/Los_Angeles", -480, memory=8, plugins=0, rhythm=True),
        "web", "US", 22394, ("en",),
    ),
    "samsung_internet_kr": (
        _web(UA["samsung_android"], "Linux armv81", (384, 832), 5, "Adreno (TM) 740",
             ["ko-KR", "ko", "en-US"], "Asia/Seoul", 540, plugins=0),
        "web", "KR", 4766, ("ko", "en"),
    ),
    "samsung_desktop_mode_kr": (
        _web(UA["samsung_desktop_mode"], "Linux armv81", (384, 832), 5, "Adreno (TM) 740",
             ["ko-KR", "ko"], "Asia/Seoul", 540, plugins=0),
        "web", "KR", 4766, ("ko",),
    ),
    "firefox_android_it": (
        _web(UA["firefox_android"], "Linux aarch64", (412, 915), 5, "Adreno (TM) 730",
             ["it-IT", "it", "en-US", "en"], "Europe/Rome", 60, memory=None, plugins=0),
        "web", "IT", 3269, ("it", "en"),
    ),
    "edge_android_br": (
        _web(UA["edge_android"], "Linux armv81", (384, 854), 5, "Samsung Xclipse 940",
             ["pt-BR", "pt"], "America/Sao_Paulo", -180, plugins=0),
        "web", "BR", 26599, ("pt",),
    ),
    "chrome_android_tablet_es": (
        _web(UA["chrome_android_tablet"], "Linux armv81", (800, 1280), 10, "Adreno (TM) 730",
             ["es-ES", "es"], "Europe/Madrid", 60, plugins=0),
        "web", "ES", 3352, ("es",),
    ),
    "safari_iphone_au": (
        _web(UA["safari_iphone"], "iPhone", (390, 844), 5, "Apple GPU", ["en-AU"],
             "Australia/Sydney", 660, cores=4, memory=None, plugins=0, rhythm=True),
        "web", "AU", 1221, ("en",),
    ),
    "chrome_iphone_es": (
        _web(UA["chrome_iphone"], "iPhone", (430, 932), 5, "Apple GPU", ["es-ES"],
             "Europe/Madrid", 60, cores=4, memory=None, plugins=0),
        "web", "ES", 3352, ("es",),
    ),
    "firefox_iphone_us": (
        _web(UA["firefox_iphone"], "iPhone", (393, 852), 5, "Apple GPU", ["en-US"],
             "America/New_York", -300, cores=4, memory=None, plugins=0),
        "web", "US", 6167, ("en",),
    ),
    "safari_ipad_desktop_mode_jp": (
        _web(UA["safari_mac"], "MacIntel", (820, 1180), 5, "Apple GPU", ["ja-JP"],
             "Asia/Tokyo", 540, cores=4, memory=None, plugins=5),
        "web", "JP", 4713, ("ja",),
    ),
    "chrome_ipad_jp": (
        _web(UA["chrome_ipad"], "iPad", (1024, 1366), 5, "Apple GPU", ["ja-JP", "en-US"],
             "Asia/Tokyo", 540, cores=4, memory=None, plugins=0),
        "web", "JP", 2516, ("ja", "en"),
    ),
    "android_sdk_pixel_us": (
        {
            "device": {
                "screen_width": 412,
                "screen_height": 915,
                "touch_points": 5,
                "webgl_renderer": "Adreno (TM) 730",
                "manufacturer": "Google",
                "brand": "google",
                "model": "Pixel 7",
                "hardware": "panther",
                "product": "panther",
                "build_fingerprint": "google/panther/panther:13/TQ3A.230901.001/10750268:user/"
                "release-keys",
                "sensors": ["accelerometer", "gyroscope", "magnetometer", "light", "proximity",
                            "pressure", "step_counter", "gravity", "rotation_vector"],
                "battery_level": 1.0,
                "battery_charging": True,
                "storage_total_mb": 128_000,
                "storage_free_mb": 41_000,
            },
            "software": {
                "user_agent": UA["android_webview"],
                "platform": "Android",
                "languages": ["en-US"],
                "timezone": "America/New_York",
                "timezone_offset_min": -300,
                "os": "Android",
                "os_version": "13",
                "app_id": "com.example.lender",
                "app_version": "4.2.0",
            },
            "network": {"connection_type": "cellular", "carrier": "Verizon", "sim_country": "us",
                        "wifi_on": False, "vpn_active": False, "proxy_configured": False},
            "behaviour": HUMAN_BEHAVIOUR,
            "apps": {"category_counts": {"credit": 1, "shopping": 4, "social": 5, "games": 7}},
        },
        "android", "US", 22394, ("en",),
    ),
    "ios_sdk_iphone_de": (
        {
            "device": {
                "screen_width": 393,
                "screen_height": 852,
                "touch_points": 5,
                "manufacturer": "Apple",
                "brand": "Apple",
                "model": "iPhone15,2",
                "battery_level": 0.43,
                "battery_charging": False,
            },
            "software": {
                "user_agent": UA["ios_wkwebview"],
                "platform": "iOS",
                "languages": ["de-DE", "en-DE"],
                "timezone": "Europe/Berlin",
                "timezone_offset_min": 60,
                "os": "iOS",
                "os_version": "17.5",
            },
            "network": {"connection_type": "wifi", "vpn_active": False},
            "behaviour": HUMAN_BEHAVIOUR,
            "apps": {"category_counts": {"credit": 2, "social": 3}},
        },
        "ios", "DE", 3320, ("de",),
    ),
}
# fmt: on


def build_session(
    attributes: dict[str, Any] | None = None,
    *,
    channel: str = "web",
    ip_country: str | None = None,
    ip_asn: int | None = None,
    ip_asn_name: str | None = None,
    ip_hosting: str | None = None,
    ip_vpn: str | None = None,
    ip_tor_exit: bool | None = None,
    proxy_headers: tuple[str, ...] = (),
    header_languages: tuple[str, ...] = (),
    do_not_track_header: bool | None = None,
    collected_at: float = NOW,
    http_user_agent: str | None = None,
    http_ch_ua: str | None = None,
    http_ch_ua_mobile: bool | None = None,
    http_ch_ua_platform: str | None = None,
    http_withheld: tuple[str, ...] = (),
    wifi_devices_h24: int | None = None,
    http_header_order: tuple[str, ...] = (),
) -> CollectedSession:
    return CollectedSession(
        session_id="s_test",
        tenant="demo",
        channel=channel,
        attributes=msgspec.convert(attributes or {}, Attributes),
        created_at=collected_at - 200,
        collected_at=collected_at,
        ip_prefix="203.0.113.0/24",
        ip_country=ip_country,
        ip_asn=ip_asn,
        ip_asn_name=ip_asn_name,
        ip_hosting=ip_hosting,
        ip_vpn=ip_vpn,
        ip_tor_exit=ip_tor_exit,
        proxy_headers=proxy_headers,
        header_languages=header_languages,
        do_not_track_header=do_not_track_header,
        http_user_agent=http_user_agent,
        http_ch_ua=http_ch_ua,
        http_ch_ua_mobile=http_ch_ua_mobile,
        http_ch_ua_platform=http_ch_ua_platform,
        http_withheld=http_withheld,
        wifi_devices_h24=wifi_devices_h24,
        http_header_order=http_header_order,
    )


def build_context(settings: dict[str, Any] | None = None, **fields: Any) -> Context:
    return Context(now=NOW, device_key="d_test", tenant_settings=settings or {}, **fields)


def profile_session(name: str) -> CollectedSession:
    attributes, channel, country, asn, header = PROFILES[name]
    return build_session(
        attributes, channel=channel, ip_country=country, ip_asn=asn, header_languages=header
    )


def plugin_modules() -> dict[str, ModuleType]:
    """The plugins registered in pyproject's `anonscore` entry-point group, imported."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        group = tomllib.load(f)["project"]["entry-points"]["anonscore"]
    return {name: importlib.import_module(target) for name, target in group.items()}


def hits_of(result: RuleHit | list[RuleHit] | None) -> list[RuleHit]:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


def codes_of(result: RuleHit | list[RuleHit] | None) -> set[str]:
    return {hit.code for hit in hits_of(result)}


def run_plugin(
    module: ModuleType,
    session: CollectedSession,
    context: Context,
    *,
    all_features: bool = False,
) -> tuple[dict[str, Any], list[RuleHit]]:
    """Call a plugin module's hooks the way the engine does (by argument name). Its rule
    sees its own features, or (`all_features`) every registered plugin's, as in the engine."""
    args: dict[str, Any] = {"session": session, "context": context}
    features: dict[str, Any] = {}
    extract = getattr(module, "anonscore_extract_features", None)
    if extract is not None:
        features = extract(**_wanted(extract, args)) or {}
    seen = features
    if all_features:
        seen = {}
        for other in plugin_modules().values():
            hook = getattr(other, "anonscore_extract_features", None)
            if hook is not None:
                seen.update(hook(**_wanted(hook, args)) or {})
    rule = getattr(module, "anonscore_evaluate_rule", None)
    hits: list[RuleHit] = []
    if rule is not None:
        hits = hits_of(rule(**_wanted(rule, {**args, "features": seen})))
    return features, hits


def run_all(
    modules: dict[str, ModuleType], session: CollectedSession, context: Context
) -> tuple[dict[str, Any], dict[str, list[RuleHit]]]:
    """Every module's extractor, then every rule with all the features (as the engine)."""
    args: dict[str, Any] = {"session": session, "context": context}
    features: dict[str, Any] = {}
    for module in modules.values():
        extract = getattr(module, "anonscore_extract_features", None)
        if extract is not None:
            features.update(extract(**_wanted(extract, args)) or {})
    hits: dict[str, list[RuleHit]] = {}
    for name, module in modules.items():
        rule = getattr(module, "anonscore_evaluate_rule", None)
        if rule is not None:
            hits[name] = hits_of(rule(**_wanted(rule, {**args, "features": features})))
    return features, hits


def _wanted(function: Any, args: dict[str, Any]) -> dict[str, Any]:
    names = function.__code__.co_varnames[: function.__code__.co_argcount]
    return {name: args[name] for name in names}


def suspicious_samples() -> list[tuple[str, CollectedSession, Context]]:
    """Sessions that, between them, make every plugin emit every code it has."""
    chrome = dict(PROFILES["chrome_windows_us"][0])
    samples: list[tuple[str, CollectedSession, Context]] = []

    def add(name: str, attrs: dict[str, Any], context: Context | None = None, **kw: Any) -> None:
        samples.append((name, build_session(attrs, **kw), context or build_context()))

    add("bot", {"software": {"user_agent": UA["googlebot"]}})
    add(
        "headless",
        {
            "software": {"user_agent": UA["headless_chrome"], "webdriver": True, "languages": []},
            "device": {
                "webgl_renderer": "Google SwiftShader",
                "plugins_count": 0,
                "screen_width": 800,
                "screen_height": 600,
            },
        },
    )
    add(
        "android_ua_on_windows",
        {
            "software": {"user_agent": UA["chrome_android"], "platform": "Win32"},
            "device": {
                "touch_points": 0,
                "screen_width": 1920,
                "screen_height": 1080,
                "webgl_renderer": ANGLE_M1,
            },
        },
    )
    add(
        "windows_ua_phone_screen",
        {
            "software": {"user_agent": UA["chrome_win"], "platform": "Win32"},
            "device": {"screen_width": 375, "screen_height": 812, "touch_points": 0},
        },
    )
    add(
        "sdk_android_with_iphone_ua",
        {"software": {"user_agent": UA["safari_iphone"]}},
        channel="android",
    )
    add(
        "avd",
        {
            "device": {
                "build_fingerprint": "google/sdk_gphone64_x86_64/emu64xa:14/UE1A.230829.036/"
                "10729249:userdebug/dev-keys",
                "hardware": "ranchu",
                "sensors": [],
                "battery_level": 1.0,
                "battery_charging": True,
            },
            "network": {"carrier": "Android"},
        },
        channel="android",
    )
    add(
        "emulator_gpu",
        {
            "software": {"user_agent": UA["chrome_android"]},
            "device": {
                "webgl_renderer": "Android Emulator OpenGL ES Translator (Google SwiftShader)"
            },
        },
    )
    add(
        "vmware",
        {
            "software": {"user_agent": UA["chrome_win"]},
            "device": {
                "webgl_renderer": "ANGLE (VMware, Inc., VMware SVGA 3D "
                "(0x00000405) Direct3D11 vs_5_0 ps_5_0, D3D11)",
                "hardware_concurrency": 1,
                "device_memory": 1,
            },
        },
    )
    add(
        "llvmpipe",
        {
            "software": {"user_agent": UA["chrome_linux"]},
            "device": {"webgl_renderer": "llvmpipe (LLVM 15.0.7, 256 bits)"},
        },
    )
    add(
        "sdk_vpn_proxy",
        {
            "network": {"vpn_active": True, "proxy_configured": True},
            "apps": {"category_counts": {"vpn": 1, "credit": 9}},
        },
        channel="android",
    )
    add("aws", chrome, ip_asn=16509, ip_country="US", ip_hosting="Amazon AWS")
    add("proxied", chrome, proxy_headers=("via", "forwarded"))
    add("m247", chrome, ip_asn=9009, ip_country="US", ip_vpn="M247, GB (NordVPN)")
    add("tor_exit", chrome, ip_asn=60729, ip_country="DE", ip_tor_exit=True)
    add(
        "tor",
        {
            "software": {
                "user_agent": "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 "
                "Firefox/128.0",
                "platform": "Win32",
                "timezone": "UTC",
                "timezone_offset_min": 0,
                "languages": ["en-US"],
            },
            "device": {"screen_width": 1000, "screen_height": 900, "hardware_concurrency": 2},
        },
    )
    add(
        "locale",
        {
            "software": {
                "user_agent": UA["chrome_win"],
                "timezone": "Europe/Berlin",
                "timezone_offset_min": -300,
                "languages": ["de-DE"],
            }
        },
        ip_country="US",
        header_languages=("ru",),
    )
    add(
        "form_robot",
        {
            "behaviour": {
                "fields": [
                    {"name": f"f{i}", "chars_typed": 20, "chars_pasted": 5, "focus_ms": 200}
                    for i in range(3)
                ],
                "keystroke_intervals_ms": [50] * 20,
                "time_on_page_ms": 1_000,
            }
        },
    )
    add("form_fast", {"behaviour": {"fields": [{"name": "a", "chars_typed": 60, "focus_ms": 600}]}})
    add(
        "odd_hardware",
        {
            "software": {"user_agent": UA["chrome_win"]},
            "device": {"screen_width": 0, "screen_height": 900, "hardware_concurrency": 0},
        },
    )
    add(
        "busy_bad_device",
        {},
        build_context(
            device_velocity=Velocity(h1=9, h24=30),
            ip_velocity=Velocity(h1=40, h24=300),
            ip_prefix_velocity=Velocity(h1=50, h24=900),
            device_history=DeviceHistory(
                known=True,
                first_seen=NOW - 86_400 * 3,
                sessions=12,
                other_tenants=3,
                other_tenants_30d=3,
                user_agents=("a", "b"),
                fraud_reports=1,
                reports=ReportEvidence(own=1),
            ),
            ip_fraud_reports=2,
            ip_reports=ReportEvidence(own=2),
        ),
    )
    # the collect request's own headers (plugins/http_client.py)
    add("script_client", chrome, http_user_agent="Python-urllib/3.11")
    add("crawler_header", chrome, http_user_agent=UA["googlebot"])
    add("not_a_browser", chrome, http_user_agent="firefox")
    add("header_other_browser", chrome, http_user_agent=UA["firefox_win"])
    add(
        "headless_hints",
        chrome,
        http_user_agent=UA["chrome_win"],
        http_ch_ua='"HeadlessChrome";v="156", "Chromium";v="156", "Not:A-Brand";v="8"',
        http_ch_ua_platform="Linux",
        http_ch_ua_mobile=False,
    )
    add("sdk_from_browser", {"software": {"os": "Android"}}, channel="android",
        http_user_agent=UA["chrome_win"])  # fmt: skip
    # what collector.js finds in the page (plugins/automation.py)
    add(
        "stealth_page",
        {
            "software": {
                "user_agent": UA["chrome_win"],
                "automation_signals": ["webdriver_tampered"],
                "ua_data_brands": ["Chromium/156", "Not:A-Brand/8"],
                "ua_data_platform": "Linux",
            },
            "device": {"touch_points": 0},
        },
    )
    # location, SIM and time zone against the network (plugins/location.py)
    add(
        "far_from_ip",
        {
            "location": {"lat": 52.52, "lon": 13.40, "accuracy_m": 20},
            "software": {"timezone": "America/New_York", "timezone_offset_min": -300},
            "network": {"sim_country": "de", "connection_type": "cellular"},
        },
        channel="android",
        ip_country="US",
    )
    add("farm", {"network": {"wifi_bssid_hash": "abc"}}, channel="android", wifi_devices_h24=20)
    add(
        "phone_hardware",
        {
            "device": {"sensors": ["Goldfish 3-axis Gyroscope"]},
            "network": {"bluetooth_on": False, "bluetooth_devices": 3},
        },
        channel="android",
    )
    add(
        "tampered_app",
        {
            "device": {"rooted": True, "jailbroken": True, "simulator": True},
            "software": {
                "hooking_framework": True,
                "debugger_attached": True,
                "app_signature_mismatch": True,
            },
        },
        channel="android",
    )
    add(
        "hosted_phone",
        {
            "software": {"user_agent": UA["chrome_android"], "platform": "Win32"},
            "device": {"touch_points": 0, "screen_width": 1920, "screen_height": 1080},
        },
        ip_asn=16509,
        ip_country="US",
        ip_hosting="Amazon AWS",
    )
    # what a costume cannot cover (plugins/tampering.py, engine_version, header_order)
    add(
        "costume",
        {
            "software": {"user_agent": UA["chrome_win"], "platform": "Win32"},
            "device": {"webgl_renderer": ANGLE_NVIDIA, "touch_points": 0},
            "coherence": {
                "worker_differs": ["hardware_concurrency", "platform"],
                "native_claims": ["navigator_platform", "proxy"],
                "geometry_conflicts": ["screen_aspect"],
                "max_texture_size": 8192,
                "font_families": ["linux"],
                "engine_features": ["find_last", "structured_clone"],
                "devtools_protocol": True,
                "input": [
                    {
                        "keys": 40,
                        "untrusted": 5,
                        "intervals": 30,
                        "flat_intervals": 25,
                        "pointer_fields": 4,
                        "pointer_moves": 4,
                    }
                ],
            },
        },
        http_user_agent=UA["chrome_win"],
        http_header_order=("user-agent", "accept-language", "accept", "accept-encoding"),
    )
    add("old_browser", {"software": {"user_agent": "Opera/9.80 (Windows NT 6.0) Presto/2.12"}})
    add(
        "privacy_extension",
        {
            "software": {"user_agent": UA["firefox_win"]},
            "coherence": {"native_readback": ["canvas_to_data_url"]},
        },
    )
    add(
        "good_device",
        {},
        build_context(
            device_history=DeviceHistory(
                known=True, first_seen=NOW - 86_400 * 400, sessions=20, good_reports=4
            )
        ),
    )
    return samples
