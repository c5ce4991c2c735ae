"""Never a 5xx on bytes: whatever arrives as a body on any POST endpoint is answered 4xx.

Issue 6: `{"site_key":"\xff"}` gave 500 (UnicodeDecodeError escaped the decoder). Invalid
and overlong UTF-8, BOMs, NUL bytes and lone surrogates are all `400 invalid_json`, and a
property test sends arbitrary byte strings to every POST endpoint.
"""

from __future__ import annotations

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.http.messages import ErrorResponse
from tests.process import Server

COLLECTOR = {"Content-Type": "application/json", "Origin": "http://127.0.0.1:8080"}
BACKEND = {"Content-Type": "application/json", "Authorization": "Bearer demo_key"}
ENDPOINTS = [
    ("/v1/sessions", COLLECTOR),
    ("/v1/collect", COLLECTOR),
    ("/v1/score", BACKEND),
    ("/v1/feedback", BACKEND),
    ("/v1/erasure", BACKEND),
]

BAD_BYTES = [
    pytest.param(b'{"site_key":"\xff"}', id="invalid-utf8"),
    pytest.param(b'{"site_key":"\xc0\xaf"}', id="overlong-slash"),
    pytest.param(b'{"site_key":"\xe0\x80\xaf"}', id="overlong-3-byte"),
    pytest.param(b'{"site_key":"\xed\xa0\x80"}', id="utf8-encoded-surrogate"),
    pytest.param(b'\xef\xbb\xbf{"site_key":"demo_site"}', id="bom"),
    pytest.param(b'{"site_key":"demo\x00site"}', id="nul-byte"),
    pytest.param(b'{"site_key":"\\ud800"}', id="lone-surrogate-escape"),
    pytest.param(b'{"\\udfff":1}', id="lone-surrogate-key"),
    pytest.param(b'{"session_id":"\xf8\x88\x80\x80\x80"}', id="5-byte-sequence"),
    pytest.param(b"\x00" * 64, id="nul-only"),
    pytest.param(b"\xff\xfe{\x00}\x00", id="utf16-bom"),
]


def _assert_4xx(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
    body = msgspec.json.decode(response.content)
    msgspec.convert(body, ErrorResponse)


@pytest.mark.parametrize("body", BAD_BYTES)
def test_bad_bytes_are_invalid_json_on_every_endpoint(served: Server, body: bytes) -> None:
    with httpx.Client(base_url=served.base_url) as client:
        for path, headers in ENDPOINTS:
            response = client.post(path, content=body, headers=headers)
            _assert_4xx(response)
            assert response.json()["error"]["code"] == "invalid_json", path


# JSON-looking documents with arbitrary bytes spliced in, and plain arbitrary bytes
_TEMPLATES = [b'{"site_key":"%s"}', b'{"session_id":"%s","label":"fraud"}', b'{"%s":1}']
_spliced = st.builds(
    lambda template, blob: template.replace(b"%s", blob),
    st.sampled_from(_TEMPLATES),
    st.binary(max_size=64),
)


@given(body=st.one_of(st.binary(max_size=512), _spliced))
@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_arbitrary_bytes_never_get_a_5xx(served: Server, body: bytes) -> None:
    with httpx.Client(base_url=served.base_url) as client:
        for path, headers in ENDPOINTS:
            response = client.post(path, content=body, headers=headers)
            assert response.status_code < 500, (path, response.status_code)
            if response.status_code >= 400:
                _assert_4xx(response)
