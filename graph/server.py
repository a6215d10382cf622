"""The graph for a LangGraph server (``langgraph dev`` or LangGraph Platform), named in langgraph.json.

The server owns persistence, so the graph is compiled without a checkpointer. The model and
search are built from the settings like every other front end's (``DRAFTSMITH_*``;
``DRAFTSMITH_SERVER_SEARCH`` picks the search mode, default ``auto``). Invoke it with
``{"request": {"topic": "..."}}``.
"""

from __future__ import annotations

from typing import Any

from core.settings import load_settings
from graph.assembly import server_parts
from graph.builder import build_graph


def make_graph() -> Any:
    """Build and compile the graph from the environment's settings."""
    parts = server_parts(load_settings())
    return build_graph(parts.model, parts.search, parts.writing).compile()


graph = make_graph()
