"""``build_graph``: the five agents wired as a LangGraph StateGraph (uncompiled)."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langgraph.graph import END, START, StateGraph

from agents.capability import WritingMode
from agents.critic.critic import make_critic
from agents.editor.editor import make_editor
from agents.outliner.outliner import make_outliner
from agents.researcher.researcher import make_researcher
from agents.writer.writer import make_writer
from core.state import DraftState
from graph.human import with_human_pauses
from graph.routing import route_after_critique
from graph.telemetry import instrument
from tools.base import SearchTool


def build_graph(model: BaseChatModel, search: SearchTool, writing: WritingMode = "extractive") -> StateGraph:
    """researcher → outliner → writer → editor → critic, then the critic's verdict routes.

    ``writing`` is how the model writes (``agents.capability.decide_writing``: "free" for a model
    that can write, "extractive" for one that cannot). Each caller compiles it with its own
    checkpointer (CLI/UI: SQLite; LangGraph server: its own).
    """
    graph = StateGraph(DraftState)
    graph.add_node("researcher", instrument("researcher", make_researcher(model, search)))
    graph.add_node("outliner", instrument("outliner", make_outliner(model, writing)))
    graph.add_node("writer", instrument("writer", with_human_pauses(make_writer(model, writing))))
    graph.add_node("editor", instrument("editor", make_editor(model, writing)))
    graph.add_node("critic", instrument("critic", make_critic(model, writing)))
    graph.add_edge(START, "researcher")
    graph.add_edge("researcher", "outliner")
    graph.add_edge("outliner", "writer")
    graph.add_edge("writer", "editor")
    graph.add_edge("editor", "critic")
    graph.add_conditional_edges(
        "critic", route_after_critique, {"researcher": "researcher", "writer": "writer", "__end__": END}
    )
    return graph
