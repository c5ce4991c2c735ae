"""Privacy browsers: a protection, said as such, and never called tampering.

`PRIVACY_BROWSER` (no flag, a small weight) when the session shows Firefox's
resistFingerprinting profile or readback functions patched by a privacy extension
(plugins/_privacy.py). It explains a uniform or noisy fingerprint to the lender: such a
device links less surely across visits and its screen, fonts and time zone say little.
"""

from __future__ import annotations

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._privacy import privacy_protections

FLAGS: tuple[str, ...] = ()
CODES: tuple[str, ...] = ("PRIVACY_BROWSER",)
FEATURES: dict[str, str] = {
    "privacy_protections": "privacy protections the browser shows: resist_fingerprinting "
    "(Firefox's uniform profile), readback_patched (canvas/audio readback patched by a "
    "privacy extension), comma-separated; None when there are none",
}


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    return {"privacy_protections": ",".join(privacy_protections(session)) or None}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> RuleHit | None:
    found = privacy_protections(session)
    if not found:
        return None
    return RuleHit(code="PRIVACY_BROWSER", detail=",".join(found))


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
