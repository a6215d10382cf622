"""A JSON-lines log per run (every event but streamed tokens) in ``<data_dir>/logs/<run id>.jsonl``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from core.events import Event


class RunLog:
    """Appends events to the run's log file; a context manager that closes it."""

    def __init__(self, data_dir: Path, run_id: str) -> None:
        folder = data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{run_id}.jsonl"
        self._file = self.path.open("a", encoding="utf-8")

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, event: Event) -> Event:
        """Log ``event`` (not a streamed token) and hand it back."""
        if event.kind != "token":
            payload = event.model_dump(mode="json", exclude={"result": {"rounds", "markdown"}})
            self._file.write(json.dumps({"time": round(time.time(), 3), **payload}) + "\n")
            self._file.flush()
        return event

    def close(self) -> None:
        self._file.close()
