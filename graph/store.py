"""The local run store: LangGraph's SQLite checkpointer in the user's data directory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import BaseModel

from errors import BadInputError, DraftsmithError
from graph import state as state_schemas

STORE_FILE = "runs.sqlite3"


def open_run_store(data_dir: Path) -> tuple[SqliteSaver, sqlite3.Connection]:
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
        connection = sqlite3.connect(path, check_same_thread=False, timeout=10)
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
    saver.setup()
    return saver, connection


def serializer() -> JsonPlusSerializer:
    """Checkpoint serialiser that may restore our own state schemas, and nothing else custom."""
    return JsonPlusSerializer(allowed_msgpack_modules=state_types())


def state_types() -> list[tuple[str, str]]:
    """(module, class) of every pydantic schema stored in the graph state."""
    return [
        (value.__module__, value.__name__)
        for value in vars(state_schemas).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == state_schemas.__name__
    ]
