"""Runs behind the page: form values to a checked request and settings, uploaded notes, the model
shared by every session, and the run gate (one run drafts at a time, the others queue).

The run itself goes in a background thread (:class:`ui.web.job.DraftJob`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import streamlit as st
from langchain_core.language_models import BaseChatModel
from pydantic import ValidationError

from core.errors import BadInputError
from core.request_limits import limits
from core.settings import Settings, describe_validation_error, load_settings
from core.state import DraftRequest
from tools.base import SearchTool
from tools.local_corpus import SUPPORTED_SUFFIXES
from ui.web.live import LIVE, RunGate
from ui.web.models import ModelForm, resolve_auto, settings_from

SOURCE_SUFFIXES: tuple[str, ...] = tuple(sorted(SUPPORTED_SUFFIXES))


@dataclass(frozen=True)
class RunForm:
    """The main form's values; the defaults are :class:`DraftRequest`'s."""

    topic: str
    audience: str = limits("audience").default
    tone: str = limits("tone").default
    words: int = limits("words").default
    rounds: int = limits("rounds").default
    threshold: float = limits("threshold").default
    search: str = limits("search").default
    feedback: str = limits("feedback").default


@dataclass
class PreparedRun:
    """Everything a run needs, checked before it starts."""

    request: DraftRequest
    settings: Settings
    model: BaseChatModel
    search: SearchTool
    clicked: float
    sources_dir: Path | None = None
    run_id: str | None = None
    resume: bool = False


def request_from(form: RunForm, sources_dir: Path | None = None) -> DraftRequest:
    """The draft request for the form values.

    Raises:
        BadInputError: one line naming the invalid field.
    """
    if form.search == "local" and sources_dir is None:
        raise BadInputError("invalid search: 'local' needs source files; upload .md, .txt or .html notes")
    try:  # the form's fields are the request's own, checked by the model
        return DraftRequest(**asdict(form), sources_dir=str(sources_dir) if sources_dir else None)
    except ValidationError as exc:
        raise BadInputError(describe_validation_error(exc)) from None


def chat_model_for(settings: Settings) -> BaseChatModel:
    """The chat model the settings describe, built once per process and settings.

    Tests replace this function to inject a fake model.

    Raises:
        ModelFileError: the model file cannot be found or loaded.
    """
    settings = resolve_auto(settings)  # auto never downloads: the page asks first
    return _shared_model(model_cache_key(settings), settings)


@st.cache_resource(show_spinner=False)
def _shared_model(key: str, _settings: Settings) -> BaseChatModel:
    from graph.assembly import chat_model

    return chat_model(_settings)


def model_cache_key(settings: Settings) -> str:
    """What identifies a built model: every setting but the data folder (the key as a digest)."""
    values = settings.model_dump(mode="json", exclude={"data_dir", "api_key"})
    secret = settings.api_key.get_secret_value() if settings.api_key else ""
    values["api_key"] = hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else None
    return json.dumps(values, sort_keys=True)


def search_for(request: DraftRequest, settings: Settings) -> SearchTool:
    """The search tool for the request's mode, with every search setting, as the command line
    builds it (tests replace this to simulate the web).

    Raises:
        BadInputError: the mode or the sources folder is unusable.
    """
    from graph.assembly import search_tool

    return search_tool(request, settings)


def save_uploads(files: Sequence[tuple[str, bytes]], folder: Path | None = None) -> Path | None:
    """Write uploaded source files into ``folder`` (created; default: a new temporary folder);
    None when there are none.

    Raises:
        BadInputError: a file is not .md, .txt or .html.
    """
    if not files:
        return None
    for name, _ in files:
        if not name.lower().endswith(SOURCE_SUFFIXES):
            raise BadInputError(f"invalid sources: {name!r} is not a .md, .txt or .html file")
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="draftsmith-sources-"))
    else:
        folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for index, (name, data) in enumerate(files):
        safe = Path(name.replace("\\", "/")).name.lstrip(".") or f"source-{index}.txt"
        if safe.lower() in used:
            safe = f"{index}-{safe}"
        used.add(safe.lower())
        (folder / safe).write_bytes(data)
    return folder


def prepare_run(form: RunForm, model_form: ModelForm, uploads: Sequence[tuple[str, bytes]]) -> PreparedRun:
    """Check the form and the settings, save the uploads and load the model; start nothing.

    Raises:
        DraftsmithError: the first problem, in one line; nothing is left behind.
    """
    from graph.runner import new_run_id

    clicked = time.monotonic()
    run_id = new_run_id()
    sources_dir = save_uploads(uploads, uploads_folder(run_id))
    try:
        request = request_from(form, sources_dir)
        settings = resolve_auto(settings_from(model_form))  # the run records the model it drafts with
        search = search_for(request, settings)
        model = chat_model_for(settings)
    except BaseException:
        remove_folder(sources_dir)
        raise
    return PreparedRun(request, settings, model, search, clicked, sources_dir, run_id)


def uploads_root() -> Path:
    """The folder that holds the notes uploaded on the page, one folder per run."""
    return load_settings().data_dir / "uploads"


def uploads_folder(run_id: str) -> Path:
    """Where a run keeps the notes uploaded for it, so that it can be resumed later."""
    return uploads_root() / run_id


def remove_folder(folder: Path | None) -> None:
    """Delete a temporary folder, ignoring one that is already gone."""
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def run_gate() -> RunGate:
    """The one gate of this server process (kept with its live runs, see :mod:`ui.web.live`)."""
    return LIVE.gate
