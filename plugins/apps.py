"""Installed apps (SDK): categories only, never app names.

A proxy or VPN app hides the network; many lending apps on one phone is the trace of an
applicant shopping for credit everywhere at once (setting `credit_apps_max`, default 5).
"""

from __future__ import annotations

from engine.features import CollectedSession, Context, Features, RuleHit
from engine.hookspecs import hookimpl
from plugins._settings import clamp, number

FLAGS: tuple[str, ...] = ("proxy_app_installed", "credit_app_stacking")
CODES: tuple[str, ...] = ("PROXY_APP_INSTALLED", "CREDIT_APPS_MANY")
FEATURES: dict[str, str] = {
    "apps_credit_count": "installed apps in the 'credit' category (SDK)",
    "apps_proxy_count": "installed apps in the 'proxy' and 'vpn' categories (SDK)",
    "apps_total": "installed apps over all categories (SDK)",
}

_PROXY_CATEGORIES = ("proxy", "vpn")


def counts(session: CollectedSession) -> dict[str, int] | None:
    """Category counts with lowercased names (summed on collisions), None when not sent."""
    raw = session.attributes.apps.category_counts
    if raw is None:
        return None
    out: dict[str, int] = {}
    for name, n in raw.items():
        key = name.strip().lower()
        out[key] = out.get(key, 0) + n
    return out


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    c = counts(session)
    if c is None:
        return dict.fromkeys(FEATURES)
    return {
        "apps_credit_count": c.get("credit", 0),
        "apps_proxy_count": sum(c.get(k, 0) for k in _PROXY_CATEGORIES),
        "apps_total": sum(c.values()),
    }


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession, context: Context) -> list[RuleHit] | None:
    c = counts(session)
    if c is None:
        return None
    hits: list[RuleHit] = []
    proxies = sum(c.get(k, 0) for k in _PROXY_CATEGORIES)
    if proxies > 0:
        hits.append(
            RuleHit(
                code="PROXY_APP_INSTALLED",
                flag="proxy_app_installed",
                detail=f"{proxies} proxy/vpn app(s)",
            )
        )
    credit = c.get("credit", 0)
    limit = max(number(context, "credit_apps_max", 5), 1)
    if credit >= limit:
        hits.append(
            RuleHit(
                code="CREDIT_APPS_MANY",
                flag="credit_app_stacking",
                strength=clamp(0.5 + 0.5 * (credit - limit) / limit),
                detail=f"{credit} credit apps",
            )
        )
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
