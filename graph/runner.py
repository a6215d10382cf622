"""The public API. ``stream_draft`` runs the graph and yields typed events; ``resume_draft`` continues
a run from its last checkpoint (after a crash, a stop, or a pause for the author); ``draft`` returns
the result only.

The parts live beside it: ``graph.assembly`` builds the model, search tool and checkpointer,
``graph.execution`` runs the graph, ``graph.translate`` turns its stream into events,
``graph.budget`` decides when to stop, ``graph.checkpoints`` reads a stored run.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import ValidationError

from core.errors import BackendError, BadInputError, NoDraftYetError, RunFinishedError, RunNotFoundError
from core.events import Done, Event, InputNeeded, Pause
from core.policy import DEFAULT_POLICY, Policy
from core.result import DraftResult, RunStatus, build_result
from core.settings import Settings
from core.state import DraftRequest, Outline
from graph.assembly import assemble, open_checkpointer
from graph.budget import Budget
from graph.checkpoints import RunCheckpoint, pending_pause, read_checkpoint
from graph.execution import RunExecution, describe_failure, describe_model, model_label
from graph.store import RunIndex, run_info
from tools.base import SearchTool


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
    policy: Policy = DEFAULT_POLICY,
) -> Iterator[Event]:
    """Draft a post, yielding events as the agents work.

    The last event is ``Done`` (with the result), or ``InputNeeded`` when the request asked to
    review the outline or give notes between rounds: answer it with ``resume_draft``.

    Args:
        request: what to write.
        settings: backend, model and runtime settings.
        chat_model: injected model (tests, notebooks); default: built from ``settings``.
        search: injected search tool; default: built from ``request.search`` and ``settings``.
        run_id: checkpoint thread id; default: a new id.
        checkpointer: default: the SQLite run store in ``settings.data_dir``.
        should_stop: polled before each step and while a model call runs (it may be called
            from another thread); when it returns True the call in flight is cut, the run stops
            cleanly and ``Done`` carries the best finished round with status ``"stopped"``.
        policy: the agents' tuning values (``core.policy``), carried to every node in the run's
            config; default: the tuned ``DEFAULT_POLICY``.

    Raises:
        DraftsmithError: bad input (exit code 2) or a runtime failure (exit code 1), one line each.
    """
    parts = assemble(request, settings, model=chat_model, search=search, policy=policy)
    budget = Budget(request, should_stop)
    run = RunExecution(settings, parts, run_id or new_run_id(), budget, checkpointer)
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
    policy: Policy = DEFAULT_POLICY,
) -> Iterator[Event]:
    """Continue run ``run_id`` from its last checkpoint; completed steps are not run again.

    Args:
        answer: for a run paused on its outline, the edited outline (dict) or None to approve;
            for a run paused for notes, the notes (str) or None for none.
        policy: as in ``stream_draft``; a run's checkpoints do not keep it, so pass it again.

    Raises:
        BadInputError: no such run, the run already finished, or the answer is invalid.
    """
    checkpoint = run_snapshot(run_id, settings, checkpointer)
    pause = pending_pause(checkpoint)
    if not checkpoint.next and pause is None and not _killed_while_finishing(run_id, settings):
        raise RunFinishedError(f"run {run_id} already finished", run_id=run_id)
    request = checkpoint.values["request"]
    graph_input: Any = Command(resume=check_answer(pause, answer)) if pause is not None else None
    parts = assemble(request, settings, model=chat_model, search=search, policy=policy)
    budget = Budget(request, should_stop, resumed=checkpoint.values)
    yield from RunExecution(settings, parts, run_id, budget, checkpointer).execute(request, graph_input)


def _killed_while_finishing(run_id: str, settings: Settings) -> bool:
    """True when the graph finished but the run index still says running: the process died
    between the last checkpoint and the index update. Resuming then only finishes the record."""
    info = run_info(settings.data_dir, run_id)
    return info is not None and info.status == "running"


def run_snapshot(
    run_id: str, settings: Settings, checkpointer: BaseCheckpointSaver | None = None
) -> RunCheckpoint:
    """The last checkpoint of a run, read from the checkpointer.

    Raises:
        RunNotFoundError: there is no such run.
    """
    with open_checkpointer(settings, checkpointer) as saver:
        checkpoint = read_checkpoint(saver, run_id)
    if not checkpoint.values:
        raise RunNotFoundError(f"no run {run_id} in {settings.data_dir}", run_id=run_id)
    return checkpoint


def load_result(
    run_id: str, settings: Settings, checkpointer: BaseCheckpointSaver | None = None
) -> DraftResult:
    """The result of a stored run (finished or not), from its last checkpoint.

    Raises:
        BadInputError: no such run, or no round of it was scored yet.
    """
    checkpoint = run_snapshot(run_id, settings, checkpointer)
    if not checkpoint.values.get("rounds"):
        raise NoDraftYetError(f"run {run_id} has no scored draft yet", run_id=run_id)
    stored = run_info(settings.data_dir, run_id)
    model_settings = stored.model_settings if stored else {}
    status: RunStatus = "completed" if not checkpoint.next else "stopped"
    backend = str(model_settings.get("backend", ""))
    model = model_label(model_settings)
    return build_result(checkpoint.values, run_id=run_id, backend=backend, model=model, status=status)


def draft(request: DraftRequest, settings: Settings, **kwargs: Any) -> DraftResult:
    """Run to completion and return the result (no events; pauses are not supported here)."""
    for event in stream_draft(request, settings, **kwargs):
        if isinstance(event, Done):
            return event.result
        if isinstance(event, InputNeeded):
            raise BadInputError("this run waits for the author: use stream_draft and resume_draft")
    raise BackendError("the run ended without a result")


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


__all__ = [
    "RunCheckpoint",
    "RunIndex",
    "check_answer",
    "describe_failure",
    "describe_model",
    "draft",
    "load_result",
    "model_label",
    "new_run_id",
    "pending_pause",
    "resume_draft",
    "run_snapshot",
    "stream_draft",
]
