"""The graph for a LangGraph server (``langgraph dev`` or LangGraph Platform), named in langgraph.json.

``graph`` is a graph factory: the server calls it with the run's ``RunnableConfig`` whenever it
needs the graph (a run, a state read, the assistant's schema). Importing this module builds
nothing; the first call builds the model and search from the settings like every other front
end's (``DRAFTSMITH_*``; ``DRAFTSMITH_SERVER_SEARCH`` picks the search mode, default ``auto``) and
compiles the graph, which later calls reuse (loading a model, or with ``auto`` asking the hub,
on every call would cost seconds each). The server owns persistence, so the graph is compiled
without a checkpointer (the server copies it with its own). Invoke it with
``{"request": {"topic": "..."}}``.

No ``from __future__ import annotations`` here: the server reads the factory's parameter
annotation (``RunnableConfig``) to decide what to pass it.
"""

import functools

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from core.settings import load_settings
from graph import assembly
from graph.builder import build_graph


def graph(config: RunnableConfig) -> CompiledStateGraph:
    """The compiled graph, built at the first call of this process (``config`` is not needed: the
    settings come from the environment)."""
    return compiled_graph()


@functools.cache
def compiled_graph() -> CompiledStateGraph:
    """Build and compile the graph from the environment's settings, once per process."""
    parts = assembly.server_parts(load_settings())
    return build_graph(parts.model, parts.search, parts.writing).compile()
