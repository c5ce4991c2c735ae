"""The hook specifications: the one place that says what a plugin may implement.

A plugin is a module with `@hookimpl` functions, registered under the `anonscore`
entry-point group. pluggy lets an implementation take fewer arguments than its spec.
"""

from __future__ import annotations

import pluggy

from engine.features import CollectedSession, Context, Features, RuleHit

hookspec = pluggy.HookspecMarker("anonscore")
hookimpl = pluggy.HookimplMarker("anonscore")


@hookspec
def anonscore_extract_features(session: CollectedSession, context: Context) -> Features | None:
    """Return features computed from the collected attributes, or None to abstain.

    Pure CPU: no I/O, no await. State the extractor needs arrives in `context`. Feature
    names are returned to the client as attributes; keep them snake_case and stable.
    """


@hookspec
def anonscore_evaluate_rule(
    session: CollectedSession, features: Features, context: Context
) -> RuleHit | list[RuleHit] | None:
    """Return the RuleHit(s) when the rule fires (flag, reason code, strength), else None.

    `features` holds every extractor's output for this session. Pure CPU, like extractors.
    """


@hookspec
def anonscore_describe_features() -> dict[str, str] | None:
    """Return {feature_name: description} for the features this plugin adds, for docs."""
