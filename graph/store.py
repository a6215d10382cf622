"""The local run store: LangGraph's SQLite checkpointer in the user's data directory."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, Literal

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import BaseModel, ValidationError

from core import state as state_schemas
from core.errors import BadInputError, DraftsmithError, RunNotFoundError

STORE_FILE = "runs.sqlite3"


def open_run_store(data_dir: Path, timeout: float = 5.0) -> tuple[SqliteSaver, sqlite3.Connection]:
    """Open (creating if needed) the checkpoint database; refuse a corrupt or locked one.

    Raises:
        BadInputError: the directory cannot be created or written.
        DraftsmithError: the database is corrupt or locked; nothing is overwritten.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(
            f"cannot create the data directory {data_dir}: {exc.strerror} (set DRAFTSMITH_DATA_DIR)"
        ) from None
    path = data_dir / STORE_FILE
    try:
        connection = sqlite3.connect(path, check_same_thread=False, timeout=timeout)
        connection.execute("PRAGMA journal_mode=WAL")
        status = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DraftsmithError(
            f"the run store {path} cannot be opened ({exc}); move it aside to start a fresh history"
        ) from None
    if status != "ok":
        connection.close()
        raise DraftsmithError(
            f"the run store {path} is corrupt ({status}); move it aside to start a fresh history"
        )
    saver = SqliteSaver(connection, serde=serializer())
    try:
        saver.setup()
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise DraftsmithError(
            f"the run store {path} cannot be used ({exc}); close other runs or move it aside"
        ) from None
    return saver, connection


class StateSerializer(JsonPlusSerializer):
    """LangGraph's serialiser, allowed to restore our state schemas, re-validating them on load.

    The msgpack path rebuilds pydantic objects without validation, which leaves nested models
    as plain dicts (``outline.sections[0]`` would be a dict); validating again restores them.
    """

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return _revalidated(super().loads_typed(data))


def _revalidated(value: Any) -> Any:
    if isinstance(value, BaseModel):
        try:
            return type(value).model_validate(value.model_dump())
        except ValidationError:  # stored before a schema tightened: keep what was stored
            return value
    if isinstance(value, list):
        return [_revalidated(item) for item in value]
    if isinstance(value, dict):
        return {key: _revalidated(item) for key, item in value.items()}
    return value


def serializer() -> JsonPlusSerializer:
    """Checkpoint serialiser that may restore our own state schemas, and nothing else custom.

    Checkpoints written before the schemas moved to ``core/`` name ``graph.state``: that name is
    made an alias of ``core.state`` here, before the first checkpoint is read, not at import.
    """
    sys.modules.setdefault(LEGACY_STATE_MODULE, state_schemas)
    return StateSerializer(allowed_msgpack_modules=state_types())


LEGACY_STATE_MODULE = "graph.state"  # where the schemas lived before core/; old checkpoints name it


def state_types() -> list[tuple[str, str]]:
    """(module, class) of every pydantic schema stored in the graph state, under today's module
    and the legacy one, so that runs checkpointed before the move still resume."""
    names = [
        value.__name__
        for value in vars(state_schemas).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == state_schemas.__name__
    ]
    return [(module, name) for module in (state_schemas.__name__, LEGACY_STATE_MODULE) for name in names]


RunState = Literal["running", "paused", "completed", "stopped", "budget_stopped", "failed"]


class RunInfo(BaseModel):
    """One line of run history."""

    run_id: str
    topic: str
    started: float
    updated: float
    status: str
    rounds: int
    best_score: float | None
    pid: int
    model_settings: dict[str, Any]

    @property
    def shown_status(self) -> str:
        """``interrupted`` for a run marked running whose process is gone (Ctrl-C, kill -9, reboot)."""
        if self.status == "running" and not _process_alive(self.pid):
            return "interrupted"
        return self.status

    @property
    def resumable(self) -> bool:
        return self.shown_status in {"interrupted", "paused", "stopped", "budget_stopped", "failed"}


class RunIndex:
    """A small table of runs beside LangGraph's checkpoints, for listing and resuming.

    A context manager: ``with open_run_index(data_dir) as index:`` closes its connection on exit.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        with connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS draftsmith_runs (run_id TEXT PRIMARY KEY, topic TEXT,"
                " started REAL, updated REAL, status TEXT, rounds INTEGER, best_score REAL, pid INTEGER,"
                " model_settings TEXT)"
            )

    def __enter__(self) -> RunIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the index's own connection."""
        self.connection.close()

    def start(self, run_id: str, topic: str, model_settings: dict[str, Any]) -> None:
        """Record a new run, or mark a resumed one running again in this process (with the model
        it resumes with)."""
        now = time.time()
        self._write(
            "INSERT INTO draftsmith_runs VALUES (?, ?, ?, ?, 'running', 0, NULL, ?, ?) "
            "ON CONFLICT(run_id) DO UPDATE SET status='running', updated=excluded.updated,"
            " pid=excluded.pid, model_settings=excluded.model_settings",
            (run_id, topic, now, now, os.getpid(), json.dumps(model_settings)),
        )

    def update(
        self,
        run_id: str,
        *,
        status: RunState | None = None,
        rounds: int | None = None,
        best_score: float | None = None,
    ) -> None:
        """Change the status and/or round count and best score of a run."""
        self._write(
            "UPDATE draftsmith_runs SET status=COALESCE(?, status), rounds=COALESCE(?, rounds),"
            " best_score=COALESCE(?, best_score), updated=? WHERE run_id=?",
            (status, rounds, best_score, time.time(), run_id),
        )

    def _write(self, sql: str, parameters: tuple[Any, ...]) -> None:
        try:
            with self.connection:
                self.connection.execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            raise DraftsmithError(
                f"the run store cannot be written ({exc}); is another program holding it?"
            ) from None

    def get(self, run_id: str) -> RunInfo | None:
        row = self.connection.execute(
            f"SELECT {_COLUMNS} FROM draftsmith_runs WHERE run_id=?", (run_id,)
        ).fetchone()
        return _info(row) if row else None

    def list(self, limit: int = 50) -> list[RunInfo]:
        """Most recent runs first."""
        rows = self.connection.execute(
            f"SELECT {_COLUMNS} FROM draftsmith_runs ORDER BY started DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_info(row) for row in rows]


_COLUMNS = "run_id, topic, started, updated, status, rounds, best_score, pid, model_settings"


def _info(row: tuple[Any, ...]) -> RunInfo:
    names = _COLUMNS.split(", ")
    values = dict(zip(names, row, strict=True))
    values["model_settings"] = json.loads(values["model_settings"] or "{}")
    return RunInfo(**values)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_run_index(data_dir: Path, timeout: float = 5.0) -> RunIndex:
    """The run history table, on its own connection (the checkpointer's is used from worker threads)."""
    path = data_dir / STORE_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return RunIndex(sqlite3.connect(path, check_same_thread=False, timeout=timeout))
    except OSError as exc:
        raise BadInputError(
            f"cannot create the data directory {data_dir}: {exc.strerror} (set DRAFTSMITH_DATA_DIR)"
        ) from None
    except sqlite3.DatabaseError as exc:
        raise DraftsmithError(
            f"the run store {path} cannot be used ({exc}); move it aside to start a fresh history"
        ) from None


def run_info(data_dir: Path, run_id: str) -> RunInfo | None:
    """The index line of one run (None when there is no such run)."""
    with open_run_index(data_dir) as index:
        return index.get(run_id)


def delete_run(data_dir: Path, run_id: str) -> None:
    """Remove a run from the history: its checkpoints, its line in the index and its event log.

    Raises:
        RunNotFoundError: there is no such run.
        BadInputError: the run is going on now.
        DraftsmithError: the run store cannot be opened or written.
    """
    with open_run_index(data_dir) as index:
        info = index.get(run_id)
        if info is None:
            raise RunNotFoundError(f"no run {run_id} in {data_dir}", run_id=run_id)
        if info.shown_status == "running":
            raise BadInputError(f"run {run_id} is still going on; stop it before deleting it", run_id=run_id)
        saver, connection = open_run_store(data_dir)
        try:
            saver.delete_thread(run_id)
        finally:
            connection.close()
        index._write("DELETE FROM draftsmith_runs WHERE run_id=?", (run_id,))
    (data_dir / "logs" / f"{run_id}.jsonl").unlink(missing_ok=True)
