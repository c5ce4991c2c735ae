"""The plugin host: builds the pluggy manager and calls hooks per tenant, typed.

Hooks are called implementation by implementation (not through `pm.hook.*`) so each
tenant's toggles and weights apply per plugin, and a plugin that raises is counted and
skipped instead of failing the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import msgspec
import pluggy

from engine import hookspecs
from engine.config import Tenant
from engine.features import CollectedSession, Context, Features, RuleHit

log = logging.getLogger("anonscore.plugins")

ENTRY_POINT_GROUP = "anonscore"


def build_plugin_manager(
    extra: Iterable[ModuleType] = (), *, entry_points: bool = True
) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("anonscore")
    pm.add_hookspecs(hookspecs)
    if entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for module in extra:
        pm.register(module, name=module.__name__.rsplit(".", 1)[-1])
    pm.check_pending()
    return pm


class _Impl(msgspec.Struct, frozen=True):
    plugin: str
    function: Callable[..., Any]
    argnames: tuple[str, ...]


def _impls(pm: pluggy.PluginManager, hook: str) -> tuple[_Impl, ...]:
    caller = getattr(pm.hook, hook)
    out = []
    for impl in reversed(caller.get_hookimpls()):  # registration order
        name = pm.get_name(impl.plugin) or impl.plugin_name
        out.append(_Impl(plugin=name, function=impl.function, argnames=tuple(impl.argnames)))
    return tuple(out)


class PluginHost:
    def __init__(self, pm: pluggy.PluginManager, on_error: Callable[[str], None] | None = None):
        self.pm = pm
        self.extractors = _impls(pm, "anonscore_extract_features")
        self.rules = _impls(pm, "anonscore_evaluate_rule")
        self.describers = _impls(pm, "anonscore_describe_features")
        self.names = frozenset(name for name, _ in pm.list_name_plugin())
        self._on_error = on_error

    def _call(self, impl: _Impl, kwargs: dict[str, Any]) -> Any:
        try:
            return impl.function(*[kwargs[a] for a in impl.argnames])
        except Exception as exc:
            # Never the attributes: only which plugin failed and the exception type.
            log.warning("plugin failed", extra={"plugin": impl.plugin, "exc": type(exc).__name__})
            if self._on_error is not None:
                self._on_error(impl.plugin)
            return None

    def _context_for(self, context: Context, tenant: Tenant, plugin: str) -> Context:
        settings = tenant.plugin(plugin).settings
        if settings:
            return msgspec.structs.replace(context, tenant_settings=settings)
        return context

    def run(
        self, session: CollectedSession, context: Context, tenant: Tenant
    ) -> tuple[Features, list[tuple[RuleHit, float]]]:
        """Run extractors then rules; return features and (hit, plugin weight) pairs."""
        features: Features = {}
        for impl in self.extractors:
            if not tenant.plugin(impl.plugin).enabled:
                continue
            ctx = self._context_for(context, tenant, impl.plugin)
            result = self._call(impl, {"session": session, "context": ctx})
            if isinstance(result, dict):
                features.update(result)
        hits: list[tuple[RuleHit, float]] = []
        for impl in self.rules:
            setting = tenant.plugin(impl.plugin)
            if not setting.enabled:
                continue
            ctx = self._context_for(context, tenant, impl.plugin)
            result = self._call(impl, {"session": session, "features": features, "context": ctx})
            if result is None:
                continue
            for hit in result if isinstance(result, list) else [result]:
                if isinstance(hit, RuleHit):
                    hits.append((hit, setting.weight))
        return features, hits

    def describe_features(self) -> dict[str, dict[str, str]]:
        """{plugin: {feature: description}} for every plugin that describes its features."""
        out: dict[str, dict[str, str]] = {}
        for impl in self.describers:
            result = self._call(impl, {})
            if isinstance(result, dict):
                out.setdefault(impl.plugin, {}).update({str(k): str(v) for k, v in result.items()})
        return out
