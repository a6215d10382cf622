"""The public API: ``stream_draft`` runs the graph and yields typed events; ``draft`` returns the result."""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from errors import BackendError, DraftsmithError
from graph.builder import build_graph
from graph.events import (
    AgentFinished,
    AgentStarted,
    Done,
    Event,
    RoundScored,
    RunStarted,
    RunWarning,
    SourceFound,
    TokenStreamed,
)
from graph.result import DraftResult, RunStatus, SourceRef, build_result
from graph.state import AGENTS, MAX_ROUNDS, DraftRequest, DraftState, RoundRecord, Source, StepTelemetry
from settings import Settings
from tools.base import SearchTool

RECURSION_LIMIT = MAX_ROUNDS * len(AGENTS) + 10


def new_run_id() -> str:
    """A sortable, readable run id, e.g. ``20261126-014502-3fa9``."""
    return time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def stream_draft(
    request: DraftRequest,
    settings: Settings,
    chat_model: BaseChatModel | None = None,
    search: SearchTool | None = None,
    *,
    run_id: str | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[Event]:
    """Draft a post, yielding events as the agents work; the last event is ``Done``.

    Args:
        request: what to write.
        settings: backend, model and runtime settings.
        chat_model: injected model (tests, notebooks); default: built from ``settings``.
        search: injected search tool; default: built from ``request.search``.
        run_id: checkpoint thread id; default: a new id.
        checkpointer: default: the SQLite run store in ``settings.data_dir``.
        should_stop: polled between events; when it returns True the run stops cleanly and
            ``Done`` carries the best finished round with status ``"stopped"``.

    Raises:
        DraftsmithError: bad input (exit code 2) or a runtime failure (exit code 1), one line each.
    """
    from backends.factory import make_chat_model

    if search is None:
        from tools.factory import make_search_tool

        sources_dir = Path(request.sources_dir).expanduser() if request.sources_dir else None
        search = make_search_tool(
            request.search,
            sources_dir,
            cache_path=settings.cache_dir / "search-cache.sqlite3",
            use_cache=settings.search_cache,
            min_interval=settings.search_min_interval,
            allow_hosts=settings.allow_hosts,
            fetch_pages=settings.fetch_pages,
        )
    model = chat_model if chat_model is not None else make_chat_model(settings)
    run_id = run_id or new_run_id()
    backend, model_name = settings.backend, describe_model(model)
    yield RunStarted(
        run_id=run_id, topic=request.topic, backend=backend, model=model_name, max_rounds=request.rounds
    )
    with _checkpointer_for(settings, checkpointer) as saver:
        graph = build_graph(model, search).compile(checkpointer=saver)
        config: Any = {"configurable": {"thread_id": run_id}, "recursion_limit": RECURSION_LIMIT}
        current = {"agent": "researcher", "round": 1}
        status: RunStatus = "completed"
        stream = cast(
            Generator[Any, None, None],
            graph.stream({"request": request}, config, stream_mode=["custom", "messages", "updates"]),
        )
        try:
            for mode, payload in stream:
                yield from _events_for(mode, payload, current)
                if should_stop is not None and should_stop():
                    status = "stopped"
                    break
        except DraftsmithError:
            raise
        except Exception as exc:  # a model or tool failure: one line for the user
            raise BackendError(
                f"{current['agent']} failed in round {current['round']}: {_one_line(exc)}"
            ) from exc
        finally:
            stream.close()
        state: DraftState = graph.get_state(config).values  # type: ignore[assignment]
    if not state.get("rounds"):
        raise DraftsmithError("the run was stopped before its first draft was scored; nothing to show yet")
    yield Done(result=build_result(state, run_id=run_id, backend=backend, model=model_name, status=status))


def draft(request: DraftRequest, settings: Settings, **kwargs: Any) -> DraftResult:
    """Run to completion and return the result (no events)."""
    for event in stream_draft(request, settings, **kwargs):
        if isinstance(event, Done):
            return event.result
    raise BackendError("the run ended without a result")


def describe_model(model: BaseChatModel) -> str:
    """A short name of the model for results and logs."""
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return model._llm_type


def _events_for(mode: str, payload: Any, current: dict[str, Any]) -> Iterator[Event]:
    if mode == "custom" and payload.get("event") == "agent_started":
        current.update(agent=payload["agent"], round=payload["round"])
        yield AgentStarted(agent=payload["agent"], round=payload["round"])
    elif mode == "messages":
        chunk, metadata = payload
        text = chunk.content if isinstance(chunk.content, str) else ""
        node = metadata.get("langgraph_node")
        if text and node in AGENTS:
            yield TokenStreamed(agent=node, round=current["round"], text=text)
    elif mode == "updates":
        for update in payload.values():
            yield from _events_for_update(update or {})


def _events_for_update(update: dict[str, Any]) -> Iterator[Event]:
    source: Source
    for source in update.get("sources", []):
        yield SourceFound(
            source=SourceRef(id=source.id, title=source.title, url=source.url, origin=source.origin)
        )
    for message in update.get("warnings", []):
        yield RunWarning(message=message)
    step: StepTelemetry
    for step in update.get("telemetry", []):
        yield AgentFinished(
            agent=step.agent,
            round=step.round,
            seconds=step.seconds,
            prompt_tokens=step.prompt_tokens,
            completion_tokens=step.completion_tokens,
        )
    record: RoundRecord
    for record in update.get("rounds", []):
        critique = record.critique
        yield RoundScored(
            round=record.round,
            overall=critique.overall,
            scores=critique.scores,
            issues=critique.issues,
            gaps=critique.gaps,
            words=critique.metrics.words,
        )


class _checkpointer_for:
    """Context manager: the injected checkpointer, or the SQLite run store (closed afterwards)."""

    def __init__(self, settings: Settings, injected: BaseCheckpointSaver | None) -> None:
        self.settings, self.injected = settings, injected
        self._connection: closing[sqlite3.Connection] | None = None

    def __enter__(self) -> BaseCheckpointSaver:
        if self.injected is not None:
            return self.injected
        from graph.store import open_run_store

        saver, connection = open_run_store(self.settings.data_dir)
        self._connection = closing(connection)
        return saver

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.__exit__(*exc)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
