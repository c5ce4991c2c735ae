"""API fuzzing: schemathesis drives the running service from its own /openapi.json.

Positive and negative examples for every operation, a bounded number each. Whatever arrives,
the service never answers 5xx, answers only statuses the document lists for the
operation, and every error has the documented shape. (Hypothesis runs
the strategies directly: schemathesis' pytest plugin does not support this pytest.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from engine.http.messages import ErrorResponse
from tests.process import Server, running_server

EXAMPLES = 30


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("fuzz")) as srv:
        yield srv


def _operations(server: Server) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def _check(case: Any, server: Server, seen: dict[int, int]) -> None:
    headers = {"Origin": server.base_url}
    if case.operation.definition.raw.get("security"):
        headers["Authorization"] = "Bearer demo_key"
    response = case.call(base_url=server.base_url, headers=headers)
    seen[response.status_code] = seen.get(response.status_code, 0) + 1
    assert response.status_code < 500, (
        case.method,
        case.path,
        response.status_code,
        response.text[:300],
    )
    # every status the service answers is one the document lists for that operation
    listed = case.operation.definition.raw["responses"]
    assert str(response.status_code) in listed, (case.method, case.path, response.status_code)
    if response.status_code >= 400:
        body = msgspec.json.decode(response.content)
        msgspec.convert(body, ErrorResponse)
        assert body["error"]["message"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_5xx_and_errors_have_the_documented_shape(
    fuzz_server: Server, mode: GenerationMode
) -> None:
    operations = _operations(fuzz_server)
    assert {op.path for op in operations} >= {
        "/v1/sessions",
        "/v1/collect",
        "/v1/score",
        "/v1/feedback",
        "/v1/erasure",
        "/v1/optout",
    }
    seen: dict[int, int] = {}
    for op in operations:
        if mode is GenerationMode.NEGATIVE and "requestBody" not in op.definition.raw:
            continue  # nothing to make invalid in a GET without parameters

        @given(case=op.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            _check(case, fuzz_server, seen)

        run()
    print(mode.value, sorted(seen.items()))
    assert sum(seen.values()) >= len(operations) * 5
    if mode is GenerationMode.NEGATIVE:
        assert any(400 <= status < 500 for status in seen)
