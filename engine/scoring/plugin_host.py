"""The plugin host: builds the pluggy manager and calls hooks per tenant, typed.

Hooks are called implementation by implementation (not through `pm.hook.*`) so each
tenant's toggles and weights apply per plugin, and a plugin that raises is counted and
skipped instead of failing the request.

The contract is enforced here, in code, on every call, because what a plugin returns is
stored and answered: a feature is a snake_case name with a value of an allowed type (None,
bool, int within 64 bits, finite float, str of at most 256 characters) and must not take
an engine attribute's name; a rule hit is a `RuleHit` whose flag is one of `FLAG_NAMES`,
whose code has a weight in the model and whose strength is a finite number. Whatever
breaks it is dropped (the rest of the plugin's output is kept) and counted in
`anonscore_plugin_contract_violations_total{plugin, what}`.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Container, Iterable
from types import ModuleType
from typing import Any

import msgspec
import pluggy

from engine import hookspecs
from engine.config import Tenant
from engine.features import CollectedSession, Context, Features, RuleHit
from engine.flags import FLAG_NAMES

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


# per tenant: (extractor, its settings or None) and (rule, its settings or None, weight)
_Plan = tuple[
    tuple[tuple[_Impl, "dict[str, Any] | None"], ...],
    tuple[tuple[_Impl, "dict[str, Any] | None", float], ...],
]

_FEATURE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_FEATURE_STR = 256
_INT64 = 2**63


def feature_problem(name: object, value: object, reserved: Container[str]) -> str | None:
    """Why a feature breaks the contract ("name", "reserved name", "value type",
    "value range"), or None."""
    if not isinstance(name, str) or not _FEATURE_NAME.fullmatch(name):
        return "name"
    if name in reserved:
        return "reserved name"
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -_INT64 <= value < _INT64 else "value range"
    if isinstance(value, float):
        return None if math.isfinite(value) else "value range"
    if isinstance(value, str):
        return None if len(value) <= MAX_FEATURE_STR else "value range"
    return "value type"


def hit_problem(hit: object, codes: Container[str] | None) -> str | None:
    """Why a rule hit breaks the contract ("not a RuleHit", "flag", "code", "strength")."""
    if not isinstance(hit, RuleHit):
        return "not a RuleHit"
    if hit.flag is not None and hit.flag not in FLAG_NAMES:
        return "flag"
    if not isinstance(hit.code, str) or (codes is not None and hit.code not in codes):
        return "code"
    if isinstance(hit.strength, bool) or not isinstance(hit.strength, int | float):
        return "strength"
    if not math.isfinite(hit.strength):
        return "strength"
    return None


class PluginHost:
    def __init__(
        self,
        pm: pluggy.PluginManager,
        on_error: Callable[[str], None] | None = None,
        on_violation: Callable[[str, str], None] | None = None,
        reserved: Container[str] = (),
    ):
        self.pm = pm
        self.extractors = _impls(pm, "anonscore_extract_features")
        self.rules = _impls(pm, "anonscore_evaluate_rule")
        self.describers = _impls(pm, "anonscore_describe_features")
        self.names = frozenset(name for name, _ in pm.list_name_plugin())
        self._on_error = on_error
        self._on_violation = on_violation
        self.reserved = reserved  # feature names the engine itself answers with
        # reason codes with a weight in the running model (set on start and reload)
        self.codes: Container[str] | None = None
        self._plans: dict[tuple[int, str | None], tuple[Tenant, _Plan]] = {}

    def _call(self, impl: _Impl, kwargs: dict[str, Any]) -> Any:
        try:
            return impl.function(*[kwargs[a] for a in impl.argnames])
        except Exception as exc:
            # Never the attributes: only which plugin failed and the exception type.
            log.warning("plugin failed", extra={"plugin": impl.plugin, "exc": type(exc).__name__})
            if self._on_error is not None:
                self._on_error(impl.plugin)
            return None

    def _violation(self, plugin: str, what: str) -> None:
        log.warning("plugin broke the contract", extra={"plugin": plugin, "code": what})
        if self._on_violation is not None:
            self._on_violation(plugin, what)

    @staticmethod
    def _with(context: Context, settings: dict[str, Any]) -> Context:
        return msgspec.structs.replace(context, tenant_settings=settings)

    def _plan(self, tenant: Tenant, only: str | None) -> _Plan:
        """Which extractors and rules run for this tenant, each with its settings (None:
        none) and its rules' weight: worked out once per tenant object (a reload makes new
        ones) instead of two look-ups per plugin per request."""
        key = (id(tenant), only)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is tenant:
            return cached[1]
        extractors = []
        for impl in self.extractors:
            if not tenant.plugin(impl.plugin).enabled and impl.plugin != only:
                continue
            extractors.append((impl, tenant.plugin(impl.plugin).settings or None))
        rules = []
        for impl in self.rules:
            setting = tenant.plugin(impl.plugin)
            if only is not None:
                if impl.plugin != only:
                    continue
            elif not setting.enabled:
                continue
            rules.append((impl, setting.settings or None, setting.weight))
        plan: _Plan = (tuple(extractors), tuple(rules))
        if len(self._plans) > 256:  # tenants of past reloads
            self._plans.clear()
        self._plans[key] = (tenant, plan)  # the tenant held: its id is not reused meanwhile
        return plan

    def run(
        self,
        session: CollectedSession,
        context: Context,
        tenant: Tenant,
        *,
        only: str | None = None,
    ) -> tuple[Features, list[tuple[RuleHit, float]]]:
        """Run extractors then rules; return features and (hit, plugin weight) pairs.

        `only`: run the rules of that plugin alone, enabled for the tenant or not (every
        extractor still runs: rules read their features). For backtests."""
        features: Features = {}
        extractors, rules = self._plan(tenant, only)
        for impl, settings in extractors:
            ctx = context if settings is None else self._with(context, settings)
            result = self._call(impl, {"session": session, "context": ctx})
            if result is None:
                continue
            if not isinstance(result, dict):
                self._violation(impl.plugin, "features not a dict")
                continue
            for name, value in result.items():
                problem = feature_problem(name, value, self.reserved)
                if problem is None:
                    features[name] = value
                else:
                    self._violation(impl.plugin, f"feature {problem}")
        hits: list[tuple[RuleHit, float]] = []
        for impl, settings, weight in rules:
            ctx = context if settings is None else self._with(context, settings)
            result = self._call(impl, {"session": session, "features": features, "context": ctx})
            if result is None:
                continue
            for hit in result if isinstance(result, list) else [result]:
                problem = hit_problem(hit, self.codes)
                if problem is None:
                    hits.append((hit, weight))
                else:
                    self._violation(impl.plugin, f"hit {problem}")
        return features, hits

    def describe_features(self) -> dict[str, dict[str, str]]:
        """{plugin: {feature: description}} for every plugin that describes its features."""
        out: dict[str, dict[str, str]] = {}
        for impl in self.describers:
            result = self._call(impl, {})
            if isinstance(result, dict):
                out.setdefault(impl.plugin, {}).update({str(k): str(v) for k, v in result.items()})
            elif result is not None:
                self._violation(impl.plugin, "descriptions not a dict")
        return out
