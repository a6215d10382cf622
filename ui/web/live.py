"""The runs going on in this server process: the one place every page finds them.

A Streamlit session lives as long as its browser tab: a reload, a second tab or a laptop back
from sleep starts a new session with empty session state. A run must not live there. It belongs
to the server process: its job (background thread, progress, Stop) is registered here when it
starts and leaves when it ends, so any page that loads finds it and re-attaches (live progress,
the text streamed so far, Stop), and the History page shows it with its round and agent.

``LIVE`` is a plain module-level object rather than an ``st.cache_resource`` value on purpose:
the page's *Clear caches* menu item empties those caches, and a run must not vanish from every
page while it goes on. The same registry holds the gate that lets one run draft at a time.
No Streamlit here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.web.job import DraftJob


class RunGate:
    """Lets one run draft at a time across every session of this process; the others wait."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        """Whether a run holds the gate now."""
        return self._lock.locked()

    def try_enter(self) -> bool:
        """Enter at once if the gate is free."""
        return self._lock.acquire(blocking=False)

    def enter(self, cancelled: Callable[[], bool], poll_seconds: float = 0.2) -> bool:
        """Wait for the gate; give up (False) as soon as ``cancelled()`` turns True."""
        while not self._lock.acquire(timeout=poll_seconds):
            if cancelled():
                return False
        return True

    def leave(self) -> None:
        """Let the next run in."""
        self._lock.release()


class LiveRuns:
    """The jobs of this process that have not ended, by run id, and the gate they share."""

    def __init__(self) -> None:
        self._jobs: dict[str, DraftJob] = {}
        self._lock = threading.Lock()
        self.gate: RunGate = RunGate()

    def add(self, job: DraftJob) -> DraftJob:
        """Register a job (before it starts) and return it."""
        with self._lock:
            self._drop_finished()
            self._jobs[job.key] = job
        return job

    def get(self, run_id: str) -> DraftJob | None:
        """The live job of ``run_id`` (None when it is not going on in this process)."""
        with self._lock:
            self._drop_finished()
            return self._jobs.get(run_id)

    def jobs(self) -> list[DraftJob]:
        """Every job still going on, in the order they were started."""
        with self._lock:
            self._drop_finished()
            return list(self._jobs.values())

    def current(self) -> DraftJob | None:
        """The job a page that loads should show: the one drafting now, else the oldest queued."""
        jobs = self.jobs()
        drafting = [job for job in jobs if job.state != "queued"]
        return next(iter(drafting or jobs), None)

    def clear(self) -> None:
        """Forget every job (tests; the jobs themselves go on)."""
        with self._lock:
            self._jobs.clear()

    def _drop_finished(self) -> None:
        for key in [key for key, job in self._jobs.items() if job.finished]:
            del self._jobs[key]


LIVE = LiveRuns()
"""The live runs of this server process (see the module docstring)."""
