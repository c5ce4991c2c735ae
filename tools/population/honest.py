"""Honest applicants: the lenders' real population.

Most apply from a phone (mobile web or the lender's app), the rest from laptops and
desktops; one in five comes back within the run on the same device (which drifts: browser
and OS updates, fonts, docking, a private window, an app update or reinstall). Some shop
around at two or three lenders, some apply from an office (one address shared by
colleagues), some while travelling (the phone's time zone follows, a laptop's often does
not), a few through a commercial VPN or with a VPN app installed, many paste their IBAN or
let a password manager fill the address. Those are the innocent look-alikes of fraud
signals: a signal is not proof.
"""

from __future__ import annotations

from .applicant import Application, honest_paste, human_form, local_time, submit
from .catalogue import COUNTRIES
from .devices import Rates, SimDevice, drift
from .world import World

# drift without travel and address changes: this module moves people itself
_RATES = Rates(timezone_travel=0.0, ip_change=0.0)
_SESSIONS = {1: 78, 2: 14, 3: 5, 4: 2, 5: 1}


def honest(w: World, n: int) -> list[Application]:
    """About `n` honest applications (whole people: a few more rather than fewer)."""
    apps: list[Application] = []
    offices: dict[str, list[str]] = {}
    person = 0
    while len(apps) < n:
        person += 1
        apps.extend(_person(w, f"h{person}", offices))
    return apps


def _person(w: World, actor: str, offices: dict[str, list[str]]) -> list[Application]:
    r = w.rng
    lender = w.lender()
    country = w.country(lender)
    code = COUNTRIES[country].code
    channel, kind = w.channel(lender)
    phone = channel != "web" or kind in ("android", "iphone")
    d = w.device(channel, kind, country, mobile_ip=phone and r.random() < 0.35)
    tags: list[str] = []
    home_ip = d.ip
    if channel == "web" and not phone and r.random() < 0.08:  # colleagues share the egress
        pool = offices.setdefault(code, [w.net.home(r, code) for _ in range(6)])
        home_ip = d.ip = r.choice(pool)
        tags.append("office")
    vpn = r.random() < 0.025
    if vpn:
        tags.append("vpn")
    if channel == "android" and r.random() < 0.05:
        tags.append("proxy_app")  # a VPN app for streaming, installed, not used today
    if channel != "web" and r.random() < 0.03:
        tags.append("credit_apps")  # honestly shopping for credit on the phone
    lenders = [lender]
    shop = r.random()
    if shop < 0.075:
        lenders += w.others(code, lenders, 2 if shop < 0.015 else 1)
        if len(lenders) > 1:
            tags.append("shopping")
    sessions = max(len(lenders), r.choices(list(_SESSIONS), list(_SESSIONS.values()))[0])
    first = r.uniform(0, w.days)
    days = sorted(
        [first] + [first + r.uniform(0, 3 if shop < 0.075 else 10) for _ in range(sessions - 1)]
    )
    out = []
    for k, day in enumerate(days):
        if day >= w.days:
            break
        extra: list[str] = ["returning"] if k else []
        if k:
            drift(d, r, _RATES)  # browser and OS updates, fonts, docking, reinstalls...
        to = lenders[k % len(lenders)]
        d.away = None
        d.ip = home_ip if r.random() < 0.75 else w.net.home(r, code, mobile=phone)
        if r.random() < 0.03:
            extra += _travel(w, d, phone)
        at = local_time(r, COUNTRIES[d.country if d.away is None else d.away].zone, day, w.days)
        pasted = honest_paste(r)
        app = submit(
            d,
            r,
            at,
            to,
            human_form(r, pasted=pasted),
            fraud=False,
            pattern="honest",
            actor=actor,
            tags=[*tags, *extra, *(["paste"] if pasted else [])],
        )
        _finish(w, d, app, vpn, tags)
        out.append(app)
    return out


def _travel(w: World, d: SimDevice, phone: bool) -> list[str]:
    """Abroad this session: a local address; phones follow the local time zone."""
    r = w.rng
    away = r.choice([i for i, c in enumerate(COUNTRIES) if c.code != COUNTRIES[d.country].code])
    d.ip = w.net.home(r, COUNTRIES[away].code, mobile=phone and r.random() < 0.5)
    if phone or r.random() < 0.5:
        d.away = away
        return ["travel"]
    return ["travel", "home_timezone"]


def _finish(w: World, d: SimDevice, app: Application, vpn: bool, tags: list[str]) -> None:
    """What the device's payload does not know: the app's network, VPNs, installed apps."""
    r = w.rng
    net = app.attributes.get("network", {})
    if (
        app.channel != "web"
        and net.get("connection_type") == "cellular"
        and "travel" not in app.tags
    ):
        app.headers["X-Forwarded-For"] = w.net.home(r, w.code(d), mobile=True)
    if vpn:
        app.headers["X-Forwarded-For"] = w.net.pick(r, "vpn")
        if app.channel != "web":
            net["vpn_active"] = True
    apps = app.attributes.get("apps", {}).get("category_counts")
    if apps is not None:
        if "proxy_app" in tags:
            apps["proxy"] = 1
        if "credit_apps" in tags:
            apps["credit"] = r.randint(5, 8)
