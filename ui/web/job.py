"""One run in a background thread, polled by the page.

A run goes in a background thread so that Streamlit's rerun on a button click cannot kill it.
The job belongs to the server process, not to the page that started it: it is registered in
:data:`ui.web.live.LIVE` and goes on when its tab is closed or reloaded; any page polls it, and
the Stop button sets an event the core polls through ``should_stop``. The process-wide
``RunGate`` lets one run draft at a time; the others wait and the page says they are queued.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from core.errors import DraftsmithError
from core.events import Done, Event, InputNeeded
from core.progress import ProgressTracker, ProgressView
from core.result import DraftResult
from core.state import MAX_ROUNDS
from ui.web.live import LIVE, RunGate
from ui.web.session import PreparedRun, remove_folder

JobState = Literal["starting", "queued", "running", "finished"]

log = logging.getLogger("draftsmith.ui")


@dataclass
class DraftJob:
    """One run in a background thread, polled by the page.

    Args:
        prepared: the checked request, settings, model and search tool.
        gate: admits one run at a time.
        clock: monotonic clock (tests may pass their own).
    """

    prepared: PreparedRun
    gate: RunGate
    clock: Callable[[], float] = time.monotonic
    state: JobState = "starting"
    result: DraftResult | None = None
    error: str | None = None
    failure: BaseException | None = None
    stop_requested: bool = False
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tracker: ProgressTracker = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tracker = ProgressTracker(self.prepared.clicked)

    @property
    def key(self) -> str:
        """The run id it drafts (known before it starts), or a stand-in unique to the job."""
        return self.prepared.run_id or f"job-{id(self)}"

    @property
    def finished(self) -> bool:
        """Whether the run has ended, with a result or an error."""
        return self._done.is_set()

    def start(self) -> DraftJob:
        """Register the run with this process's live runs, start it in a daemon thread and
        return at once: it goes on whatever happens to the page that started it."""
        LIVE.add(self)
        threading.Thread(target=self.run, name="draftsmith-run", daemon=True).start()
        return self

    def run(self) -> None:
        """Wait for the gate, stream the draft (or continue a stored run), keep the result or the error."""
        try:
            if not self._enter_gate():
                self._fail(DraftsmithError("stopped while queued: no draft was started"))
                return
            try:
                self.state = "running"
                with self._lock:
                    self._tracker.start(self.clock())
                self._follow(self._events())
            finally:
                self.gate.leave()
        except DraftsmithError as exc:
            self._fail(exc)
        except Exception as exc:  # the page shows one line; the server log keeps the traceback
            log.exception("draft run failed")
            self._fail(exc)
        finally:
            self._tidy()
            self.state = "finished"
            self._done.set()

    def _enter_gate(self) -> bool:
        if self.gate.try_enter():
            return True
        self.state = "queued"
        with self._lock:
            self._tracker.queue(self.clock())
        return self.gate.enter(self.should_stop)

    def _events(self, answer: bool = False) -> Iterator[Event]:
        from graph.runner import resume_draft, stream_draft

        prepared, stop = self.prepared, self.should_stop
        if answer or prepared.resume:
            return resume_draft(
                self.run_id or "", prepared.settings, prepared.model, prepared.search, should_stop=stop
            )
        return stream_draft(
            prepared.request,
            prepared.settings,
            prepared.model,
            prepared.search,
            run_id=prepared.run_id,
            should_stop=stop,
        )

    def _follow(self, events: Iterator[Event]) -> None:
        """Fold the events into the progress. A pause for the author (a run started on the command
        line with outline review or notes) is answered with no change, and the run goes on."""
        for _ in range(MAX_ROUNDS + 2):
            paused = False
            for event in events:
                with self._lock:
                    self._tracker.add(event, self.clock())
                if isinstance(event, Done):
                    self.result = event.result
                paused = isinstance(event, InputNeeded)
            if not paused:
                return
            events = self._events(answer=True)

    def _fail(self, error: BaseException) -> None:
        self.failure = error
        self.error = str(error) if isinstance(error, DraftsmithError) else f"unexpected failure: {error}"

    def _tidy(self) -> None:
        """Remove uploaded notes once no resume can need them: the run finished, or never began."""
        with self._lock:
            began = bool(self.prepared.resume or self._tracker.run_id)
        if (self.result is not None and self.result.status == "completed") or not began:
            remove_folder(self.prepared.sources_dir)

    @property
    def run_id(self) -> str | None:
        """The run's id in the run store, once known."""
        with self._lock:
            known = self._tracker.run_id
        return self.prepared.run_id or known or None

    def should_stop(self) -> bool:
        """Polled by the core (between tokens too): Stop was clicked on some page."""
        return self._stop.is_set()

    def request_stop(self) -> None:
        """Ask the run to end now: the generation in flight is cut short and the best finished
        round is kept."""
        self.stop_requested = True
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends (or ``timeout`` passes); True when it ended."""
        return self._done.wait(timeout)

    def view(self) -> ProgressView:
        """The progress so far."""
        with self._lock:
            return self._tracker.view(self.clock())
