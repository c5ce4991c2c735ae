"""Fraud whose trace is in history, or nowhere: stacking credit, bust-out, a device
reported before, and synthetic identities on clean devices."""

from __future__ import annotations

from ..applicant import Application, human_form, local_time, pasted_identity, submit
from ..catalogue import COUNTRIES, DAY, T0
from ..world import World
from ._kit import apps, send, start, target


def credit_stacking(w: World, budget: int) -> list[Application]:
    """Loan stacking: a real person on their own device and home address applies at every
    lender serving their country (3-5) within one to three days, before any lender can see
    the others' loans; the app shows many lending apps installed. Only the third and later
    applications can be seen as stacking."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        d = w.device(*w.channel(lender), country)
        lenders = [lender, *w.others(w.code_of(country), [lender], 4)]
        day0, span = start(w, 3), r.uniform(0.5, 3)
        times = sorted(w.when(day0, span) for _ in lenders)
        for to, at in zip(lenders, times, strict=True):
            app = send(w, d, at, to, human_form(r), "credit_stacking", f"stack{n}")
            apps(app, credit=r.randint(6, 12))
            out.append(app)
    return out


def bust_out(w: World, budget: int) -> list[Application]:
    """Bust-out: an established customer (two or three honest applications earlier in the
    run, repaid: the lender reported them good) applies at every lender in one day and
    never repays. The good history lowers the score; only stacking shows."""
    r, n = w.rng, 0
    out: list[Application] = []
    while sum(a.fraud for a in out) < budget:
        n += 1
        lender, country = target(w)
        d = w.device(*w.channel(lender), country)
        zone = COUNTRIES[country].zone
        burst = r.uniform(w.days * 0.6, w.days)
        for k in range(r.randint(2, 3)):
            at = local_time(r, zone, r.uniform(0, burst * 0.5), w.days)
            app = submit(
                d,
                r,
                at,
                lender,
                human_form(r),
                fraud=False,
                pattern="honest",
                actor=f"bust{n}",
                tags=["returning", "before_bust_out"] if k else ["before_bust_out"],
            )
            app.feedback, app.feedback_at = "good", at + r.uniform(0.5, 2) * DAY
            out.append(app)
        for to in [lender, *w.others(w.code_of(country), [lender], 4)]:
            at = local_time(r, zone, burst, w.days)
            out.append(send(w, d, at, to, human_form(r, speed=1.5), "bust_out", f"bust{n}"))
    return out


def known_fraud_device(w: World, budget: int) -> list[Application]:
    """A device caught before comes back: its first application was reported as fraud within
    one or two days; one to five days after the report it applies again, one to three
    times, at the same or another lender, from a new address. The feedback loop is the
    signal: nothing else about the device changed."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        d = w.device(*w.channel(lender), country)
        first = w.when(0, max(w.days - 4, 0.5))
        app = send(
            w, d, first, lender, pasted_identity(r), "known_fraud_device", f"kfd{n}", ("first",)
        )
        app.feedback, app.feedback_at = "fraud", first + r.uniform(0.3, 2) * DAY
        out.append(app)
        again = app.feedback_at
        for _ in range(r.randint(1, 3)):
            again += r.uniform(0.2, 2.5) * DAY
            if again >= T0 + w.days * DAY:
                break
            to = r.choice([lender, *w.serving(w.code_of(country))])
            ip = w.net.home(r, w.code_of(country))
            out.append(
                send(
                    w,
                    d,
                    again,
                    to,
                    pasted_identity(r),
                    "known_fraud_device",
                    f"kfd{n}",
                    ("return",),
                    ip=ip,
                )
            )
    return out


def synthetic_identity(w: World, budget: int) -> list[Application]:
    """A synthetic identity on a clean new device: a new budget phone or laptop, a home
    address in the lender's country, a consistent locale, the made-up identity typed or
    pasted from a file; one application, sometimes a second one at another lender days
    later. Almost nothing to see: these are the misses a device service must own up to."""
    r, n = w.rng, 0
    out: list[Application] = []
    while len(out) < budget:
        n += 1
        lender, country = target(w)
        d = w.device(*w.channel(lender), country)
        day = start(w, 0)
        lenders = [lender, *w.others(w.code_of(country), [lender], 1 if r.random() < 0.3 else 0)]
        for k, to in enumerate(lenders):
            form = pasted_identity(r) if r.random() < 0.5 else human_form(r)
            at = local_time(r, COUNTRIES[country].zone, day + 4 * k, w.days)
            out.append(send(w, d, at, to, form, "synthetic_identity", f"syn{n}"))
    return out
