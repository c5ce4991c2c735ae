"""Phone numbers in national format, from an address in another country, over the real
server (issue 15): in a field named for a phone, in whatever language, a number valid in
any region is refused; in free text, the client IP's region and the tenant's declared
`phone_regions` are tried, and amounts, postcodes, dates, years and counts pass."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from tests.support import Running, copy_config, start, web_attributes

ES = "80.58.61.250"  # Telefonica de Espana, ES in the shipped IP data
PL = "83.0.0.1"  # Orange Polska, PL
MX = "187.188.1.1"  # Total Play, MX
DE_MOBILE = "0151 23456789"
PL_MOBILE = "512 345 678"
MX_MOBILE = "55 1234 5678"


@pytest.fixture
async def server(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config = copy_config(tmp_path / "config")
    tenants = config / "tenants.toml"
    text = tenants.read_text()
    head, tail = text.split("[tenants.demo2]", 1)
    tenants.write_text(head.rstrip() + '\nphone_regions = ["PL", "mx"]\n\n[tenants.demo2]' + tail)
    running = await start(nursery, tmp_path / "data", config)
    async with running.client:
        yield running


async def _collect(svc: Running, custom: dict[str, Any], ip: str, site: str = "demo") -> Any:
    sid = await svc.session(f"{site}_site")
    attrs = web_attributes()
    attrs["custom"] = custom
    return await svc.collect(sid, attrs, site_key=f"{site}_site", headers={"X-Forwarded-For": ip})


@pytest.mark.parametrize(
    ("field", "number", "ip"),
    [
        ("handy", DE_MOBILE, ES),  # a German mobile, German field name, Spanish address
        ("Handynummer", DE_MOBILE, MX),
        ("telefono", DE_MOBILE, PL),
        ("numer telefonu", PL_MOBILE, ES),  # a Polish mobile, Polish field name
        ("telefonKomorkowy", PL_MOBILE, MX),
        ("celular", MX_MOBILE, ES),  # a Mexican mobile, Spanish field name
        ("movil", MX_MOBILE, PL),
        ("rufnummer", PL_MOBILE, ES),
        ("téléphone", DE_MOBILE, ES),
        ("phone", "7012", ES),  # a Niue number: valid in a region the address is not in
    ],
)
async def test_a_number_valid_anywhere_in_a_phone_field_is_refused(
    server: Running, field: str, number: str, ip: str
) -> None:
    r = await _collect(server, {field: number}, ip)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["message"] == "a direct identifier (phone number) is not accepted here"
    assert number not in r.text


async def test_free_text_tries_the_tenants_declared_regions(server: Running) -> None:
    note = {"note": f"call me on {PL_MOBILE}"}
    # demo declares PL and MX: a Polish number in free text from a Spanish address
    assert (await _collect(server, note, ES)).status_code == 422
    assert (await _collect(server, {"note": f"or {MX_MOBILE}"}, ES)).status_code == 422
    # demo2 declares none: only the address's region is tried in free text
    assert (await _collect(server, note, ES, site="demo2")).status_code == 202
    assert (await _collect(server, note, PL, site="demo2")).status_code == 422


BENIGN: dict[str, Any] = {
    "amount": "12 500",
    "loan_amount": 250000,
    "price": "1 299,00 €",
    "postcode": "28013",
    "zip": "00-950",
    "cp": "06600",
    "plz": "10115",
    "date": "2026-11-23",
    "fecha": "23.11.2026",
    "year": 2026,
    "years_in_job": "12",
    "count": 1234,
    "items": "3 4 5",
    "income": "45 000",
    "term_months": "36",
    "reference": "2026 11 23",
    "phone_model": "SM-G991B",
    "phone_count": 2,
}


@pytest.mark.parametrize("ip", [ES, PL, MX])
async def test_amounts_postcodes_dates_years_and_counts_pass(server: Running, ip: str) -> None:
    r = await _collect(server, BENIGN, ip)
    assert r.status_code == 202, r.text
