"""User agents as real traffic has them: many browsers, versions, devices and in-app
browsers, so the service's user-agent parsing is measured on strings it has not cached.

`user_agents(n, seed)` returns `n` distinct strings, each with the `navigator.platform`
and the device class a collector on that browser would report. The templates follow the
formats browsers send (Chrome's reduced UA with `.0.0.0`, Edge's full version, Firefox's
`rv:`, Safari's `Version/`, Samsung Internet, Android WebView with the device model,
Instagram's and Facebook's in-app browsers).
"""

from __future__ import annotations

import random

Agent = tuple[str, str, str]  # (user agent, navigator.platform, class: desktop|mac|android|ios)

_ANDROID_MODELS = (
    (
        "SM-S918B SM-S911B SM-A546B SM-A346B SM-G991B SM-A536B SM-A145R Pixel\\ 8 Pixel\\ 7a "
        "Pixel\\ 6 2201117TY 23078RKD5C M2101K6G CPH2449 RMX3771 V2231 moto\\ g54\\ 5G "
        "motorola\\ edge\\ 40 XQ-DQ54 ASUS_AI2302 NE2213 LE2123 22101316G SM-F946B"
    )
    .replace("\\ ", "\0")
    .split()
)
_ANDROID_BUILDS = ("UP1A.231005.007", "TP1A.220624.014", "AP1A.240305.019", "SKQ1.220303.001")
_IOS = ("15_8", "16_6", "16_7_8", "17_1_2", "17_4_1", "17_5", "17_6_1", "18_0", "18_1_1")
_IOS_SAFARI = {"15": "15.6", "16": "16.6", "17": "17.5", "18": "18.1"}


def _chrome_desktop(rng: random.Random) -> Agent:
    major = rng.randint(116, 131)
    if rng.random() < 0.5:
        sys, plat, cls = "Windows NT 10.0; Win64; x64", "Win32", "desktop"
    elif rng.random() < 0.7:
        sys, plat, cls = "Macintosh; Intel Mac OS X 10_15_7", "MacIntel", "mac"
    else:
        sys, plat, cls = "X11; Linux x86_64", "Linux x86_64", "desktop"
    ua = f"Mozilla/5.0 ({sys}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 "
    if rng.random() < 0.35 and plat != "Linux x86_64":
        build = f"{major}.0.{rng.randint(2000, 2999)}.{rng.randint(10, 140)}"
        return ua + f"Safari/537.36 Edg/{build}", plat, cls
    if rng.random() < 0.1:
        opr = f"{major - 14}.0.{rng.randint(4000, 5600)}.{rng.randint(10, 90)}"
        return ua + f"Safari/537.36 OPR/{opr}", plat, cls
    return ua + "Safari/537.36", plat, cls


def _firefox(rng: random.Random) -> Agent:
    v = rng.randint(115, 133)
    if rng.random() < 0.6:
        sys, plat, cls = "Windows NT 10.0; Win64; x64", "Win32", "desktop"
    elif rng.random() < 0.5:
        sys, plat, cls = f"Macintosh; Intel Mac OS X 10.{rng.randint(13, 15)}", "MacIntel", "mac"
    else:
        sys, plat, cls = "X11; Ubuntu; Linux x86_64", "Linux x86_64", "desktop"
    return f"Mozilla/5.0 ({sys}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0", plat, cls


def _android_chrome(rng: random.Random) -> Agent:
    major = rng.randint(116, 131)
    version = rng.choice(("10", "12", "13", "14"))
    ua = (
        f"Mozilla/5.0 (Linux; Android {version}; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.0.0 Mobile Safari/537.36"
    )
    if rng.random() < 0.4:
        sb = f"{rng.randint(21, 26)}.0"
        model = rng.choice(_ANDROID_MODELS).replace("\0", " ")
        ua = (
            f"Mozilla/5.0 (Linux; Android {version}; {model}) AppleWebKit/537.36 (KHTML, "
            f"like Gecko) SamsungBrowser/{sb} Chrome/{major}.0.0.0 Mobile Safari/537.36"
        )
    return ua, "Linux armv81", "android"


def _android_webview(rng: random.Random) -> Agent:
    major = rng.randint(116, 131)
    model = rng.choice(_ANDROID_MODELS).replace("\0", " ")
    version = rng.choice(("12", "13", "14"))
    build = rng.choice(_ANDROID_BUILDS)
    base = (
        f"Mozilla/5.0 (Linux; Android {version}; {model} Build/{build}; wv) AppleWebKit/537.36 "
        f"(KHTML, like Gecko) Version/4.0 Chrome/{major}.0.{rng.randint(6000, 6900)}."
        f"{rng.randint(40, 200)} Mobile Safari/537.36"
    )
    if rng.random() < 0.5:
        app = (
            f" Instagram {rng.randint(280, 320)}.0.0.{rng.randint(10, 40)}.{rng.randint(90, 130)}"
            f" Android ({int(version) + 19}/{version}; {rng.choice((420, 440, 480))}dpi; "
            f"1080x{rng.choice((2340, 2400, 2316))}; {model.split()[0].lower()}; {model}; "
            f"{rng.choice(('de_DE', 'en_GB', 'fr_FR', 'es_ES'))}; {rng.randint(10**8, 10**9)})"
        )
    else:
        fbav = f"{rng.randint(400, 480)}.0.0.{rng.randint(10, 60)}.{rng.randint(10, 120)}"
        app = f" [FB_IAB/FB4A;FBAV/{fbav};]"
    return base + app, "Linux armv81", "android"


def _ios_safari(rng: random.Random) -> Agent:
    ios = rng.choice(_IOS)
    major = ios.split("_")[0]
    device, plat = (
        ("iPhone; CPU iPhone OS", "iPhone")
        if rng.random() < 0.85
        else (
            "iPad; CPU OS",
            "iPad",
        )
    )
    ua = f"Mozilla/5.0 ({device} {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    if rng.random() < 0.25:
        return (
            ua
            + f"CriOS/{rng.randint(116, 131)}.0.{rng.randint(6000, 6800)}.{rng.randint(40, 150)}"
            + " Mobile/15E148 Safari/604.1",
            plat,
            "ios",
        )
    return ua + f"Version/{_IOS_SAFARI[major]} Mobile/15E148 Safari/604.1", plat, "ios"


def _mac_safari(rng: random.Random) -> Agent:
    v = rng.choice(("16.6", "17.0", "17.4.1", "17.5", "17.6", "18.0", "18.1"))
    return (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        f" Version/{v} Safari/605.1.15",
        "MacIntel",
        "mac",
    )


_FAMILIES = (
    (30, _chrome_desktop),
    (10, _firefox),
    (25, _android_chrome),
    (10, _android_webview),
    (20, _ios_safari),
    (5, _mac_safari),
)


def user_agents(n: int, seed: int = 5) -> list[Agent]:
    """`n` distinct user agents, in the proportions of a lender's web traffic."""
    rng = random.Random(seed)
    weights = [w for w, _ in _FAMILIES]
    seen: set[str] = set()
    out: list[Agent] = []
    for _ in range(n * 50):
        family = rng.choices(_FAMILIES, weights)[0][1]
        agent = family(rng)
        if agent[0] not in seen:
            seen.add(agent[0])
            out.append(agent)
            if len(out) == n:
                return out
    raise RuntimeError(f"only {len(out)} distinct user agents; widen the templates")
