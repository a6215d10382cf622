"""Per-node telemetry: time, model calls and tokens, without touching agent code."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from langchain_core.tracers.context import register_configure_hook
from langgraph.config import get_config, get_stream_writer

from backends.cancel import stop_check
from core.events import CpuBusy
from core.state import AgentName, DraftRequest, DraftState, StepTelemetry, completed_rounds


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


BUSY_RATIO = 0.4  # a notice when tokens come at under this share of the model's best speed
CLEAR_RATIO = 0.7  # and again only after the speed came back above this share
RATE_SECONDS = 2.0  # a speed is measured over at least this long within one model call
RATE_TOKENS = 8  # and at least this many tokens

_BEST_RATES: dict[str, float] = {}
"""Process state: each model's best measured tokens/s, the yardstick of the CPU-busy notice. Every
run gets a new :class:`SpeedWatch` (``graph.execution``), so the best speed outlives the runs here
(tests pass their own dict). Named with the rest of the process's state in the README's "State that
lives as long as the process" table."""


class SpeedWatch:
    """Says when generation runs far below this model's best speed in this process (a busy CPU).

    Speed is measured on streamed tokens within one model call (prompt processing between calls
    is left out), over the last ``RATE_SECONDS`` and at least ``RATE_TOKENS`` tokens.
    """

    def __init__(
        self,
        model: str,
        clock: Callable[[], float] = time.monotonic,
        best_rates: dict[str, float] | None = None,
    ) -> None:
        self.model, self._clock = model, clock
        self.best_rates = _BEST_RATES if best_rates is None else best_rates
        self._call: Any = None
        self._times: deque[float] = deque()
        self.busy = False

    def observe(self, mode: str, payload: Any) -> CpuBusy | None:
        """Look at one LangGraph stream item; return a notice when the CPU just turned busy."""
        if mode != "messages":
            return None
        chunk = payload[0]
        if not (isinstance(chunk.content, str) and chunk.content):
            return None
        return self.token(chunk.id)

    def token(self, call: Any) -> CpuBusy | None:
        """Note one token of model call ``call``; return a notice when the CPU just turned busy."""
        now = self._clock()
        if call != self._call:
            self._call = call
            self._times.clear()
        times = self._times
        times.append(now)
        while len(times) > RATE_TOKENS and now - times[1] >= RATE_SECONDS:
            times.popleft()
        span = now - times[0]
        if len(times) < RATE_TOKENS or span < RATE_SECONDS:
            return None
        rate = (len(times) - 1) / span
        best = self.best_rates.get(self.model)
        self.best_rates[self.model] = max(rate, best or 0.0)
        if best is None:
            return None
        if self.busy:
            self.busy = rate < CLEAR_RATIO * best
            return None
        if rate >= BUSY_RATIO * best:
            return None
        self.busy = True
        return CpuBusy(
            message=(
                f"CPU is busy: {rate:.0f} tokens/s where this model did {best:.0f}; other programs "
                "are using the processor (close or pause them for a faster draft)"
            ),
            tokens_per_second=round(rate, 1),
            expected_tokens_per_second=round(best, 1),
        )
