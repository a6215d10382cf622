"""One construction path: settings plus a request become the chat model, the search tool and the
checkpointer of a run.

Every front end (CLI, web UI, batch, notebook, LangGraph server) builds through here, so all of
them honour the same settings. ``backends.factory.make_chat_model`` and
``tools.factory.make_search_tool`` are the low-level factories; only this module calls them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.capability import WritingMode, decide_writing
from core.settings import Settings
from core.state import DraftRequest, SearchMode
from graph.store import open_run_store
from tools import factory as search_factory
from tools.base import SearchTool

SEARCH_CACHE_FILE = "search-cache.sqlite3"


@dataclass(frozen=True)
class RunParts:
    """What a run's graph is built from."""

    model: BaseChatModel
    search: SearchTool
    writing: WritingMode = "extractive"


def assemble(
    request: DraftRequest,
    settings: Settings,
    *,
    model: BaseChatModel | None = None,
    search: SearchTool | None = None,
) -> RunParts:
    """The parts of one run; injected ones (tests, notebooks, a model shared by a batch) are kept.

    The search tool comes first: a bad notes folder fails before a model is loaded.

    Raises:
        BadInputError: the search mode or notes folder is unusable.
        ModelFileError: the model file cannot be found or loaded.
    """
    search = search if search is not None else search_tool(request, settings)
    model = model if model is not None else chat_model(settings)
    return RunParts(model, search, decide_writing(model, settings.writing))


def server_parts(settings: Settings) -> RunParts:
    """The parts of the LangGraph server's graph: no request yet, so the search mode is
    ``settings.server_search`` (``DRAFTSMITH_SERVER_SEARCH``) without a notes folder."""
    model = chat_model(settings)
    search = search_tool_for_mode(settings.server_search, None, settings)
    return RunParts(model, search, decide_writing(model, settings.writing))


def chat_model(settings: Settings) -> BaseChatModel:
    """The chat model the settings describe (the in-process model is loaded once per process)."""
    from backends import factory  # late: loading it sets llama.cpp's thread wait policy

    return factory.make_chat_model(settings)


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
