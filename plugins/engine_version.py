"""The claimed browser version against what the engine can do.

A costume keeps the engine it runs on: Chromium 156 dressed as Chrome 120, or an old
Chromium dressed as this month's Chrome. The collector lists which dated JavaScript
built-ins exist (collector.js ENGINE_FEATURES, `coherence.engine_features`); each shipped
in a known release of each engine (below, from the engines' release notes and MDN's
browser-compat-data). A built-in missing from an engine that claims a release at least one
after it shipped, or present in one that claims a release two or more before, is a lie
about the version (`TAMPERING_ENGINE_VERSION`). The margins leave room for features
shipped behind a flag a release early and for a version rolled out in stages.

Only Chrome-token browsers (Chrome, Edge, Opera, Samsung Internet: the token is the
engine's), Firefox and desktop/iOS Safari (`Version/`) are judged; anything else is not.
"""

from __future__ import annotations

import re

from engine.features import CollectedSession, RuleHit
from engine.hookspecs import hookimpl

FLAGS: tuple[str, ...] = ("tampering",)
FEATURES: dict[str, str] = {}
CODES: tuple[str, ...] = ("TAMPERING_ENGINE_VERSION",)

# built-in -> first major release with it: (Chromium, Firefox, Safari)
SHIPPED: dict[str, tuple[int, int, float]] = {
    "find_last": (97, 104, 15.4),
    "structured_clone": (98, 94, 15.4),
    "to_sorted": (110, 115, 16.0),
    "object_group_by": (117, 119, 17.4),
    "with_resolvers": (119, 121, 17.4),
    "set_union": (122, 127, 17.0),
    "url_parse": (126, 126, 18.0),
    "promise_try": (128, 134, 18.2),
    "regexp_escape": (136, 134, 18.2),
}
_CHROME = re.compile(r"(?:Chrome|Chromium)/(\d+)\.")
_FIREFOX = re.compile(r"Firefox/(\d+)\.")
_SAFARI = re.compile(r"Version/(\d+(?:\.\d+)?)")


def claimed(ua: str) -> tuple[int, float] | None:
    """(engine index 0 Chromium / 1 Firefox / 2 Safari, claimed version), or None."""
    if "CriOS/" in ua or "FxiOS/" in ua or "EdgiOS/" in ua:
        return None  # WebKit underneath whatever the name: judged by nothing here
    if m := _FIREFOX.search(ua):
        return (1, float(m.group(1))) if "Gecko/" in ua else None
    if m := _CHROME.search(ua):
        return 0, float(m.group(1))
    if "Safari/" in ua and (m := _SAFARI.search(ua)):
        return 2, float(m.group(1))
    return None


def contradiction(ua: str, features: list[str]) -> str | None:
    """What the engine's built-ins say against the claimed version, or None."""
    claim = claimed(ua)
    if claim is None:
        return None
    engine, version = claim
    have = set(features)
    step = 0.1 if engine == 2 else 1.0
    for name, releases in SHIPPED.items():
        first = releases[engine]
        if name not in have and version >= first + step:
            return f"claims {version:g}, lacks {name} (from {first:g})"
        if name in have and version <= first - 2 * step:
            return f"claims {version:g}, has {name} (from {first:g})"
    return None


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> RuleHit | None:
    features = session.attributes.coherence.engine_features
    ua = session.attributes.software.user_agent
    if features is None or not ua or session.channel != "web":
        return None
    problem = contradiction(ua, features)
    if problem is None:
        return None
    return RuleHit(code="TAMPERING_ENGINE_VERSION", flag="tampering", detail=problem)


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
