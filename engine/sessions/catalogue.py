"""The open attribute catalogue, generated from the schema (engine/schema.py)."""

from __future__ import annotations

from functools import cache

import msgspec.inspect as mi

from engine.config import MAX_RETENTION_DAYS, Tenant
from engine.schema import OPTIONAL_ATTRIBUTES, AttributeInfo, Attributes
from engine.scoring.pipeline import ENGINE_ATTRIBUTES

# Category labels follow the data policy's categories (docs/privacy.md).
CATEGORIES = {
    "device": "Device technical characteristics",
    "software": "Device basic software",
    "network": "Internet-connection data",
    "behaviour": "Statistics of the visit and form filling",
    "apps": "Categories of installed applications",
    "location": "Rough geographical location (rounded to 1 km)",
    "coherence": "What the browser claims against what its engine does",
    "custom": "Client-defined fields",
}


def _type_name(t: mi.Type) -> str:
    if isinstance(t, mi.UnionType):
        names = [_type_name(x) for x in t.types if not isinstance(x, mi.NoneType)]
        return " or ".join(dict.fromkeys(names))
    if isinstance(t, mi.Metadata):
        return _type_name(t.type)
    simple = {
        mi.IntType: "integer",
        mi.FloatType: "number",
        mi.StrType: "string",
        mi.BoolType: "boolean",
    }
    for cls, name in simple.items():
        if isinstance(t, cls):
            return name
    if isinstance(t, mi.LiteralType):
        return "one of " + ", ".join(str(v) for v in t.values)
    if isinstance(t, mi.ListType):
        return f"array of {_type_name(t.item_type)}"
    if isinstance(t, mi.DictType):
        return f"object of {_type_name(t.value_type)}"
    if isinstance(t, mi.StructType):
        return "object"
    return "value"


def _description(t: mi.Type) -> str:
    if isinstance(t, mi.Metadata):
        extra = t.extra_json_schema or {}
        if "description" in extra:
            return str(extra["description"])
        return _description(t.type)
    if isinstance(t, mi.UnionType):
        for x in t.types:
            d = _description(x)
            if d:
                return d
    return ""


@cache
def _entries() -> tuple[tuple[str, str, str, str, str | None], ...]:
    toggle_of = {path: name for name, paths in OPTIONAL_ATTRIBUTES.items() for path in paths}
    info = mi.type_info(Attributes)
    assert isinstance(info, mi.StructType)
    out = []
    for group in info.fields:
        gtype = group.type
        if isinstance(gtype, mi.Metadata):
            gtype = gtype.type
        if isinstance(gtype, mi.StructType):
            for f in gtype.fields:
                name = f"{group.name}.{f.name}"
                out.append(
                    (
                        name,
                        CATEGORIES[group.name],
                        _type_name(f.type),
                        _description(f.type),
                        toggle_of.get(name),
                    )
                )
        else:
            out.append(
                (
                    group.name,
                    CATEGORIES[group.name],
                    _type_name(gtype),
                    _description(group.type),
                    None,
                )
            )
    return tuple(out)


_HASHED = {
    "device.device_id_hash",
    "device.mac_hash",
    "network.wifi_bssid_hash",
    "software.persistent_session",
}
_ROUNDED = {"location.lat", "location.lon", "location.accuracy_m"}
RETENTION = (
    f"with its session: at most {MAX_RETENTION_DAYS} days once scored (tenant "
    "retention_days), 30 days if never scored; erased on request"
)


def stored_as(name: str) -> str:
    if name in _HASHED:
        return "part removed, then keyed hash (irreversible)"
    if name in _ROUNDED:
        return "rounded to about 1 km"
    if name == "custom" or name.endswith(("referrer_host", "user_agent")):
        return "as sent, after the direct-identifier scan"
    return "as sent"


def attribute_catalogue(tenant: Tenant | None) -> list[AttributeInfo]:
    """Every attribute of the payload; `enabled` for the tenant (all optional off if None)."""
    out = []
    for name, category, type_name, description, toggle in _entries():
        enabled = toggle is None or (tenant is not None and toggle in tenant.optional)
        if toggle is not None:
            description = f"{description} (optional: {toggle})"
        out.append(
            AttributeInfo(
                name=name,
                category=category,
                type=type_name,
                description=description,
                optional=toggle is not None,
                enabled=enabled,
                retention=RETENTION,
                stored_as=stored_as(name),
            )
        )
    return out


SCORE_TYPE = "number, string, boolean or null"
SCORE_RETENTION = "with the scored session (the answer is kept so a repeated /v1/score is equal)"


def score_attributes(
    described: dict[str, dict[str, str]], tenant: Tenant | None
) -> list[AttributeInfo]:
    """What `/v1/score` returns in `attributes`: the engine's own, then each plugin's."""
    out = [
        AttributeInfo(
            name=name,
            category="Score attribute (engine)",
            type=SCORE_TYPE,
            description=description,
            optional=False,
            enabled=True,
            retention=SCORE_RETENTION,
            stored_as="computed",
        )
        for name, description in ENGINE_ATTRIBUTES.items()
    ]
    for plugin in sorted(described):
        enabled = tenant is None or tenant.plugin(plugin).enabled
        for name, description in sorted(described[plugin].items()):
            out.append(
                AttributeInfo(
                    name=name,
                    category=f"Score attribute (plugin {plugin})",
                    type=SCORE_TYPE,
                    description=description,
                    optional=False,
                    enabled=enabled,
                    retention=SCORE_RETENTION,
                    stored_as="computed",
                )
            )
    return out


def catalogue_markdown(described: dict[str, dict[str, str]] | None = None) -> str:
    """The catalogue as Markdown (docs/attributes.md is generated from this)."""
    lines = [
        "# The open attribute catalogue",
        "",
        "Generated from `engine/schema.py` by `python -m tools.catalogue --write`; do not edit.",
        "Optional attributes are off until a tenant enables them in `config/tenants.toml`.",
        f"Every attribute is kept {RETENTION}.",
        "",
        "| name | category | type | optional | stored as | description |",
        "|---|---|---|---|---|---|",
    ]
    for a in attribute_catalogue(None):
        opt = a.description.rsplit("(optional: ", 1)[-1].rstrip(")") if a.optional else ""
        lines.append(
            f"| `{a.name}` | {a.category} | {a.type} | {opt} | {a.stored_as} | {a.description} |"
        )
    if described:
        lines += [
            "",
            "## Attributes returned by /v1/score",
            "",
            "Computed by the engine and the plugins (each describes its own through the",
            "`anonscore_describe_features` hook); values are numbers, strings, booleans or",
            "null when the input was missing. A tenant that disables a plugin does not get its",
            "attributes.",
            "",
            "| name | from | description |",
            "|---|---|---|",
        ]
        for a in score_attributes(described, None):
            source = a.category.removeprefix("Score attribute (").removesuffix(")")
            lines.append(f"| `{a.name}` | {source} | {a.description} |")
    lines.append("")
    return "\n".join(lines)
