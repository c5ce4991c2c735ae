"""The attribute catalogue is generated from the schema; the committed Markdown is current."""

from __future__ import annotations

import msgspec

from engine.schema import Attributes
from engine.scoring.plugin_host import PluginHost, build_plugin_manager
from engine.sessions.catalogue import attribute_catalogue, catalogue_markdown
from tools.catalogue import DOC, main


def test_committed_markdown_matches_the_schema_and_the_plugins() -> None:
    described = PluginHost(build_plugin_manager()).describe_features()
    assert DOC.read_text() == catalogue_markdown(described), (
        "docs/attributes.md is stale: run `python -m tools.catalogue --write`"
    )
    assert main(["--check"]) == 0


def test_every_schema_field_is_in_the_catalogue_with_a_description() -> None:
    names = {a.name for a in attribute_catalogue(None)}
    for group in Attributes.__struct_fields__:
        sub = getattr(Attributes(), group)
        if isinstance(sub, msgspec.Struct):
            for field in type(sub).__struct_fields__:
                assert f"{group}.{field}" in names
        else:
            assert group in names
    for a in attribute_catalogue(None):
        assert a.description, a.name
        assert a.category
        assert a.type != "value", a.name


def test_optional_attributes_are_marked_and_off_by_default() -> None:
    by_name = {a.name: a for a in attribute_catalogue(None)}
    for name in (
        "behaviour.keystroke_intervals_ms",
        "device.mac_hash",
        "network.wifi_bssid_hash",
        "location.lat",
    ):
        assert by_name[name].optional is True
        assert by_name[name].enabled is False
    assert by_name["device.screen_width"].optional is False
    assert by_name["device.mac_hash"].stored_as.startswith("part removed")
    assert by_name["location.lon"].stored_as == "rounded to about 1 km"
