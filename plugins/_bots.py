"""Who can have run the collector: browsers, and the clients that cannot.

Only a real browser runs `collector.js`, so a web session whose user agent (the payload's,
or the collect request's own header) is anything else was posted by a script. Two tests,
side by side:

- the structure every current browser's user agent has: `Mozilla/5.0 (<platform>) ` then
  an engine token (`AppleWebKit/`, `Gecko/`; `Trident/` inside the parentheses for IE 11).
  "Hello World", "firefox", "MagpieRSS/0.72" or "Validator.nu/LV" have no such shape;
- a maintained list of declared bots, crawlers and HTTP libraries: the PyPI package
  `crawler-user-agents` (github.com/monperrus/crawler-user-agents, MIT), pinned in
  pyproject.toml. Each pattern carries tags; `http-library` and `browser-automation` say
  which kind of client it is, every other tag is a crawler or a monitor.

Mobile SDKs post from the platform's own networking stack (OkHttp, Dalvik's
HttpURLConnection, CFNetwork/NSURLSession, Dart), which is right on the SDK channels and
impossible on the web. Not a plugin: `http_client` and `user_agent` share these.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import re
from dataclasses import dataclass
from typing import Any

import crawleruseragents

BROWSER, LEGACY_BROWSER = "browser", "legacy_browser"
HTTP_LIBRARY, AUTOMATION_TOOL, CRAWLER, APP_STACK, OTHER, NONE = (
    "http_library",
    "automation_tool",
    "crawler",
    "app_stack",
    "other",
    "none",
)

_BROWSER_SHAPE = re.compile(
    r"^Mozilla/5\.0 \((?:[^()]*\) (?:AppleWebKit|Gecko)/\d|[^()]*\bTrident/\d)"
)
# The platform networking stacks a mobile app (and so our SDK) sends from. Apps that set
# their own User-Agent often keep the stack's token after their name ("LoanApp/3.2.0 (Linux;
# U; Android 14; ...) okhttp/4.12.0"), so `okhttp/` counts anywhere, as CFNetwork does.
_APP_STACKS = re.compile(
    r"^(?:okhttp/|dalvik/|dart/|cfnetwork/|alamofire/)|\b(?:CFNetwork|Darwin|okhttp)/\d",
    re.IGNORECASE,
)
# A browser's lineage without a current browser's shape: old engines (MSIE's
# `Mozilla/4.0 (compatible; MSIE 6.0; ...)`, Opera Presto's `Opera/9.80 (...)`), odd ones
# (Servo, Konqueror), and current ones whose device name breaks the shape (nested brackets).
_LEGACY_SHAPE = re.compile(r"^(?:Mozilla/\d|Opera/\d)")
_CHUNK = 40
# the parser behind `re` (a private module, untyped): to tell plain-string patterns apart
_SRE_PARSER: Any = importlib.import_module("re._parser")


@dataclass(frozen=True, slots=True)
class BotMatch:
    """A user agent the list knows: its kind and the pattern that matched."""

    kind: str  # HTTP_LIBRARY, AUTOMATION_TOOL or CRAWLER
    pattern: str


def browser_shaped(ua: str) -> bool:
    """The user agent has the shape of a current browser's (see the module docstring)."""
    return bool(_BROWSER_SHAPE.match(ua))


def app_stack(ua: str) -> bool:
    """A mobile platform's networking stack (OkHttp, Dalvik, CFNetwork, Dart)."""
    return bool(_APP_STACKS.search(ua))


def _kind(tags: list[str]) -> str:
    if "browser-automation" in tags:
        return AUTOMATION_TOOL
    if "http-library" in tags:
        return HTTP_LIBRARY
    return CRAWLER


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], str], ...]], ...]:
    """The list compiled once: chunks of alternations, each with its own patterns."""
    entries = [
        (str(e["pattern"]), _kind(list(e.get("tags", ()))))
        for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA
    ]
    chunks = []
    for i in range(0, len(entries), _CHUNK):
        part = entries[i : i + _CHUNK]
        joined = re.compile("|".join(f"(?:{p})" for p, _ in part))
        chunks.append((joined, tuple((re.compile(p), kind) for p, kind in part)))
    return tuple(chunks)


def _literal(pattern: str) -> str | None:
    """The text a pattern matches when it is a plain string (escapes allowed), else None."""
    parsed = _SRE_PARSER.parse(pattern)
    if all(op == _SRE_PARSER.LITERAL for op, _ in parsed):
        return "".join(chr(code) for _, code in parsed)
    return None


def _trie_regex(words: list[str]) -> str:
    """One regex matching any of `words`, as a trie: at each position it follows one branch
    per next character instead of trying every word (Python's `re` does not merge the
    branches of an alternation), so a user agent naming none of them is rejected fast."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here: any longer word below adds nothing to `search`

    def build(node: dict[str, Any]) -> str:
        if "" in node:
            return ""
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(root)


@functools.cache
def _screen() -> re.Pattern[str]:
    """Matches a user agent when some pattern of the list does (and only then): the plain
    string patterns (1,468 of 1,504 in 1.67.0) as one trie, the others as an alternation.
    The list's own order decides which entry a match is (`match_bot`)."""
    words, others = [], []
    for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA:
        text = _literal(str(e["pattern"]))
        if text:
            words.append(text)
        else:
            others.append(f"(?:{e['pattern']})")
    return re.compile("|".join(([_trie_regex(words)] if words else []) + others))


@functools.lru_cache(maxsize=4096)
def match_bot(ua: str) -> BotMatch | None:
    """The first list entry whose pattern matches (case-sensitive, as the list is written).

    Most user agents are browsers that no entry names: one screening regex rejects them
    (tens of microseconds); only a user agent it matches is tried entry by entry."""
    if _screen().search(ua) is None:
        return None
    for joined, entries in _patterns():
        if joined.search(ua) is None:
            continue
        for pattern, kind in entries:
            if pattern.search(ua):
                return BotMatch(kind=kind, pattern=pattern.pattern)
    return None


def _in_device_name(ua: str, found: BotMatch) -> bool:
    """The crawler pattern matched only inside a browser-shaped user agent's platform
    comment, where phone makers put free-text model names ("HTC Butterfly", "O+ Sonic",
    "Build/AP3A.240617.008" are real phones that crawler patterns name too)."""
    if not browser_shaped(ua):
        return False
    start, end = ua.find("("), ua.find(")")
    spans = [m.span() for m in re.finditer(found.pattern, ua)]
    return bool(spans) and all(start < a and b <= end for a, b in spans)


@functools.lru_cache(maxsize=4096)
def client_kind(ua: str | None) -> str:
    """What sent this user agent: BROWSER (browser-shaped, named by no list entry),
    LEGACY_BROWSER (a browser's lineage, `Mozilla/` or `Opera/`, without a current
    browser's shape), HTTP_LIBRARY, AUTOMATION_TOOL, CRAWLER, APP_STACK, OTHER (neither
    listed) or NONE (absent or blank)."""
    text = (ua or "").strip()
    if not text:
        return NONE
    found = match_bot(text)
    if found is not None and found.kind == CRAWLER and _in_device_name(text, found):
        found = None
    if app_stack(text) and (found is None or found.kind == HTTP_LIBRARY):
        return APP_STACK
    if found is not None:
        return found.kind
    if browser_shaped(text):
        return BROWSER
    return LEGACY_BROWSER if _LEGACY_SHAPE.match(text) else OTHER


def list_version() -> tuple[str, str, int]:
    """(package version, newest entry's addition date, number of patterns)."""
    data = crawleruseragents.CRAWLER_USER_AGENTS_DATA
    newest = max((str(e.get("addition_date", "")) for e in data), default="")
    return importlib.metadata.version("crawler-user-agents"), newest.replace("/", "-"), len(data)


def warm_up() -> None:
    """Compile the list now (about 0.2 s) rather than on the first request."""
    _patterns()
    _screen()


_HINT = re.compile(r'\s*"((?:[^"\\]|\\.){0,64})"\s*;\s*v\s*=\s*"(\d{1,8})[^"]{0,32}"\s*')


def parse_brands(value: str | None) -> list[tuple[str, int]] | None:
    """Sec-CH-UA (`"Chromium";v="131", "Not_A Brand";v="24"`) or the collector's
    `brand/major` list as (brand, major) pairs; None when absent or unreadable."""
    if value is None:
        return None
    out: list[tuple[str, int]] = []
    for part in value.split(",")[:16]:
        m = _HINT.fullmatch(part)
        if m is None:
            return None
        out.append((m.group(1), int(m.group(2))))
    return out or None


def brand_pairs(brands: list[str] | None) -> list[tuple[str, int]] | None:
    """The collector's `software.ua_data_brands` (`Chromium/131`) as (brand, major)."""
    if not brands:
        return None
    out: list[tuple[str, int]] = []
    for item in brands:
        name, _, major = item.rpartition("/")
        if name and major.isdigit() and len(major) < 9:
            out.append((name, int(major)))
    return out or None


def chromium_major(pairs: list[tuple[str, int]]) -> int | None:
    """The Chromium engine version the brands name (the 'Chromium' brand), else None."""
    for brand, major in pairs:
        if brand == "Chromium":
            return major
    return None


def headless_brand(pairs: list[tuple[str, int]]) -> bool:
    return any("headless" in brand.lower() for brand, _ in pairs)
