"""The run store's serialiser restores nested state schemas as objects, not dicts."""

from core.state import Outline, OutlineSection, RoundRecord
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

    assert ("core.state", "RoundRecord") in state_types() and RoundRecord.__module__ == "core.state"


def test_a_checkpoint_written_before_the_schemas_moved_still_loads(monkeypatch):
    outline = Outline(
        title="A title here", sections=[OutlineSection(heading="One", key_points=["point one"])] * 3
    )
    monkeypatch.setattr(Outline, "__module__", "graph.state")
    monkeypatch.setattr(OutlineSection, "__module__", "graph.state")
    stored = serializer().dumps_typed({"outline": outline})
    assert b"graph.state" in stored[1]
    monkeypatch.undo()
    restored = serializer().loads_typed(stored)
    assert isinstance(restored["outline"], Outline) and restored["outline"] == outline
