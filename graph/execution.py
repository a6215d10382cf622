"""One execution of the graph for one run id: the graph built from the run's parts, its stream
turned into events, the run index and the per-run log kept, and a last ``Done`` or ``InputNeeded``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from contextlib import closing
from pathlib import PurePath
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from backends.cancel import GenerationCancelled
from backends.model_files import EMBEDDED_FILE
from core.errors import (
    BackendError,
    DraftsmithError,
    NoDraftYetError,
    ServerTimeoutError,
    ServerUnreachableError,
)
from core.events import Done, Event, InputNeeded, RoundScored, RunStarted
from core.policy import POLICY_KEY
from core.result import DraftResult, RunStatus, build_result
from core.settings import Settings
from core.state import DraftRequest, DraftState
from graph.assembly import RunParts, open_checkpointer
from graph.budget import Budget
from graph.builder import build_graph
from graph.checkpoints import pending_pause, read_checkpoint, run_config
from graph.runlog import RunLog
from graph.store import RunIndex, RunState, open_run_index
from graph.telemetry import STOP_CHECK, SpeedWatch, StopRequested
from graph.translate import EventTranslator

MODEL_SETTINGS = (
    "backend",
    "model",
    "model_path",
    "hf_repo",
    "hf_file",
    "chat_format",
    "base_url",
    "openai_model",
)


class RunExecution:
    """Runs the graph for one run id, from a new request or from its last checkpoint."""

    def __init__(
        self,
        settings: Settings,
        parts: RunParts,
        run_id: str,
        budget: Budget,
        checkpointer: BaseCheckpointSaver | None = None,
    ) -> None:
        self.settings, self.parts, self.run_id, self.budget = settings, parts, run_id, budget
        self.checkpointer = checkpointer
        self.translator = EventTranslator(budget.rounds_done + 1)

    def execute(self, request: DraftRequest, graph_input: Any) -> Iterator[Event]:
        """Yield the run's events; the run index records how the run ended, even on a failure."""
        # The model it drafts with: auto as resolved when the model was built here (the label History
        # and load_result give it), else the settings as given with the injected model.
        used = self.parts.model_settings or self.settings
        model_settings = used.model_dump(mode="json", include=set(MODEL_SETTINGS))
        with open_run_index(self.settings.data_dir) as index:
            index.start(self.run_id, request.topic, model_settings)
            with RunLog(self.settings.data_dir, self.run_id) as log:
                try:
                    with closing(self._events(request, graph_input, index)) as events:
                        for event in events:
                            yield log.write(event)
                except BaseException as exc:
                    index.update(self.run_id, status=failed_status(exc))
                    raise

    def _events(self, request: DraftRequest, graph_input: Any, index: RunIndex) -> Generator[Event]:
        backend, model_name = self.settings.backend, describe_model(self.parts.model)
        yield RunStarted(
            run_id=self.run_id,
            topic=request.topic,
            backend=backend,
            model=model_name,
            max_rounds=request.rounds,
        )
        status: RunStatus = "completed"
        with open_checkpointer(self.settings, self.checkpointer) as saver:
            graph = build_graph(self.parts.model, self.parts.search, self.parts.writing).compile(
                checkpointer=saver
            )
            try:
                for event in self._stream(graph, graph_input, SpeedWatch(model_name)):
                    yield event
                    if isinstance(event, RoundScored):
                        index.update(self.run_id, rounds=event.round)
            except (StopRequested, GenerationCancelled):
                status = self.budget.stop_status
            checkpoint = read_checkpoint(saver, self.run_id)
        pause = pending_pause(checkpoint) if status == "completed" else None
        if pause is not None:
            index.update(self.run_id, status="paused")
            yield InputNeeded(run_id=self.run_id, pause=pause)
            return
        result = self._result(checkpoint.values, backend, model_name, status)
        index.update(self.run_id, status=status, best_score=result.score)
        yield Done(result=result)

    def _stream(self, graph: Any, graph_input: Any, speed: SpeedWatch) -> Iterator[Event]:
        config = run_config(self.run_id)
        config["configurable"][STOP_CHECK] = self.budget.should_stop
        config["configurable"][POLICY_KEY] = self.parts.policy  # what every agent reads (core.policy)
        stream = cast(
            Generator[Any, None, None],
            graph.stream(
                graph_input, config, stream_mode=["custom", "messages", "updates"], durability="sync"
            ),
        )
        try:
            for mode, payload in stream:
                for event in self.translator.events(mode, payload):
                    self.budget.account(event)
                    yield event
                notice = speed.observe(mode, payload)
                if notice is not None:
                    yield notice
        except (DraftsmithError, StopRequested, GenerationCancelled):
            raise
        except Exception as exc:  # a model or tool failure: one line for the user
            error_type, reason = describe_failure(exc, self.settings)
            where = f"{self.translator.agent} failed in round {self.translator.round}"
            raise error_type(f"{where}: {reason}", run_id=self.run_id) from exc
        finally:
            stream.close()

    def _result(self, values: DraftState, backend: str, model_name: str, status: RunStatus) -> DraftResult:
        if not values.get("rounds"):
            raise NoDraftYetError(
                f"run {self.run_id} stopped before its first draft was scored", run_id=self.run_id
            )
        return build_result(values, run_id=self.run_id, backend=backend, model=model_name, status=status)


def failed_status(exc: BaseException) -> RunState:
    """How the run index records a run that ended with ``exc``: stopped before any draft, failed,
    or (Ctrl-C, exit) still running, which the history shows as interrupted."""
    if isinstance(exc, NoDraftYetError):
        return "stopped"
    return "failed" if isinstance(exc, Exception) else "running"


def describe_model(model: BaseChatModel) -> str:
    """A short name of the model for results and logs."""
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return model._llm_type


def model_label(model_settings: Mapping[str, Any]) -> str:
    """The name every view gives a run's model, from its stored model settings, as a live run
    names it: the GGUF file's name, or the model name the server was asked for (never the
    server's address, which results and exports leave out)."""
    if model_settings.get("backend") == "openai":
        return str(model_settings.get("openai_model") or "default")
    for key in ("model_path", "hf_file"):
        if model_settings.get(key):
            return PurePath(str(model_settings[key])).name
    return EMBEDDED_FILE


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
