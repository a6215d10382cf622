"""langgraph.json names a graph factory that imports without building anything, then builds,
compiles and runs the graph (the server's own entry point)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_langgraph_json_points_at_a_graph_factory_that_builds_on_first_call(monkeypatch):
    from graph import assembly

    built: list[Any] = []
    server_parts = assembly.server_parts
    monkeypatch.setattr(
        assembly, "server_parts", lambda settings: built.append(settings) or server_parts(settings)
    )
    config = json.loads((ROOT / "langgraph.json").read_text())
    path, _, attribute = config["graphs"]["draftsmith"].partition(":")
    monkeypatch.setenv("DRAFTSMITH_SERVER_SEARCH", "off")
    spec = importlib.util.spec_from_file_location("draftsmith_server_graph", ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    factory = getattr(module, attribute)
    assert built == []  # importing the module built no model
    graph = factory({"configurable": {}})  # what the server passes: the run's RunnableConfig
    assert factory({}) is graph and len(built) == 1  # built once, then reused
    assert set(graph.get_graph().nodes) >= {"researcher", "outliner", "writer", "editor", "critic"}
    state = graph.invoke(
        {"request": {"topic": "Why people keep houseplants", "rounds": 1, "search": "off", "words": 200}}
    )
    assert len(state["rounds"]) == 1 and state["draft"].startswith("# ")
