"""The collect request's header order against the browser it claims.

Chromium sends its own headers in a fixed order, and `Accept-Language` last, after
`Accept-Encoding` (measured in Chromium 156 on a `fetch` POST). A kit that sets headers
through the DevTools protocol (extra HTTP headers: its costume's `Accept-Language`, client
hints) gets them inserted before `Accept`. Firefox orders them its own way
(`Accept-Language` before `Accept-Encoding`), so only a Chromium claim is judged: its user
agent or its client hints. Only header names are kept (engine/http/client.py).

A reverse proxy that rewrites headers in front of the service can reorder them; a tenant
behind one turns this plugin off in config/tenants.toml.
"""

from __future__ import annotations

from engine.features import CollectedSession, RuleHit
from engine.hookspecs import hookimpl

FLAGS: tuple[str, ...] = ("tampering",)
FEATURES: dict[str, str] = {}
CODES: tuple[str, ...] = ("TAMPERING_HEADER_ORDER",)


def order_problem(session: CollectedSession) -> str | None:
    order = session.http_header_order
    if "accept-language" not in order or "accept-encoding" not in order:
        return None
    ua = session.http_user_agent or ""
    chromium = session.http_ch_ua is not None or ("Chrome/" in ua and "Firefox/" not in ua)
    if chromium and order.index("accept-language") < order.index("accept-encoding"):
        return "accept-language before accept-encoding in a chromium request"
    return None


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> RuleHit | None:
    if session.channel != "web":
        return None
    problem = order_problem(session)
    if problem is None:
        return None
    return RuleHit(code="TAMPERING_HEADER_ORDER", flag="tampering", detail=problem)


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
