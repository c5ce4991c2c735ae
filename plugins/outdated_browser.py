"""Outdated or implausible browsers: a browser's lineage, not a program.

A user agent of a browser's lineage that no current browser sends (`Mozilla/4.0
(compatible; MSIE 6.0; ...)`, Opera Presto's `Opera/9.80 (...)`, a current one whose
device name breaks the usual shape: plugins/_bots.py LEGACY_BROWSER), or a current shape
claiming a release years old (Chrome-token engines before 100, Firefox before 91, Safari
before 14: all from 2020-2022), is `UA_OUTDATED_BROWSER`. It is not `automation`: a
program drives no browser here that a person could not have. Real users keep such browsers
(a phone stuck on its last Chrome update, an old kiosk), and such a string is also a cheap
spoof; hence a small weight and no flag. Measured on Matomo's real user agents
(tools/ua_corpus.py, docs/anti-detect.md).
"""

from __future__ import annotations

import re

from engine.features import CollectedSession, Context, RuleHit
from engine.hookspecs import hookimpl
from plugins._bots import LEGACY_BROWSER, client_kind
from plugins._settings import number

FLAGS: tuple[str, ...] = ()
CODES: tuple[str, ...] = ("UA_OUTDATED_BROWSER",)
FEATURES: dict[str, str] = {}

_CHROME = re.compile(r"\b(?:Chrome|CriOS)/(\d+)\.")
_FIREFOX = re.compile(r"\bFirefox/(\d+)\.")
_SAFARI = re.compile(r"\bVersion/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")
_MIN = {"chrome": 100.0, "firefox": 91.0, "safari": 14.0}  # tenant settings: min_<name>


def outdated(ua: str, context: Context) -> str | None:
    """Why the user agent is outdated or implausible, or None."""
    if client_kind(ua) == LEGACY_BROWSER:
        return "no current browser's shape"
    for name, pattern in (("chrome", _CHROME), ("firefox", _FIREFOX), ("safari", _SAFARI)):
        m = pattern.search(ua)
        if m is not None:
            floor = number(context, f"min_{name}", _MIN[name])
            return f"{name} {m.group(1)} < {floor:g}" if int(m.group(1)) < floor else None
    return None


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, context: Context) -> RuleHit | None:
    ua = (session.attributes.software.user_agent or "").strip()
    if not ua or session.channel != "web":
        return None
    why = outdated(ua, context)
    return None if why is None else RuleHit(code="UA_OUTDATED_BROWSER", detail=why)


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
