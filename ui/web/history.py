"""Past and live runs for the History page: list, open, watch, resume and delete. No Streamlit here.

The run store holds every run the CLI or the page started; a run can be continued when it was
stopped, paused, interrupted (the process died) or failed. A run going on in this server process
is listed from :data:`ui.web.live.LIVE` with its round and agent, to be watched.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import DraftsmithError
from core.result import DraftResult, status_word
from core.settings import Settings, load_settings
from graph.execution import MODEL_SETTINGS, model_label
from graph.store import RunInfo, delete_run, open_run_index, run_info
from ui.web import models, session
from ui.web.job import DraftJob
from ui.web.live import LIVE


@dataclass(frozen=True)
class RunRow:
    """One line of the history table."""

    run_id: str
    topic: str
    started: str
    status: str
    rounds: int
    best_score: str
    resumable: bool
    where: str = ""  # a live run's round and agent, e.g. "round 2, writer"
    live: bool = False


def row_for(info: RunInfo) -> RunRow:
    """The history line of a stored run: a live one with where it is, one marked running whose
    process died (or, in this process, whose job is gone) as interrupted."""
    shown, resumable = info.shown_status, info.resumable
    job = LIVE.get(info.run_id)
    if shown == "running" and job is None and info.pid == os.getpid():
        shown, resumable = "interrupted", True
    return RunRow(
        run_id=info.run_id,
        topic=info.topic,
        started=time.strftime("%Y-%m-%d %H:%M", time.localtime(info.started)),
        status=status_word(shown),
        rounds=info.rounds,
        best_score="–" if info.best_score is None else f"{info.best_score:.1f}",
        resumable=resumable and job is None,
        where=live_where(job) if job is not None else "",
        live=job is not None,
    )


def live_where(job: DraftJob) -> str:
    """Where a live run is: queued, or its round and the agent working now."""
    if job.state == "queued":
        return "queued"
    view = job.view()
    return f"round {view.round}, {view.agent or 'between agents'}"


def list_runs(data_dir: Path, limit: int = 50) -> list[RunRow]:
    """The most recent runs first."""
    with open_run_index(data_dir) as index:
        return [row_for(info) for info in index.list(limit)]


def stored_info(data_dir: Path, run_id: str) -> RunInfo | None:
    """The stored record of one run (None when there is none)."""
    return run_info(data_dir, run_id)


def open_run(run_id: str, settings: Settings) -> DraftResult:
    """The result view of a stored run: its best round so far.

    Raises:
        NoDraftYetError: no round was scored yet (the run can be resumed).
        RunNotFoundError: no such run.
    """
    from graph.runner import load_result

    return load_result(run_id, settings)


def remove_run(run_id: str, data_dir: Path) -> None:
    """Delete a run, its event log and the notes uploaded for it.

    Raises:
        DraftsmithError: no such run, it is going on now, or the store cannot be written.
    """
    delete_run(data_dir, run_id)
    session.remove_folder(data_dir / "uploads" / run_id)


def resume_settings(stored: dict[str, object], api_key: str = "") -> Settings:
    """The settings a stored run was drafted with (its model), the environment filling the rest."""
    given = {key: value for key, value in stored.items() if value is not None}
    if api_key.strip():
        given["api_key"] = api_key.strip()
    return load_settings(**given)


@dataclass(frozen=True)
class ResumeChoice:
    """Which model a Resume would use: the sidebar's now, or the run's own.

    Attributes:
        sidebar: the model now chosen in the sidebar, named as results name it (or why it is
            not usable yet).
        original: the model the run was drafted with.
        same: the two are the same model and server (nothing to choose).
    """

    sidebar: str
    original: str
    same: bool


def model_settings_of(settings: Settings) -> dict[str, Any]:
    """The model part of settings, as the run index stores it."""
    return settings.model_dump(mode="json", include=set(MODEL_SETTINGS))


def resume_choice(run_id: str, form: models.ModelForm) -> ResumeChoice:
    """Name the sidebar's model and the run's own, for the Resume button's caption."""
    info = stored_info(load_settings().data_dir, run_id)
    stored = info.model_settings if info else {}
    original = model_and_server(stored) if stored else "the model it was started with"
    try:
        chosen = model_settings_of(models.resolve_auto(models.settings_from(form)))
    except DraftsmithError as exc:
        return ResumeChoice(f"the sidebar's model, which is not usable yet ({exc})", original, False)
    same = bool(stored) and all(chosen.get(key) == stored.get(key) for key in MODEL_SETTINGS)
    return ResumeChoice(model_and_server(chosen), original, same)


def model_and_server(model_settings: dict[str, Any]) -> str:
    """A model as results name it, with the server's address for a served one (for the author's
    own page, e.g. ``smollm2 at http://127.0.0.1:8080/v1``)."""
    name = model_label(model_settings)
    if model_settings.get("backend") == "openai":
        return f"{name} at {model_settings.get('base_url')}"
    return name


def prepare_resume(
    run_id: str, form: models.ModelForm | None = None, api_key: str = ""
) -> session.PreparedRun:
    """Everything needed to continue a stored run: with the model and server of ``form`` (the
    sidebar now), or with None the model it was drafted with.

    Raises:
        DraftsmithError: no such run, it already finished, or its model or notes are unusable.
    """
    from graph.runner import run_snapshot

    clicked = time.monotonic()
    data_dir = load_settings().data_dir
    info = stored_info(data_dir, run_id)
    if form is not None:
        settings = models.resolve_auto(models.settings_from(form))
    else:
        settings = resume_settings(info.model_settings if info else {}, api_key)
    request = run_snapshot(run_id, settings).values["request"]
    search = session.search_for(request, settings)
    model = session.chat_model_for(settings)
    uploads = session.uploads_folder(run_id)  # removed once the run finishes; the user's own folders never
    owned = uploads if uploads.is_dir() else None
    return session.PreparedRun(request, settings, model, search, clicked, owned, run_id, resume=True)
