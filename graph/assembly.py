"""One construction path: settings plus a request become the chat model, the search tool and the
checkpointer of a run.

Every front end (CLI, web UI, batch, notebook, LangGraph server) builds through here, so all of
them honour the same settings. ``backends.factory.make_chat_model`` and
``tools.factory.make_search_tool`` are the low-level factories; only this module calls them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.capability import WritingMode, decide_writing
from backends.auto_model import AutoPick, pick_model
from backends.model_pull import HubFile
from backends.presets import Machine, Preset, format_size, llama_presets
from core.policy import DEFAULT_POLICY, Policy, with_policy
from core.settings import Settings
from core.state import DraftRequest, SearchMode
from graph.store import open_run_store
from tools import factory as search_factory
from tools.base import SearchTool

SEARCH_CACHE_FILE = "search-cache.sqlite3"
PULL_COMMAND = "python cli.py models pull"
EMBEDDED_TITLE = "SmolLM2-135M model (rough drafts only)"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunParts:
    """What a run's graph is built from."""

    model: BaseChatModel
    search: SearchTool
    writing: WritingMode = "extractive"
    model_settings: Settings | None = None  # what the model was built from, auto resolved (None: injected)
    policy: Policy = DEFAULT_POLICY  # the agents' tuning values; the run's config carries it to every node


def assemble(
    request: DraftRequest,
    settings: Settings,
    *,
    model: BaseChatModel | None = None,
    search: SearchTool | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> RunParts:
    """The parts of one run; injected ones (tests, notebooks, a model shared by a batch) are kept.

    ``policy`` (``core.policy``) is what the agents read as their tuning values, the writing
    mode's check included. The search tool comes first: a bad notes folder fails before a model is loaded.

    Raises:
        BadInputError: the search mode or notes folder is unusable.
        ModelFileError: the model file cannot be found or loaded.
    """
    search = search if search is not None else search_tool(request, settings)
    built = None
    if model is None:
        model, built = built_model(settings)
    writing = with_policy(policy, decide_writing, model, settings.writing)
    return RunParts(model, search, writing, built, policy)


def server_parts(settings: Settings) -> RunParts:
    """The parts of the LangGraph server's graph: no request yet, so the search mode is
    ``settings.server_search`` (``DRAFTSMITH_SERVER_SEARCH``) without a notes folder."""
    model = chat_model(settings)
    search = search_tool_for_mode(settings.server_search, None, settings)
    return RunParts(model, search, decide_writing(model, settings.writing))


def chat_model(settings: Settings, *, pull: bool = True) -> BaseChatModel:
    """The chat model the settings describe (the in-process model is loaded once per process).

    ``model = "auto"`` is resolved first (:func:`choose_model`, pulling only when ``pull``); its
    notices go to this module's logger, for the front ends that do not word their own (batch,
    LangGraph server, notebook).
    """
    return built_model(settings, pull=pull)[0]


def built_model(settings: Settings, *, pull: bool = True) -> tuple[BaseChatModel, Settings]:
    """:func:`chat_model` and the settings it was built from (``auto`` resolved to one model),
    which a run records so that its history names the model it drafted with."""
    from backends import factory  # late: the model adapters (numpy too) load only when a model is built

    choice = choose_model(settings, pull=pull, on_start=lambda line: logger.warning("%s", line))
    if choice.notice():
        logger.warning("%s", choice.notice())
    return factory.make_chat_model(choice.settings), choice.settings


@dataclass(frozen=True)
class ModelChoice:
    """The settings with ``auto`` resolved to one model, and what auto did.

    Attributes:
        settings: name one model: a hub file, a path, ``model = "embedded"``, or a server.
        pick: what ``auto`` chose and why (None when the settings named the model).
    """

    settings: Settings
    pick: AutoPick | None = None

    def notice(self, pull_command: str = PULL_COMMAND) -> str | None:
        """One line when auto fell back to the embedded model: why, and the command that gets
        Llama 3 (``pull_command NAME``); None otherwise."""
        if self.pick is None or self.pick.fallback is None:
            return None
        wanted = self.pick.recommended or llama_presets()[0]
        return (
            f"drafting with the embedded {EMBEDDED_TITLE}, not Llama 3: {self.pick.fallback}; "
            f"get Llama 3 with: {pull_command} {wanted.name}"
        )


def choose_model(
    settings: Settings,
    *,
    pull: bool = True,
    on_start: Callable[[str], None] | None = None,
    tqdm_class: Any = None,
    machine: Machine | None = None,
) -> ModelChoice:
    """Resolve ``model = "auto"`` (see ``backends.auto_model``); other settings pass unchanged.

    Args:
        pull: whether the recommended Llama 3 model may be downloaded now.
        on_start: hears one line (model, size, repository) before a download starts.
        tqdm_class: the download's progress bar (default: the hub client's, on stderr).
        machine: free memory and cores (default: measured now).

    Raises:
        ModelFileError: the embedded model is missing (a broken install).
    """
    named = settings.model_path is not None or settings.hf_repo is not None
    if settings.backend != "llama_cpp" or named or settings.model != "auto":
        return ModelChoice(settings)

    def started(preset: Preset, file: HubFile) -> None:
        if on_start is not None:
            on_start(pull_line(preset, file))

    pick = pick_model(
        pull=pull, timeout=settings.hub_timeout, machine=machine, on_start=started, tqdm_class=tqdm_class
    )
    chosen: dict[str, Any] = (
        {"model": "embedded"}
        if pick.preset.embedded
        else {"hf_repo": pick.preset.repo, "hf_file": pick.preset.filename}
    )
    return ModelChoice(settings.model_copy(update=chosen), pick)


def pull_line(preset: Preset, file: HubFile) -> str:
    """``pulling llama3.2-1b (Llama 3.2 1B Instruct Q4_K_M, 0.81 GB) from …``: said before a download."""
    size = format_size(file.size if file.size is not None else preset.size_bytes)
    return (
        f"pulling {preset.name} ({preset.title}, {size}) from {file.repo}, once: later runs use the "
        "downloaded file; an interrupted download resumes"
    )


def search_tool(request: DraftRequest, settings: Settings) -> SearchTool:
    """The search tool for the request's mode and notes folder."""
    sources_dir = Path(request.sources_dir).expanduser() if request.sources_dir else None
    return search_tool_for_mode(request.search, sources_dir, settings)


def search_tool_for_mode(mode: SearchMode, sources_dir: Path | None, settings: Settings) -> SearchTool:
    """The search tool for ``mode``, configured from every search setting."""
    return search_factory.make_search_tool(mode, sources_dir, **search_options(settings))


def search_options(settings: Settings) -> dict[str, Any]:
    """The settings every search tool is built with, whichever front end asks."""
    return {
        "cache_path": settings.cache_dir / SEARCH_CACHE_FILE,
        "use_cache": settings.search_cache,
        "min_interval": settings.search_min_interval,
        "allow_hosts": settings.allow_hosts,
        "fetch_pages": settings.fetch_pages,
    }


class open_checkpointer:
    """Context manager: the injected checkpointer, or the SQLite run store in ``settings.data_dir``
    (closed on exit)."""

    def __init__(self, settings: Settings, injected: BaseCheckpointSaver | None = None) -> None:
        self.settings, self.injected = settings, injected
        self._connection: sqlite3.Connection | None = None

    def __enter__(self) -> BaseCheckpointSaver:
        if self.injected is not None:
            return self.injected
        saver, self._connection = open_run_store(self.settings.data_dir)
        return saver

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
