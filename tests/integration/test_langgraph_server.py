"""langgraph.json names a graph that imports, compiles and runs (the server's own entry point)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_langgraph_json_points_at_a_compiled_graph(monkeypatch):
    config = json.loads((ROOT / "langgraph.json").read_text())
    path, _, attribute = config["graphs"]["draftsmith"].partition(":")
    monkeypatch.setenv("DRAFTSMITH_SERVER_SEARCH", "off")
    spec = importlib.util.spec_from_file_location("draftsmith_server_graph", ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    graph = getattr(module, attribute)
    assert set(graph.get_graph().nodes) >= {"researcher", "outliner", "writer", "editor", "critic"}
    state = graph.invoke(
        {"request": {"topic": "Why people keep houseplants", "rounds": 1, "search": "off", "words": 200}}
    )
    assert len(state["rounds"]) == 1 and state["draft"].startswith("# ")
