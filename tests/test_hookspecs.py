"""Every hook is specified once, documented, and named in the plugin guide (docs/plugins.md)."""

from __future__ import annotations

import inspect

from engine import hookspecs
from engine.scoring.plugin_host import PluginHost, build_plugin_manager
from tests.support import REPO

SPECS = [
    fn for name, fn in vars(hookspecs).items() if name.startswith("anonscore_") and callable(fn)
]


def test_every_hookspec_has_a_docstring_and_no_body() -> None:
    assert {f.__name__ for f in SPECS} == {
        "anonscore_extract_features",
        "anonscore_evaluate_rule",
        "anonscore_describe_features",
    }
    for fn in SPECS:
        assert inspect.getdoc(fn), fn.__name__
        source = inspect.getsource(fn)
        assert source.rstrip().endswith('"""'), f"{fn.__name__} must have no body"


def test_every_hook_is_documented_in_the_plugin_guide() -> None:
    guide = (REPO / "docs" / "plugins.md").read_text()
    for fn in SPECS:
        assert fn.__name__ in guide, f"{fn.__name__} is not documented in docs/plugins.md"


def test_the_registered_plugins_implement_only_specified_hooks() -> None:
    pm = build_plugin_manager()
    pm.check_pending()  # a misspelt hook in any plugin fails here
    host = PluginHost(pm)
    assert len(host.extractors) >= 8
    assert len(host.rules) >= 8
    assert {"user_agent", "automation", "velocity"} <= host.names
