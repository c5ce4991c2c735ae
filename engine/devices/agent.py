"""User-agent parsing, once for the whole service: device linking and the plugins read the
same parse, so the two can never disagree about a browser or an OS.

ua_parser with its Rust resolver (`ua-parser-rs`, ~30 us per unseen string; the pure-Python
fallback costs ~1 ms) behind an LRU cache, since user agents repeat a lot. The parse is
classified here (OS class, phone, bot, headless) because linking needs the OS class and the
versions, and the plugins need the rest. `plugins/_ua.py` re-exports this module for them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import ua_parser

# What `os_class` can be; "other" covers unknown and exotic systems (never a mismatch).
WINDOWS, MAC, IOS, ANDROID, LINUX, CHROMEOS, OTHER = (
    "windows",
    "mac",
    "ios",
    "android",
    "linux",
    "chromeos",
    "other",
)
DESKTOP_CLASSES = frozenset({WINDOWS, MAC, LINUX, CHROMEOS})

_LINUX_FAMILIES = frozenset(
    {
        "linux",
        "ubuntu",
        "kubuntu",
        "debian",
        "fedora",
        "mint",
        "linux mint",
        "arch linux",
        "opensuse",
        "suse",
        "red hat",
        "centos",
        "gentoo",
        "mageia",
        "slackware",
        "mandriva",
    }
)

# Command-line and library HTTP clients: no real browser reports these in navigator.userAgent.
_HTTP_CLIENT_FAMILIES = frozenset(
    {
        "curl",
        "wget",
        "python requests",
        "python-urllib",
        "go-http-client",
        "apache-httpclient",
        "axios",
        "java",
        "scrapy",
        "okhttp",
        "cfnetwork",
    }
)
_HTTP_CLIENT_PREFIXES = (
    "curl/",
    "wget/",
    "python-",
    "python/",
    "aiohttp/",
    "httpx/",
    "go-http-client",
    "java/",
    "node-fetch",
    "node/",
    "undici",
    "axios/",
    "libwww-perl",
    "lwp::",
    "okhttp/",
    "postmanruntime",
    "insomnia/",
    "ruby",
    "php/",
    "guzzlehttp",
)
# Native HTTP stacks an SDK may legitimately send from inside a real app.
SDK_NATIVE_CLIENTS = frozenset({"okhttp", "cfnetwork", "dalvik"})

_HEADLESS_MARKERS = ("headlesschrome", "phantomjs", "slimerjs", "htmlunit")
_TV_MARKERS = (" tv", "smart-tv", "smarttv", "googletv", "appletv", "bravia", "; aft", "crkey")


@dataclass(frozen=True, slots=True)
class ParsedUA:
    """One user-agent string, parsed and classified."""

    browser: str | None
    browser_major: int | None
    os: str | None
    os_major: int | None
    device_family: str | None
    os_class: str
    is_mobile: bool  # handheld OS (phone or tablet)
    is_phone: bool  # a phone UA specifically (touch screen certain)
    is_spider: bool  # a declared crawler (ua_parser's "Spider" device)
    http_client: str | None  # lowercased family/prefix of a library HTTP client
    is_headless: bool  # a headless-browser marker in the string
    browser_version: tuple[int, ...] = ()  # (major, minor, patch) as far as the UA says
    os_version: tuple[int, ...] = ()

    @property
    def is_desktop(self) -> bool:
        return self.os_class in DESKTOP_CLASSES and not self.is_mobile


def _major(value: str | None) -> int | None:
    if value is None:
        return None
    digits = value.strip()
    return int(digits) if digits.isdigit() and len(digits) < 7 else None


def _version(*parts: str | None) -> tuple[int, ...]:
    """The leading numeric parts of a version: ('17', '6', None) -> (17, 6)."""
    out: list[int] = []
    for part in parts:
        number = _major(part)
        if number is None:
            break
        out.append(number)
    return tuple(out)


def _os_class(family: str, lowered_ua: str) -> str:
    f = family.lower()
    if f.startswith("windows phone") or f.startswith("windows mobile"):
        return OTHER
    if f.startswith("windows"):
        return WINDOWS
    if f in ("mac os x", "macos", "mac os"):
        return MAC
    if f in ("ios", "ipados"):
        return IOS
    if f == "android":
        return ANDROID
    if f == "chrome os":
        return CHROMEOS
    if f in _LINUX_FAMILIES or (
        f == "other" and "linux" in lowered_ua and "android" not in lowered_ua
    ):
        return LINUX
    return OTHER


def _http_client(family: str, lowered_ua: str) -> str | None:
    f = family.lower()
    if f in _HTTP_CLIENT_FAMILIES:
        return f
    if lowered_ua.startswith("dalvik/"):
        return "dalvik"
    for prefix in _HTTP_CLIENT_PREFIXES:
        if lowered_ua.startswith(prefix):
            return prefix.rstrip("/:")
    return None


@functools.lru_cache(maxsize=4096)
def parse_ua(ua: str) -> ParsedUA:
    """Parse and classify one user-agent string (cached: user agents repeat a lot)."""
    try:
        result = ua_parser.parse(ua).with_defaults()
    except Exception:  # a third-party parser must never fail a score
        result = ua_parser.DefaultedResult(
            user_agent=ua_parser.UserAgent(),
            os=ua_parser.OS(),
            device=ua_parser.Device(),
            string=ua,
        )
    low = ua.lower()
    os_class = _os_class(result.os.family, low)
    tv = any(m in low for m in _TV_MARKERS)
    if os_class == IOS:
        is_phone = ("iphone" in low or "ipod" in low) and "ipad" not in low
    elif os_class == ANDROID:
        is_phone = "mobile" in low and not tv
    else:
        is_phone = False
    is_mobile = os_class in (IOS, ANDROID) or result.os.family.lower().startswith(
        ("windows phone", "kaios", "firefox os")
    )
    return ParsedUA(
        browser=result.user_agent.family if result.user_agent.family != "Other" else None,
        browser_major=_major(result.user_agent.major),
        os=result.os.family if result.os.family != "Other" else None,
        os_major=_major(result.os.major),
        device_family=result.device.family if result.device.family != "Other" else None,
        os_class=os_class,
        is_mobile=is_mobile,
        is_phone=is_phone,
        is_spider=result.device.family == "Spider",
        http_client=_http_client(result.user_agent.family, low),
        is_headless=any(m in low for m in _HEADLESS_MARKERS),
        browser_version=_version(
            result.user_agent.major, result.user_agent.minor, result.user_agent.patch
        ),
        os_version=_version(result.os.major, result.os.minor, result.os.patch),
    )


def is_bot(ua: ParsedUA, channel: str) -> bool:
    """A declared crawler, or an HTTP library where a browser (or the SDK's own stack) belongs."""
    if ua.is_spider:
        return True
    if ua.http_client is None:
        return False
    return not (channel in ("android", "ios") and ua.http_client in SDK_NATIVE_CLIENTS)


def platform_class(platform: str | None) -> str | None:
    """navigator.platform (or the SDK OS name) as an os class; None when absent."""
    if not platform or not platform.strip():
        return None
    p = platform.strip().lower()
    if p.startswith("win"):
        return WINDOWS
    if p.startswith("mac"):
        return MAC
    if p.startswith(("iphone", "ipad", "ipod")) or p in ("ios", "ipados"):
        return IOS
    if p == "android":
        return ANDROID
    if p.startswith("linux"):
        return LINUX
    if p in ("chrome os", "chromeos", "cros"):
        return CHROMEOS
    return OTHER


def sdk_os_class(os_name: str | None, channel: str) -> str | None:
    """The OS an SDK says it runs on (software.os, else the channel); None on the web."""
    if os_name and os_name.strip():
        o = os_name.strip().lower()
        if o == "android" or o.startswith("android "):
            return ANDROID
        if o in ("ios", "ipados", "iphone os") or o.startswith(("ios ", "ipados ")):
            return IOS
        return OTHER
    if channel == "android":
        return ANDROID
    if channel == "ios":
        return IOS
    return None
