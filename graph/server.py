"""The graph for a LangGraph server (``langgraph dev`` or LangGraph Platform), named in langgraph.json.

The server owns persistence, so the graph is compiled without a checkpointer. The model and
search come from the environment (``DRAFTSMITH_*`` settings; ``DRAFTSMITH_SERVER_SEARCH`` picks
the search mode, default ``auto``). Invoke it with ``{"request": {"topic": "..."}}``.
"""

from __future__ import annotations

import os
from typing import Any, Literal, cast

from backends.factory import make_chat_model
from core.settings import load_settings
from graph.builder import build_graph
from tools.factory import make_search_tool


def make_graph() -> Any:
    """Build and compile the graph from the environment's settings."""
    settings = load_settings()
    mode = cast(Literal["auto", "web", "local", "off"], os.environ.get("DRAFTSMITH_SERVER_SEARCH", "auto"))
    search = make_search_tool(mode, cache_path=settings.cache_dir / "search-cache.sqlite3")
    return build_graph(make_chat_model(settings), search).compile()


graph = make_graph()
