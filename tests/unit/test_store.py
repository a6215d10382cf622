"""The run store's serialiser restores nested state schemas as objects, not dicts."""

from graph.state import Outline, OutlineSection, RoundRecord
from graph.store import serializer


def test_nested_schemas_survive_a_round_trip():
    outline = Outline(
        title="A title here", sections=[OutlineSection(heading="One", key_points=["point one"])] * 3
    )
    serde = serializer()
    restored = serde.loads_typed(serde.dumps_typed({"outline": outline, "list": [outline]}))
    assert isinstance(restored["outline"].sections[0], OutlineSection)
    assert isinstance(restored["list"][0].sections[2], OutlineSection)
    assert restored["outline"] == outline


def test_every_state_schema_is_allowed():
    from graph.store import state_types

    assert ("graph.state", "RoundRecord") in state_types() and RoundRecord.__module__ == "graph.state"
