"""A run's last checkpoint, read straight from the checkpointer: no graph is built to read it.

LangGraph keeps a graph's state in channels. A state key is a channel of the same name (a key
with a reducer reads as an empty list before its first write); the edge
into node ``X`` is the channel ``branch:to:X``, and a node is due when its channel holds a value
newer than the version the node last saw. A question for the person is a pending write to the
``__interrupt__`` channel. (tests/unit/test_resume.py checks this reading against LangGraph's
own ``get_state`` for finished, paused, stopped and crashed runs.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, cast, get_origin, get_type_hints

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver

from core.events import Pause
from core.state import AGENTS, MAX_ROUNDS, DraftState

RECURSION_LIMIT = MAX_ROUNDS * len(AGENTS) + 10
STATE_HINTS = get_type_hints(DraftState, include_extras=True)
ACCUMULATED = tuple(key for key, hint in STATE_HINTS.items() if get_origin(hint) is Annotated)
"""Keys with a reducer: LangGraph shows them as an empty list until a node writes them."""
START_CHANNEL = "__start__"
EDGE_PREFIX = "branch:to:"
INTERRUPT_CHANNEL = "__interrupt__"
NO_TASK = "00000000-0000-0000-0000-000000000000"  # writes of the step's input, not of a node


@dataclass(frozen=True)
class RunCheckpoint:
    """The last checkpoint of a run.

    Attributes:
        values: the graph state (empty when there is no such run).
        next: the nodes due next; empty once the graph has finished.
        questions: what the run waits for the person to answer (``Pause`` data), if paused.
    """

    values: DraftState = field(default_factory=lambda: cast(DraftState, {}))
    next: tuple[str, ...] = ()
    questions: tuple[Any, ...] = ()


def run_config(run_id: str) -> RunnableConfig:
    """The config naming a run's checkpoint thread."""
    return {"configurable": {"thread_id": run_id}, "recursion_limit": RECURSION_LIMIT}


def read_checkpoint(saver: BaseCheckpointSaver, run_id: str) -> RunCheckpoint:
    """The run's last checkpoint (empty when the run is unknown)."""
    saved = saver.get_tuple(run_config(run_id))
    if saved is None:
        return RunCheckpoint()
    channels = saved.checkpoint["channel_values"]
    values = {key: [] for key in ACCUMULATED} | {k: v for k, v in channels.items() if k in STATE_HINTS}
    questions = [
        question
        for task_id, channel, written in saved.pending_writes or []
        if channel == INTERRUPT_CHANNEL and task_id != NO_TASK
        for question in (written if isinstance(written, list | tuple) else [written])
    ]
    return RunCheckpoint(
        cast(DraftState, values),
        _due_nodes(saved.checkpoint, channels),
        tuple(getattr(question, "value", question) for question in questions),
    )


def _due_nodes(checkpoint: Any, channels: dict[str, Any]) -> tuple[str, ...]:
    seen: dict[str, dict[str, Any]] = checkpoint["versions_seen"]
    due = []
    for channel, version in checkpoint["channel_versions"].items():
        if channel != START_CHANNEL and not channel.startswith(EDGE_PREFIX):
            continue
        node = channel.removeprefix(EDGE_PREFIX)
        last_seen = seen.get(node, {}).get(channel)
        if channel in channels and (last_seen is None or version > last_seen):
            due.append(node)
    return tuple(due)


def pending_pause(checkpoint: RunCheckpoint) -> Pause | None:
    """The question a paused run waits on, if any."""
    return Pause.model_validate(checkpoint.questions[0]) if checkpoint.questions else None
