"""Ctrl-C on the command line: it stops the step in flight, and the hint names what to run next."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class DownloadInterrupted(KeyboardInterrupt):
    """Ctrl-C while a model downloads: what is downloaded stays, and the next run resumes."""

    hint = "interrupted the model download; run the same command again to resume it where it stopped"


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run whose id is known (the hint names it)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


def interrupted_hint(run_id: str | None) -> str:
    """What Ctrl-C leaves behind, in the command line's words (``RUN_ID`` when the id is unknown)."""
    return f"interrupted; the run is checkpointed: continue it with python cli.py resume {run_id or 'RUN_ID'}"


@contextmanager
def stop_on_ctrl_c() -> Iterator[Callable[[], bool]]:
    """For the block, Ctrl-C also tells the run to stop (the stop check yielded), so the step in
    flight ends at once (a generation is cut, in process or on a server) instead of running to
    its end while the interrupt waits for it; the ``KeyboardInterrupt`` is raised as before."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    pressed = threading.Event()

    def interrupt(signum: int, frame: Any) -> None:
        pressed.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield pressed.is_set
    finally:
        signal.signal(signal.SIGINT, previous)
