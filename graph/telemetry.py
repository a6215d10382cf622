"""Per-node telemetry: time, model calls and tokens, without touching agent code."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from langchain_core.tracers.context import register_configure_hook
from langgraph.config import get_config, get_stream_writer

from backends.cancel import stop_check
from graph.state import AgentName, DraftRequest, DraftState, StepTelemetry, completed_rounds


class UsageCounter(BaseCallbackHandler):
    """Counts model calls and sums their prompt/completion tokens."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        usage: dict[str, Any] = {}
        for generations in response.generations:
            for generation in generations:
                message = getattr(generation, "message", None)
                usage = getattr(message, "usage_metadata", None) or usage
        with self._lock:
            self.calls += 1
            self.prompt_tokens += int(usage.get("input_tokens", 0))
            self.completion_tokens += int(usage.get("output_tokens", 0))


_COUNTER: ContextVar[UsageCounter | None] = ContextVar("draftsmith_usage_counter", default=None)
register_configure_hook(_COUNTER, inheritable=True)


@contextmanager
def count_usage() -> Iterator[UsageCounter]:
    """Every chat model call inside the block reports to the yielded counter."""
    counter = UsageCounter()
    token = _COUNTER.set(counter)
    try:
        yield counter
    finally:
        _COUNTER.reset(token)


class Node(Protocol):
    """A graph node: state in, partial state update out."""

    def __call__(self, state: DraftState) -> dict[str, Any]: ...


STOP_CHECK = "draftsmith_should_stop"


class StopRequested(Exception):
    """Raised before a node starts when the run should stop; the last checkpoint stays resumable."""


def instrument(agent: AgentName, node: Callable[[DraftState], dict]) -> Node:
    """Wrap a node: stop if asked, announce its start on the custom stream, add its StepTelemetry."""

    def run(state: DraftState) -> dict[str, Any]:
        should_stop = get_config().get("configurable", {}).get(STOP_CHECK)
        if should_stop is not None and should_stop():
            raise StopRequested(agent)
        coerced = {}
        if isinstance(state.get("request"), dict):  # a LangGraph server passes plain JSON input
            coerced["request"] = DraftRequest.model_validate(state["request"])
            state = {**state, **coerced}  # type: ignore[typeddict-item]
        round_number = completed_rounds(state) + 1
        get_stream_writer()({"event": "agent_started", "agent": agent, "round": round_number})
        started = time.perf_counter()
        with count_usage() as usage, stop_check(should_stop):
            update = {**coerced, **node(state)}
        update["telemetry"] = [
            StepTelemetry(
                agent=agent,
                round=round_number,
                seconds=round(time.perf_counter() - started, 3),
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                calls=usage.calls,
            )
        ]
        return update

    run.__name__ = agent
    return run
