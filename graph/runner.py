"""The public API. ``stream_draft`` runs the graph and yields typed events; ``resume_draft`` continues
a run from its last checkpoint (after a crash, a stop, or a pause for the author); ``draft`` returns
the result only.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import ValidationError

from backends.cancel import GenerationCancelled
from core.errors import (
    BackendError,
    BadInputError,
    DraftsmithError,
    NoDraftYetError,
    RunFinishedError,
    RunNotFoundError,
    ServerTimeoutError,
    ServerUnreachableError,
)
from core.events import (
    AgentFinished,
    AgentStarted,
    Done,
    Event,
    InputNeeded,
    Pause,
    RoundScored,
    RunStarted,
    RunWarning,
    SourceFound,
    TokenStreamed,
)
from core.result import DraftResult, RunStatus, SourceRef, build_result
from core.settings import Settings
from core.state import (
    AGENTS,
    MAX_ROUNDS,
    DraftRequest,
    DraftState,
    Outline,
    RoundRecord,
    Source,
    StepTelemetry,
)
from graph.builder import build_graph
from graph.store import RunIndex, RunState, open_run_index, open_run_store
from graph.telemetry import STOP_CHECK, SpeedWatch, StopRequested
from tools.base import SearchTool

RECURSION_LIMIT = MAX_ROUNDS * len(AGENTS) + 10
MODEL_SETTINGS = ("backend", "model_path", "hf_repo", "hf_file", "chat_format", "base_url", "openai_model")


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
    """Draft a post, yielding events as the agents work.

    The last event is ``Done`` (with the result), or ``InputNeeded`` when the request asked to
    review the outline or give notes between rounds: answer it with ``resume_draft``.

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
    search = search if search is not None else search_tool_for(request, settings)
    run = _Run(settings, chat_model, search, checkpointer, run_id or new_run_id(), should_stop)
    yield from run.execute(request, {"request": request})


def resume_draft(
    run_id: str,
    settings: Settings,
    chat_model: BaseChatModel | None = None,
    search: SearchTool | None = None,
    *,
    answer: Any = None,
    checkpointer: BaseCheckpointSaver | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[Event]:
    """Continue run ``run_id`` from its last checkpoint; completed steps are not run again.

    Args:
        answer: for a run paused on its outline, the edited outline (dict) or None to approve;
            for a run paused for notes, the notes (str) or None for none.

    Raises:
        BadInputError: no such run, the run already finished, or the answer is invalid.
    """
    with _saver_for(settings, checkpointer) as saver:
        snapshot = (
            build_graph(cast(Any, None), cast(Any, None))
            .compile(checkpointer=saver)
            .get_state(_config(run_id))
        )
    values = cast(DraftState, snapshot.values)
    if not values:
        raise RunNotFoundError(f"no run {run_id} in {settings.data_dir}", run_id=run_id)
    pause = pending_pause(snapshot)
    if not snapshot.next and pause is None and not _killed_while_finishing(run_id, settings):
        raise RunFinishedError(f"run {run_id} already finished", run_id=run_id)
    request = values["request"]
    search = search if search is not None else search_tool_for(request, settings)
    run = _Run(settings, chat_model, search, checkpointer, run_id, should_stop, resumed=values)
    graph_input: Any = Command(resume=check_answer(pause, answer)) if pause is not None else None
    yield from run.execute(request, graph_input)


def _killed_while_finishing(run_id: str, settings: Settings) -> bool:
    """True when the graph finished but the run index still says running: the process died
    between the last checkpoint and the index update. Resuming then only finishes the record."""
    index = open_run_index(settings.data_dir)
    try:
        info = index.get(run_id)
    finally:
        index.connection.close()
    return info is not None and info.status == "running"


def run_snapshot(run_id: str, settings: Settings, checkpointer: BaseCheckpointSaver | None = None) -> Any:
    """The last checkpoint of a run (LangGraph ``StateSnapshot``).

    Raises:
        BadInputError: there is no such run.
    """
    with _saver_for(settings, checkpointer) as saver:
        graph = build_graph(cast(Any, None), cast(Any, None)).compile(checkpointer=saver)
        snapshot = graph.get_state(_config(run_id))
    if not snapshot.values:
        raise RunNotFoundError(f"no run {run_id} in {settings.data_dir}", run_id=run_id)
    return snapshot


def load_result(
    run_id: str, settings: Settings, checkpointer: BaseCheckpointSaver | None = None
) -> DraftResult:
    """The result of a stored run (finished or not), from its last checkpoint.

    Raises:
        BadInputError: no such run, or no round of it was scored yet.
    """
    snapshot = run_snapshot(run_id, settings, checkpointer)
    state = cast(DraftState, snapshot.values)
    if not state.get("rounds"):
        raise NoDraftYetError(f"run {run_id} has no scored draft yet", run_id=run_id)
    info = open_run_index(settings.data_dir)
    try:
        stored = info.get(run_id)
    finally:
        info.connection.close()
    model_settings = stored.model_settings if stored else {}
    status: RunStatus = "completed" if not snapshot.next else "stopped"
    model_name = str(model_settings.get("model_path") or model_settings.get("openai_model") or "embedded")
    return build_result(
        state, run_id=run_id, backend=str(model_settings.get("backend", "")), model=model_name, status=status
    )


def draft(request: DraftRequest, settings: Settings, **kwargs: Any) -> DraftResult:
    """Run to completion and return the result (no events; pauses are not supported here)."""
    for event in stream_draft(request, settings, **kwargs):
        if isinstance(event, Done):
            return event.result
        if isinstance(event, InputNeeded):
            raise BadInputError("this run waits for the author: use stream_draft and resume_draft")
    raise BackendError("the run ended without a result")


def search_tool_for(request: DraftRequest, settings: Settings) -> SearchTool:
    """The search tool the request's mode asks for, configured from settings."""
    from tools.factory import make_search_tool

    sources_dir = Path(request.sources_dir).expanduser() if request.sources_dir else None
    return make_search_tool(
        request.search,
        sources_dir,
        cache_path=settings.cache_dir / "search-cache.sqlite3",
        use_cache=settings.search_cache,
        min_interval=settings.search_min_interval,
        allow_hosts=settings.allow_hosts,
        fetch_pages=settings.fetch_pages,
    )


def pending_pause(snapshot: Any) -> Pause | None:
    """The question a paused run waits on, if any."""
    for task in snapshot.tasks:
        for pending in task.interrupts:
            return Pause.model_validate(pending.value)
    return None


def check_answer(pause: Pause, answer: Any) -> str:
    """Validate a person's answer; return it as JSON text, the form the paused node reads.

    (A JSON string, because LangGraph reads a dict resume value as a map of interrupt ids and
    ignores ``None``.)
    """
    if pause.question == "outline":
        if answer is None:
            return json.dumps(None)
        try:
            return Outline.model_validate(answer).model_dump_json()
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "outline"
            raise BadInputError(f"the edited outline is invalid at {where}: {first.get('msg')}") from None
    return json.dumps("" if answer is None else str(answer))


def describe_model(model: BaseChatModel) -> str:
    """A short name of the model for results and logs."""
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return model._llm_type


def _config(run_id: str) -> Any:
    return {"configurable": {"thread_id": run_id}, "recursion_limit": RECURSION_LIMIT}


class _Run:
    """One execution of the graph for one run id: events, budgets, run index and per-run log."""

    def __init__(
        self,
        settings: Settings,
        chat_model: BaseChatModel | None,
        search: SearchTool,
        checkpointer: BaseCheckpointSaver | None,
        run_id: str,
        should_stop: Callable[[], bool] | None,
        resumed: DraftState | None = None,
    ) -> None:
        self.settings, self.search, self.checkpointer = settings, search, checkpointer
        self.chat_model, self.run_id, self.should_stop = chat_model, run_id, should_stop
        previous = list((resumed or {}).get("telemetry", []))
        self.spent_seconds = sum(step.seconds for step in previous)
        self.spent_tokens = sum(step.completion_tokens for step in previous)
        self.rounds_done = len((resumed or {}).get("rounds", []))
        self.current: dict[str, Any] = {"agent": "researcher", "round": self.rounds_done + 1}
        self.stop_status: RunStatus = "stopped"

    def execute(self, request: DraftRequest, graph_input: Any) -> Iterator[Event]:
        from backends.factory import make_chat_model

        model = self.chat_model if self.chat_model is not None else make_chat_model(self.settings)
        backend, model_name = self.settings.backend, describe_model(model)
        index = open_run_index(self.settings.data_dir)
        model_settings = self.settings.model_dump(mode="json", include=set(MODEL_SETTINGS))
        index.start(self.run_id, request.topic, model_settings)
        log = _RunLog(self.settings.data_dir, self.run_id)
        status: RunStatus = "completed"
        try:
            yield log.write(
                RunStarted(
                    run_id=self.run_id,
                    topic=request.topic,
                    backend=backend,
                    model=model_name,
                    max_rounds=request.rounds,
                )
            )
            with _saver_for(self.settings, self.checkpointer) as saver:
                graph = build_graph(model, self.search).compile(checkpointer=saver)
                try:
                    for event in self._stream(graph, graph_input, request, SpeedWatch(model_name)):
                        yield log.write(event)
                        if isinstance(event, RoundScored):
                            self.rounds_done = event.round
                            index.update(self.run_id, rounds=event.round)
                except (StopRequested, GenerationCancelled):
                    status = self.stop_status
                snapshot = graph.get_state(_config(self.run_id))
            pause = pending_pause(snapshot) if status == "completed" else None
            if pause is not None:
                index.update(self.run_id, status="paused")
                yield log.write(InputNeeded(run_id=self.run_id, pause=pause))
                return
            result = self._result(snapshot.values, backend, model_name, status)
            index.update(self.run_id, status=status, best_score=result.score)
            yield log.write(Done(result=result))
        except BaseException as exc:
            index.update(self.run_id, status=_failed_status(exc))
            raise
        finally:
            index.connection.close()
            log.close()

    def _stream(
        self, graph: Any, graph_input: Any, request: DraftRequest, speed: SpeedWatch
    ) -> Iterator[Event]:
        config = _config(self.run_id)
        config["configurable"][STOP_CHECK] = lambda: self._should_stop(request)
        stream = cast(
            Generator[Any, None, None],
            graph.stream(
                graph_input, config, stream_mode=["custom", "messages", "updates"], durability="sync"
            ),
        )
        try:
            for mode, payload in stream:
                for event in _events_for(mode, payload, self.current):
                    self._account(event)
                    yield event
                notice = speed.observe(mode, payload)
                if notice is not None:
                    yield notice
        except (DraftsmithError, StopRequested, GenerationCancelled):
            raise
        except Exception as exc:  # a model or tool failure: one line for the user
            agent, round_number = self.current["agent"], self.current["round"]
            error_type, reason = describe_failure(exc, self.settings)
            raise error_type(f"{agent} failed in round {round_number}: {reason}", run_id=self.run_id) from exc
        finally:
            stream.close()

    def _account(self, event: Event) -> None:
        if isinstance(event, AgentFinished):
            self.spent_seconds += event.seconds
            self.spent_tokens += event.completion_tokens
        elif isinstance(event, RoundScored):
            self.rounds_done = event.round

    def _should_stop(self, request: DraftRequest) -> bool:
        """Asked by every node before it starts: stop on request, or for a budget once a round is scored."""
        if self.should_stop is not None and self.should_stop():
            self.stop_status = "stopped"
            return True
        over_time = request.max_seconds is not None and self.spent_seconds >= request.max_seconds
        over_tokens = request.max_tokens is not None and self.spent_tokens >= request.max_tokens
        if (over_time or over_tokens) and self.rounds_done >= 1:
            self.stop_status = "budget_stopped"
            return True
        return False

    def _result(self, values: Any, backend: str, model_name: str, status: RunStatus) -> DraftResult:
        state = cast(DraftState, values)
        if not state.get("rounds"):
            raise NoDraftYetError(
                f"run {self.run_id} stopped before its first draft was scored", run_id=self.run_id
            )
        return build_result(state, run_id=self.run_id, backend=backend, model=model_name, status=status)


def _failed_status(exc: BaseException) -> RunState:
    """How the run index records a run that ended with ``exc``: stopped before any draft, failed,
    or (Ctrl-C, exit) still running, which the history shows as interrupted."""
    if isinstance(exc, NoDraftYetError):
        return "stopped"
    return "failed" if isinstance(exc, Exception) else "running"


class _saver_for:
    """Context manager: the injected checkpointer, or the SQLite run store (closed afterwards)."""

    def __init__(self, settings: Settings, injected: BaseCheckpointSaver | None) -> None:
        self.settings, self.injected = settings, injected
        self._connection: Any = None

    def __enter__(self) -> BaseCheckpointSaver:
        if self.injected is not None:
            return self.injected
        saver, self._connection = open_run_store(self.settings.data_dir)
        return saver

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()


class _RunLog:
    """A JSON-lines log per run (every event but streamed tokens) in ``<data_dir>/logs``."""

    def __init__(self, data_dir: Path, run_id: str) -> None:
        folder = data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{run_id}.jsonl"
        self._file = self.path.open("a", encoding="utf-8")

    def write(self, event: Event) -> Event:
        if event.kind != "token":
            payload = event.model_dump(mode="json", exclude={"result": {"rounds", "markdown"}})
            self._file.write(json.dumps({"time": round(time.time(), 3), **payload}) + "\n")
            self._file.flush()
        return event

    def close(self) -> None:
        self._file.close()


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
        for node, update in payload.items():
            if node != "__interrupt__" and isinstance(update, dict):
                yield from _events_for_update(update)


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


def describe_failure(exc: BaseException, settings: Settings) -> tuple[type[BackendError], str]:
    """The error type and one neutral line for a failure, naming the server for connection
    trouble (front ends add their own advice, e.g. which setting to check)."""
    import openai

    url, timeout = settings.base_url, settings.request_timeout
    cause: BaseException | None = exc
    while cause is not None:  # client libraries wrap the transport error; look down the chain
        if isinstance(cause, openai.APITimeoutError):
            return ServerTimeoutError, f"the model server at {url} did not answer within {timeout:.0f} s"
        if isinstance(cause, openai.APIConnectionError):
            return ServerUnreachableError, f"cannot reach the model server at {url}"
        cause = cause.__cause__
    return BackendError, _one_line(exc)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


__all__ = ["RunIndex", "draft", "resume_draft", "stream_draft"]
