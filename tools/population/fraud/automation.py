"""Fraud by script: browsers driven by automation, HTTP clients replaying payloads, and
bursts from one address."""

from __future__ import annotations

from typing import Any

from ..applicant import Application, pasted_identity, scripted_form
from ..world import World
from ._kit import send, start, target

_SWIFTSHADER = (
    "Google Inc. (Google)",
    "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)",
)


def form_filler(w: World, budget: int) -> list[Application]:
    """Automated form filling: Selenium, Puppeteer or Playwright drive Chrome through the
    application, 5-20 times per run of the script, on one machine. Naive scripts leave
    `navigator.webdriver`; headless ones say HeadlessChrome and render in software at
    800x600 with no plugins; stealth ones hide both and only fill inhumanly (send_keys at
    5-25 ms a character, whole fields set at once, or values set with no input event at
    all) in 1-7 s. From a hosting address or a residential proxy."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        variant = r.choice(("webdriver", "headless", "stealth", "stealth"))
        how = r.choice(("keys", "paste", "none"))
        d = w.device("web", r.choice(("win_desktop", "linux")), country)
        hosting = r.random() < 0.5
        day0, span = start(w, 1), r.uniform(0.05, 1)
        for _ in range(r.randint(5, 20)):
            ip = w.net.pick(r, "hosting") if hosting else w.net.home(r, w.code_of(country))
            app = send(
                w,
                d,
                w.when(day0, span),
                lender,
                scripted_form(r, how),
                "form_filler",
                f"ff{n}",
                (variant, how, "hosting" if hosting else "proxy"),
                ip=ip,
            )
            sw, dev = app.attributes["software"], app.attributes["device"]
            if variant == "webdriver":
                sw["webdriver"] = True
            elif variant == "headless":
                ua = sw["user_agent"].replace("Chrome/", "HeadlessChrome/")
                sw["user_agent"] = app.headers["User-Agent"] = ua
                dev.update(
                    webgl_vendor=_SWIFTSHADER[0],
                    webgl_renderer=_SWIFTSHADER[1],
                    screen_width=800,
                    screen_height=600,
                    plugins_count=0,
                )
            out.append(app)
    return out


_CLIENTS = ("python-requests/2.32.3", "Go-http-client/1.1", "curl/8.7.1", "axios/1.7.7", "")


def spoofed_ua_bot(w: World, budget: int) -> list[Application]:
    """A script client (python-requests, Go, curl, Node) posts sessions and collects
    directly, replaying browser payloads recorded from real devices: the payload claims
    Chrome or Safari while the HTTP User-Agent names the library (or copies the payload's),
    no Accept-Language header, no form behaviour or a blank one, and sloppy bots splice
    templates (an iPhone user agent with Win32, no touch, a desktop GPU). 10-30 requests
    from one hosting address or a proxy, at one lender."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        client = r.choice(_CLIENTS)
        sloppy = r.random() < 0.6
        hosting = r.random() < 0.7
        ip = w.net.pick(r, "hosting") if hosting else w.net.home(r, w.code_of(country))
        day0, span = start(w, 1), r.uniform(0.02, 0.5)
        template = w.device("web", r.choice(("iphone", "android", "win_desktop")), country)
        other = w.device("web", "win_desktop", country)
        for _ in range(r.randint(10, 30)):
            form: dict[str, Any] = (
                {"time_on_page_ms": r.randint(0, 900)} if r.random() < 0.5 else {}
            )
            app = send(
                w,
                template,
                w.when(day0, span),
                lender,
                form,
                "spoofed_ua_bot",
                f"bot{n}",
                (client.split("/")[0] or "copied_ua", "sloppy" if sloppy else "replay"),
                ip=ip,
            )
            if sloppy:
                spliced = other.payload(r, app.at)["device"]
                dev = app.attributes["device"]
                for key in (
                    "webgl_vendor",
                    "webgl_renderer",
                    "touch_points",
                    "screen_width",
                    "screen_height",
                ):
                    if key in spliced:
                        dev[key] = spliced[key]
                app.attributes["software"]["platform"] = "Win32"
            if client:
                app.headers["User-Agent"] = client
            app.headers.pop("Accept-Language", None)
            out.append(app)
    return out


def ip_velocity(w: World, budget: int) -> list[Application]:
    """A ring applying from one address (a flat, or one proxy exit): 25-60 applications in
    one or two hours from 8-20 members' own phones and laptops, each one to three times,
    at one to three lenders."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        lenders = [lender, *w.others(w.code_of(country), [lender], r.randint(0, 2))]
        ip = w.net.home(r, w.code_of(country))
        day0, span = start(w, 0.1), r.uniform(1, 2) / 24
        members = [w.device(*w.channel(lender), country) for _ in range(r.randint(8, 20))]
        total = r.randint(25, 60)
        for k in range(total):
            d = members[k % len(members)]
            out.append(
                send(
                    w,
                    d,
                    w.when(day0, span),
                    lenders[k % len(lenders)],
                    pasted_identity(r),
                    "ip_velocity",
                    f"burst{n}",
                    ip=ip,
                )
            )
    return out
