"""What a browser install says about itself at a given version: user agent, client hints,
WebGL strings.

Why: the data gives each browser at one moment (spring 2026); over six months the same
install updates, and what it reports must move the way real browsers move: only the major
in the user agent (Chrome's reduced UA keeps "0.0.0"), Chromium's GREASE brand reshuffled by
major, Firefox's sanitised WebGL renderer, iOS 26's frozen "iPhone OS 18_x" token with the
real version in "Version/". Pure functions of strings, no state.
"""

from __future__ import annotations

import re

_CHROMIUM = re.compile(r"\b(Chrome|Edg|EdgA|CriOS|OPR)/(\d+)")
_FIREFOX = re.compile(r"\b(rv:|Firefox/|FxiOS/)(\d+)")
_GECKO_MOBILE = re.compile(r"Gecko/(\d+)\.0")
_SAFARI_VERSION = re.compile(r"Version/(\d+)\.(\d+)(?:\.(\d+))?")
_IOS_TOKEN = re.compile(r"(iPhone OS|CPU OS) (\d+)_(\d+)(?:_(\d+))?")


def engine_of(user_agent: str) -> str:
    """blink, gecko or webkit: which engine draws the canvas (every iOS browser is WebKit)."""
    if "iPhone" in user_agent or "iPad" in user_agent:
        return "webkit"
    if "Firefox/" in user_agent:
        return "gecko"
    if "Chrome/" in user_agent:
        return "blink"
    return "webkit"


def browser_of(user_agent: str) -> str:
    for token, name in (
        ("Edg", "edge"),
        ("OPR/", "opera"),
        ("CriOS/", "chrome-ios"),
        ("FxiOS/", "firefox-ios"),
        ("Firefox/", "firefox"),
        ("Chrome/", "chrome"),
    ):
        if token in user_agent:
            return name
    return "safari"


def release_train(user_agent: str) -> str | None:
    """Whose release calendar the install follows: Chrome's and Firefox's ship a major every
    four weeks (on iOS too, inside WebKit); Safari's comes with the OS."""
    if "CriOS/" in user_agent or engine_of(user_agent) == "blink":
        return "blink"
    if "FxiOS/" in user_agent or engine_of(user_agent) == "gecko":
        return "gecko"
    return None


def major_of(user_agent: str) -> int:
    """The browser's major version as the user agent states it."""
    engine = engine_of(user_agent)
    if engine == "gecko" or "FxiOS/" in user_agent:
        found = _FIREFOX.search(user_agent)
    elif "Version/" in user_agent and engine == "webkit" and "CriOS/" not in user_agent:
        found = _SAFARI_VERSION.search(user_agent)
        return int(found.group(1)) if found else 0
    else:
        found = _CHROMIUM.search(user_agent)
    return int(found.group(2)) if found else 0


def with_major(user_agent: str, major: int) -> str:
    """The same user agent after a major update of a Chromium or Gecko browser."""
    if engine_of(user_agent) == "gecko" or "FxiOS/" in user_agent:
        out = _FIREFOX.sub(lambda m: f"{m.group(1)}{major}", user_agent)
        return _GECKO_MOBILE.sub(f"Gecko/{major}.0", out)
    return _CHROMIUM.sub(lambda m: f"{m.group(1)}/{major}", user_agent)


def ios_version_of(user_agent: str) -> tuple[int, int, int] | None:
    """The real iOS version: Safari's "Version/" since iOS 26 froze the OS token."""
    token = _IOS_TOKEN.search(user_agent)
    if token is None:
        return None
    version = _SAFARI_VERSION.search(user_agent)
    if version is not None and int(version.group(1)) >= 26:
        return int(version.group(1)), int(version.group(2)), int(version.group(3) or 0)
    return int(token.group(2)), int(token.group(3)), int(token.group(4) or 0)


def with_ios_version(user_agent: str, version: tuple[int, int, int]) -> str:
    """An iOS browser's user agent on another iOS version (token frozen from 26 on)."""
    major, minor, patch = version
    shown = f"{major}.{minor}" + (f".{patch}" if patch and major >= 26 else "")
    out = (
        _SAFARI_VERSION.sub(f"Version/{shown}", user_agent)
        if "Version/" in user_agent
        else (user_agent)
    )
    if major < 26:
        token = f"{major}_{minor}" + (f"_{patch}" if patch else "")
        out = _IOS_TOKEN.sub(lambda m: f"{m.group(1)} {token}", out)
    return out


_GREASE_CHARS = (" ", "(", ":", "-", ".", "/", ")", ";", "=", "?", "_")
_GREASE_VERSIONS = ("8", "99", "24")
_PERMUTATIONS = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))


def brands(brand: str, major: int) -> list[tuple[str, str]]:
    """navigator.userAgentData.brands of a Chromium browser: its brand, Chromium and the
    GREASE brand whose name, version and position Chromium derives from the major."""
    grease = (
        f"Not{_GREASE_CHARS[major % 11]}A{_GREASE_CHARS[(major + 1) % 11]}Brand",
        _GREASE_VERSIONS[major % 3],
    )
    out: list[tuple[str, str]] = [("", "")] * 3
    order = _PERMUTATIONS[major % 6]
    out[order[0]] = grease
    out[order[1]] = ("Chromium", str(major))
    out[order[2]] = (brand, str(major))
    return out


def sec_ch_ua(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f'"{name}";v="{version}"' for name, version in pairs)


def firefox_user_agent(os_family: str, major: int) -> str:
    """Firefox's user agent on a desktop of this OS (Firefox does not reduce the OS token
    the way Chrome does, but freezes macOS at 10.15 and Windows at 10.0)."""
    platform = {
        "Windows": "Windows NT 10.0; Win64; x64",
        "macOS": "Macintosh; Intel Mac OS X 10.15",
        "Linux": "X11; Linux x86_64",
        "Chrome OS": "X11; CrOS x86_64 14541.0.0",
    }[os_family]
    return f"Mozilla/5.0 ({platform}; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"


def firefox_webgl(vendor: str, renderer: str, os_family: str) -> tuple[str, str]:
    """Firefox's WebGL strings for a GPU Chrome describes as `renderer`: Firefox sanitises
    the renderer (no device id, no driver) and appends ", or similar" on Windows."""
    if renderer.endswith(", or similar"):  # the data saw this GPU through Firefox already
        return vendor, renderer
    inner = renderer
    found = re.match(
        r"ANGLE \(([^,]+), (.+?)(?: \(0x[0-9A-Fa-f]+\))?( Direct3D.*|, .*)?\)$", renderer
    )
    if found:
        inner = found.group(2)
        inner = re.sub(r"^ANGLE Metal Renderer: ", "", inner)
    if os_family == "Windows":
        maker = found.group(1) if found else "Unknown"
        return vendor, f"ANGLE ({maker}, {inner} Direct3D11 vs_5_0 ps_5_0), or similar"
    if os_family == "macOS":
        return "Apple", "Apple M1, or similar" if "Apple" in inner else f"{inner}, or similar"
    return vendor, inner


def gpu_chip(renderer: str) -> str:
    """The GPU model inside a renderer string: what decides how a canvas is rasterised."""
    renderer = renderer.removesuffix(", or similar")
    found = re.match(
        r"ANGLE \([^,]+, (?:ANGLE Metal Renderer: )?(.+?)(?: \(0x|,| Direct3D|$)", renderer
    )
    return found.group(1).strip() if found else renderer
