"""Fraud that hides where it comes from: anti-detect browsers, residential proxies,
commercial VPNs, Tor, foreign SIM cards, and account takeover from abroad."""

from __future__ import annotations

from typing import Any

from ..applicant import Application, human_form, pasted_identity
from ..catalogue import COUNTRIES
from ..devices import h
from ..world import World
from ._kit import accept_language, foreign, home_zone, relocale, send, start, target


def antidetect_browser(w: World, budget: int) -> list[Application]:
    """An operator with an anti-detect browser (Multilogin, GoLogin, Dolphin): every
    application is a fresh, internally consistent profile of a real Windows or Mac machine
    (user agent, platform, GPU and screen agree), with canvas and audio noise so no two
    profiles share a hash, behind a proxy that a few profiles share: residential in the
    lender's country (time zone set to match), a hosting address, or residential with the
    operator's own time zone left in (a misconfigured profile); cheap tools leak the
    operator's Accept-Language. The identity is pasted."""
    r, op = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        op += 1
        lender, country = target(w)
        home = foreign(w)
        day0 = start(w, 5)
        leak = r.random() < 0.15
        for _ in range(r.randint(2, 5)):  # one proxy, a few profiles
            proxy = r.choices(("residential", "hosting", "residential_home_tz"), (5, 3, 2))[0]
            ip = (
                w.net.pick(r, "hosting")
                if proxy == "hosting"
                else w.net.home(r, w.code_of(country))
            )
            for _ in range(r.randint(1, 3)):
                kind = r.choice(("win_desktop", "win_laptop", "win_laptop", "mac"))
                d = w.device("web", kind, country)
                app = send(
                    w,
                    d,
                    w.when(day0, 5),
                    lender,
                    pasted_identity(r),
                    "antidetect_browser",
                    f"adb{op}",
                    (proxy,),
                    ip=ip,
                )
                dev = app.attributes["device"]
                dev["canvas_hash"] = h("noise", r.random())
                dev["audio_hash"] = h("noise", r.random())
                if proxy == "residential_home_tz":
                    relocale(app, home.zone, COUNTRIES[country].languages, header=False)
                if leak:
                    app.headers["Accept-Language"] = accept_language(home.languages)
                out.append(app)
    return out


def residential_proxy(w: World, budget: int) -> list[Application]:
    """A fraudster abroad on their own phone or laptop behind a residential proxy network
    (a new home address in the lender's country at every application): the device keeps
    its home time zone and languages (careful ones set the time zone to the target, not
    the languages); 5-15 applications from one device within a day or two, at one to
    three lenders."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        home = foreign(w)
        careful = r.random() < 0.3
        channel, kind = r.choice(
            (("web", "win_laptop"), ("web", "android"), ("android", "android"))
        )
        d = w.device(channel, kind, country)
        lenders = [lender, *w.others(w.code_of(country), [lender], r.randint(0, 2))]
        day0, span = start(w, 2), r.uniform(0.3, 2)
        for k in range(r.randint(5, 15)):
            ip = w.net.home(r, w.code_of(country))
            app = send(
                w,
                d,
                w.when(day0, span),
                lenders[k % len(lenders)],
                pasted_identity(r),
                "residential_proxy",
                f"rp{n}",
                ("careful",) if careful else (),
                ip=ip,
            )
            zone = home_zone(country) if careful else home.zone
            relocale(app, zone, home.languages)
            _sim(app, home.code, home.carrier)
            out.append(app)
    return out


def vpn_fraud(w: World, budget: int) -> list[Application]:
    """A fraudster abroad behind a commercial VPN (M247, Datacamp, Mullvad exits), on their
    own device with its home time zone and languages; the app reports the VPN as active.
    One to three applications."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        home = foreign(w)
        channel, kind = r.choice(
            (("web", "win_laptop"), ("web", "android"), ("android", "android"))
        )
        d = w.device(channel, kind, country)
        day0 = start(w, 3)
        for _ in range(r.randint(1, 3)):
            app = send(
                w,
                d,
                w.when(day0, 3),
                lender,
                pasted_identity(r),
                "vpn_fraud",
                f"vpn{n}",
                ip=w.net.pick(r, "vpn"),
            )
            relocale(app, home.zone, home.languages)
            if channel != "web":
                app.attributes["network"]["vpn_active"] = True
                _sim(app, home.code, home.carrier)
            out.append(app)
    return out


_TOR_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def tor_user(w: World, budget: int) -> list[Application]:
    """Tor Browser: Firefox 128 ESR saying Windows, UTC, en-US, two cores, a letterboxed
    window, WebGL masked, the same bundled fonts for every user, a randomised canvas, and a
    Tor exit address (a new circuit per application). One to three applications."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        d = w.device("web", "win_laptop", country)
        width, height = r.choice(((1000, 900), (1200, 900), (1400, 900), (1000, 1000)))
        day0 = start(w, 3)
        for _ in range(r.randint(1, 3)):
            app = send(
                w,
                d,
                w.when(day0, 3),
                lender,
                pasted_identity(r),
                "tor_user",
                f"tor{n}",
                ip=w.net.pick(r, "tor"),
            )
            dev: dict[str, Any] = {
                "screen_width": width,
                "screen_height": height,
                "pixel_ratio": 1.0,
                "color_depth": 24,
                "hardware_concurrency": 2,
                "touch_points": 0,
                "webgl_vendor": "Mozilla",
                "webgl_renderer": "Mozilla",
                "canvas_hash": h("tor-canvas", r.random()),
                "audio_hash": h("tor-audio"),
                "fonts_hash": h("tor-fonts", n=32),
                "fonts_count": 58,
                "plugins_count": 5,
            }
            app.attributes["device"] = dev
            app.attributes["network"] = {}
            sw = app.attributes["software"]
            sw.update(
                user_agent=_TOR_UA,
                platform="Win32",
                languages=["en-US", "en"],
                timezone="UTC",
                timezone_offset_min=0,
                do_not_track=False,
            )
            app.headers.update({"User-Agent": _TOR_UA, "Accept-Language": "en-US,en;q=0.5"})
            out.append(app)
    return out


def sim_mismatch(w: World, budget: int) -> list[Application]:
    """A phone with a foreign SIM (the fraudster's home carrier) on local Wi-Fi in the
    lender's country, time zone set to the local one, languages often still the home ones:
    the SIM country is not the address's country. One to three applications."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        home = foreign(w)
        d = w.device("android", "android", country)
        day0 = start(w, 4)
        for _ in range(r.randint(1, 3)):
            app = send(w, d, w.when(day0, 4), lender, pasted_identity(r), "sim_mismatch", f"sim{n}")
            _sim(app, home.code, home.carrier)
            app.attributes["network"].update(connection_type="wifi", wifi_on=True)
            if r.random() < 0.6:
                relocale(app, home_zone(country), home.languages)
            out.append(app)
    return out


def ato_abroad(w: World, budget: int) -> list[Application]:
    """Account takeover: an attacker abroad logs into victims' accounts from a device the
    lender never saw and applies for a top-up (the form is prefilled: only the amount and
    term are typed, quickly). The device and address are the attacker's own, consistent
    with each other; some tunnel through a VPN into the victim's country. One attacker
    works through two to four victims over the run."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        home = foreign(w)
        vpn = r.random() < 0.3
        channel, kind = r.choice((("web", "win_laptop"), ("web", "android"), ("web", "mac")))
        d = None
        for _ in range(r.randint(2, 4)):
            lender, country = target(w)
            if d is None:
                d = w.device(channel, kind, country)
            ip = w.net.pick(r, "vpn") if vpn else w.net.abroad(r, home.code)
            form = human_form(r, speed=2.5)
            form["fields"] = form["fields"][:2]
            form["time_on_page_ms"] = r.randint(12_000, 60_000)
            app = send(
                w,
                d,
                w.when(),
                lender,
                form,
                "ato_abroad",
                f"ato{n}",
                ("vpn",) if vpn else (),
                ip=ip,
            )
            relocale(app, home.zone, home.languages)
            out.append(app)
    return out


def _sim(app: Application, code: str, carrier: str) -> None:
    net = app.attributes.get("network")
    if app.channel != "web" and net is not None:
        net.update(sim_country=code, carrier=carrier)
