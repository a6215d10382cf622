"""Past runs for the History page: list, open, resume and delete. No Streamlit here.

The run store holds every run the CLI or the page started; a run can be continued when it was
stopped, paused, interrupted (the process died) or failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from core.result import DraftResult
from core.settings import Settings, load_settings
from graph.store import RunInfo, delete_run, open_run_index, run_info
from ui import session

STATUS_LABELS = {
    "completed": "finished",
    "stopped": "stopped",
    "budget_stopped": "stopped (budget)",
    "paused": "paused",
    "interrupted": "interrupted",
    "failed": "failed",
    "running": "running",
}


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


def row_for(info: RunInfo) -> RunRow:
    """The history line of a stored run."""
    shown = info.shown_status
    return RunRow(
        run_id=info.run_id,
        topic=info.topic,
        started=time.strftime("%Y-%m-%d %H:%M", time.localtime(info.started)),
        status=STATUS_LABELS.get(shown, shown),
        rounds=info.rounds,
        best_score="–" if info.best_score is None else f"{info.best_score:.1f}",
        resumable=info.resumable,
    )


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


def prepare_resume(run_id: str, api_key: str = "") -> session.PreparedRun:
    """Everything needed to continue a stored run with the model it was drafted with.

    Raises:
        DraftsmithError: no such run, it already finished, or its model or notes are unusable.
    """
    from graph.runner import run_snapshot

    clicked = time.monotonic()
    data_dir = load_settings().data_dir
    info = stored_info(data_dir, run_id)
    settings = resume_settings(info.model_settings if info else {}, api_key)
    request = run_snapshot(run_id, settings).values["request"]
    search = session.search_for(request, settings)
    model = session.chat_model_for(settings)
    uploads = session.uploads_folder(run_id)  # removed once the run finishes; the user's own folders never
    owned = uploads if uploads.is_dir() else None
    return session.PreparedRun(request, settings, model, search, clicked, owned, run_id, resume=True)
