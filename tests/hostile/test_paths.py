"""One canonical path, made before any routing or access decision (engine/http/heads.py).

Issue 15: the operator check looked at the raw path while the page router merged slashes,
so `//metrics` and `//console` answered 200 to anyone. Every spelling of every operator
page is tried here over the real server, byte for byte (an HTTP client library would
tidy the paths up before sending them).
"""

from __future__ import annotations

import pytest

from engine.http.front import OPERATOR_PAGES
from tests.hostile.conftest import RawClient, request
from tests.support import OPERATOR, Running

PAGES = sorted(OPERATOR_PAGES)


def spellings(page: str) -> dict[str, str]:
    """Other spellings of `page` -> "same" when they name the page itself (the token opens
    them, nothing else does), else "other" (no page: 404, or a refused target: 400)."""
    name = page.lstrip("/")
    first, rest = name[0], name[1:]
    return {
        f"/{page}": "same",  # //metrics
        f"{page}//": "same",
        f"/./{name}": "same",
        f"/x/../{name}": "same",
        f"/../../{name}": "same",
        f"/%2e/{name}": "same",
        f"/%2E%2E/{name}": "same",
        f"/.%2e/{name}": "same",
        f"/%{ord(first):02x}{rest}": "same",  # an unreserved letter percent-encoded
        f"{page}/": "same",
        f"{page}/.": "same",
        f"{page}?x=1": "same",
        f"http://127.0.0.1{page}": "same",  # absolute-form
        f"//./%2e%2e//{name}/": "same",
        f"/%2F{name}": "other",
        f"/%2f{name}": "other",
        f"{page}%2F": "other",
        f"/x%2F..%2F{name}": "other",
        f"/%5C{name}": "other",
        f"{page}%00": "other",
        f"{page}#frag": "other",
        page.upper(): "other",
        "/" + name.capitalize(): "other",
        f"//./{name.upper()}/": "other",
        f"/%{ord(first.upper()):02X}{rest}": "other",  # /Metrics
        f"{page};x": "other",
        f"{page}%20": "other",
        f"{page}.": "other",
        f"/{name}%2e%2e": "other",
    }


async def _status(port: int, target: str, headers: dict[str, str] | None = None) -> int:
    client = await RawClient.connect(port)
    await client.send(request("GET", target, headers=headers))
    answer = await client.answer()
    await client.aclose()
    return answer.status


@pytest.mark.parametrize("page", PAGES)
async def test_no_spelling_of_an_operator_page_opens_it_without_the_token(
    hostile: Running, page: str
) -> None:
    port = hostile.handle.port
    seen = {target: await _status(port, target) for target in spellings(page)}
    wrong = {t: s for t, s in seen.items() if s not in (400, 401, 404)}
    assert not wrong, wrong
    assert await _status(port, page) == 401


@pytest.mark.parametrize("page", PAGES)
async def test_with_the_token_routing_and_access_agree(hostile: Running, page: str) -> None:
    """The canonical path works with the token; a spelling that names the same page opens
    it too (routing and the access check read the same path), any other is no page."""
    port = hostile.handle.port
    assert await _status(port, page, OPERATOR) == 200
    for target, kind in spellings(page).items():
        status = await _status(port, target, OPERATOR)
        if kind == "same":
            assert status == 200, target
        else:
            assert status in (400, 404), (target, status)


async def test_an_encoded_slash_is_refused_not_taken_for_a_separator(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    await client.send(request("GET", "/v1%2Fattributes"))
    answer = await client.answer()
    assert answer.status == 400
    assert b"encoded /" in answer.body
    assert answer.closes


async def test_api_routes_answer_on_the_canonical_path(hostile: Running) -> None:
    client = await RawClient.connect(hostile.handle.port)
    body = b'{"site_key": "demo_site"}'
    headers = {"Content-Type": "application/json"}
    await client.send(request("POST", "//v1/./sessions/", body, headers=headers))
    assert (await client.answer()).status == 201
    await client.send(request("POST", "/v1/%73essions", body, headers=headers))
    assert (await client.answer()).status == 201
    await client.send(request("POST", "/V1/sessions", body, headers=headers))
    assert (await client.answer()).status == 404
