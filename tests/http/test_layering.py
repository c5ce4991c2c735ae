"""The connection layer is a small library: importing it loads nothing of the service.

engine/http/{messages,heads,parsing,protocol,listener,fairness}.py may use the project's
errors only (the error shape lives in messages); the service, scoring and storage stay out of it.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import REPO

LAYER = ["messages", "heads", "parsing", "protocol", "listener", "fairness"]
ALLOWED = {"engine", "engine.errors", "engine.http"}


def test_the_connection_layer_imports_nothing_of_the_service() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {LAYER!r}:\n"
        "    importlib.import_module('engine.http.' + name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('engine'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(out.stdout))
    layer = {f"engine.http.{name}" for name in LAYER}
    assert loaded - layer - ALLOWED == set()
