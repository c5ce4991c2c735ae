"""The fixed world of the population, beyond what `tools.drift` already models: the
lenders (tenants) and their markets, the home locales of fraudsters abroad, the loan form,
and when people apply. Device models, browsers, countries and their locales come from
`tools.drift.catalogue` (imported, not copied)."""

from __future__ import annotations

from typing import NamedTuple

from .devices import COUNTRIES, DAY, T0

__all__ = ["COUNTRIES", "DAY", "FOREIGN", "FORM", "HOUR_WEIGHTS", "LENDERS", "T0"]


class Lender(NamedTuple):
    """A tenant of the service that receives applications."""

    id: str
    name: str
    site_key: str
    api_key: str
    origin: str
    markets: tuple[str, ...]  # ISO country codes of its applicants
    share: float  # share of all applications
    web: float  # share of its applications on the web (the rest: its Android and iOS app)
    desktop: float  # share of its web applications from desktops and laptops


# `demo` is the repository's demo tenant (already in config/); the others are written into
# the run's own copy of config/tenants.toml.
LENDERS = (
    Lender(
        "demo",
        "Demo lender",
        "demo_site",
        "demo_key",
        "http://127.0.0.1:8080",
        ("de", "fr", "es", "it", "nl", "gb"),
        0.3,
        0.65,
        0.4,
    ),
    Lender(
        "fastcash",
        "FastCash short-term loans",
        "fastcash_site",
        "fastcash_key",
        "https://apply.fastcash.example",
        ("gb", "us", "de", "nl"),
        0.2,
        0.45,
        0.2,
    ),
    Lender(
        "homefin",
        "HomeFin consumer credit",
        "homefin_site",
        "homefin_key",
        "https://www.homefin.example",
        ("de", "nl", "fr", "gb", "es"),
        0.18,
        0.75,
        0.55,
    ),
    Lender(
        "cardco",
        "CardCo credit cards",
        "cardco_site",
        "cardco_key",
        "https://cards.cardco.example",
        ("us", "br", "es", "it", "fr"),
        0.17,
        0.55,
        0.35,
    ),
    Lender(
        "paylater",
        "PayLater instalments",
        "paylater_site",
        "paylater_key",
        "https://checkout.paylater.example",
        ("de", "fr", "gb", "es", "it", "nl", "us", "br"),
        0.15,
        0.5,
        0.3,
    ),
)


class Locale(NamedTuple):
    """Where a fraudster abroad really is: what an unmodified device of theirs reports."""

    code: str
    zone: str
    languages: tuple[str, ...]
    carrier: str
    residential: tuple[str, ...]  # /16 prefixes of home broadband and mobile networks


FOREIGN = (
    Locale("ng", "Africa/Lagos", ("en-NG", "en"), "MTN Nigeria", ("102.89", "105.112", "197.210")),
    Locale("vn", "Asia/Ho_Chi_Minh", ("vi-VN", "vi", "en"), "Viettel", ("113.160", "14.160")),
    Locale("ro", "Europe/Bucharest", ("ro-RO", "ro", "en"), "Orange RO", ("86.120", "5.12")),
    Locale("ru", "Europe/Moscow", ("ru-RU", "ru", "en"), "MTS", ("95.24", "81.2")),
    Locale("in", "Asia/Kolkata", ("en-IN", "hi", "en"), "Jio 4G", ("49.36", "106.192")),
    Locale("ua", "Europe/Kyiv", ("uk-UA", "uk", "ru"), "Kyivstar", ("46.211", "93.72")),
    Locale("id", "Asia/Jakarta", ("id-ID", "id", "en"), "Telkomsel", ("36.72", "114.124")),
)

# The loan form: (field name, typical characters entered). Names only reach the service.
FORM = (
    ("loan_amount", 4),
    ("term_months", 2),
    ("monthly_income", 4),
    ("employer", 14),
    ("street", 20),
    ("postcode", 6),
    ("city", 9),
    ("housing_cost", 3),
    ("iban", 22),
)

# Applications per local hour of the day (people apply in the evening, rarely at 4 am).
HOUR_WEIGHTS = (
    1,
    0.6,
    0.4,
    0.3,
    0.3,
    0.5,
    1,
    2,
    3,
    4,
    4.5,
    5,
    5,
    5,
    4.5,
    4.5,
    5,
    5.5,
    6,
    7,
    7.5,
    7,
    5,
    2.5,
)


def country_indices(code: str) -> list[int]:
    """Indices into `COUNTRIES` of a country code (the US has two zones)."""
    return [i for i, c in enumerate(COUNTRIES) if c.code == code]
