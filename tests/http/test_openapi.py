"""`/openapi.json` as a client generator sees it (issue 20, item 5).

The document the running service serves is written to a temporary directory, a client
is generated from it with openapi-python-client (pinned in the test extra), and the
generated code must pass `mypy --strict`. Beside that, the document itself: an operation
ID and a tag on every operation, the erasure body as two named schemas, `Retry-After`
on 429 and 503 and `Allow` on 405, and the opt-out route listed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.http.routes import ROUTES
from tests.process import Server, running_server

BIN = Path(sys.executable).parent
# The generator's own client.py template forwards `*args` to httpx's `__exit__`, which
# mypy 2 refuses as arg-type; that module comes from the generator, not from our document,
# so only that check of only that module is relaxed. Every module our document produces
# (the api/ and models/ packages) is checked strict.
MYPY_INI = """[mypy]
strict = True
[mypy-client.client]
disable_error_code = arg-type
"""
# the collector script is JavaScript: the generator reads it as text
GENERATOR_CONFIG = "content_type_overrides:\n  application/javascript: text/plain\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, Any]]]:
    with running_server(tmp_path_factory.mktemp("openapi")) as srv:
        document = httpx.get(f"{srv.base_url}/openapi.json", timeout=10).json()
        yield srv, document


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def test_every_operation_has_an_id_a_tag_and_its_statuses(
    served: tuple[Server, dict[str, Any]],
) -> None:
    _, document = served
    ids = [op["operationId"] for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids)) == sum(len(r.methods) for r in ROUTES)
    tags = {t["name"] for t in document["tags"]}
    for method, path, op in _operations(document):
        assert len(op["tags"]) == 1, (method, path)
        assert op["tags"][0] in tags
        responses = op["responses"]
        assert responses["405"]["headers"]["Allow"]["schema"] == {"type": "string"}
        assert "Retry-After" in responses["503"]["headers"], (method, path)
        if "429" in responses:
            assert "Retry-After" in responses["429"]["headers"]
        for status in ("400", "408", "413", "431", "501"):
            assert status in responses, (method, path, status)
    paths = document["paths"]
    assert paths["/v1/optout"]["post"]["operationId"] == "opt_out"
    assert "429" in paths["/v1/sessions"]["post"]["responses"]
    assert "410" in paths["/v1/collect"]["post"]["responses"]
    assert "401" in paths["/v1/score"]["post"]["responses"]


def test_the_erasure_body_is_two_named_schemas(served: tuple[Server, dict[str, Any]]) -> None:
    _, document = served
    schemas = document["components"]["schemas"]
    assert schemas["ErasureRequest"]["oneOf"] == [
        {"$ref": "#/components/schemas/ErasureBySession"},
        {"$ref": "#/components/schemas/ErasureByDevice"},
    ]
    assert schemas["ErasureBySession"]["required"] == ["session_id"]
    assert schemas["ErasureByDevice"]["required"] == ["device_id"]


def test_a_generated_client_passes_mypy_strict(
    served: tuple[Server, dict[str, Any]], tmp_path: Path
) -> None:
    _, document = served
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    (tmp_path / "generator.yaml").write_text(GENERATOR_CONFIG)
    (tmp_path / "mypy.ini").write_text(MYPY_INI)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path=openapi.json",
            "--meta=none",
            "--output-path=client",
            "--config=generator.yaml",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout, generated.stdout
    client = tmp_path / "client"
    modules = {p.stem for p in (client / "api").rglob("*.py")} - {"__init__"}
    assert modules == {r.operation_id for r in ROUTES}
    # functions named by operation and grouped by tag, the erasure body a union of two types
    erase = (client / "api" / "backend" / "erase.py").read_text()
    assert "body: ErasureByDevice | ErasureBySession" in erase
    assert (client / "api" / "collector" / "opt_out.py").exists()
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file=mypy.ini", "--no-incremental", "client"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    assert "Success: no issues found" in checked.stdout
