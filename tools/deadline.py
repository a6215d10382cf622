"""Run a blocking call with a hard timeout, for libraries that offer none we can trust."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class CallTimeout(Exception):
    """A call did not answer within its timeout."""


def call_with_timeout(function: Callable[[], T], timeout: float, *, name: str = "draftsmith-call") -> T:
    """Run ``function`` in a daemon thread and wait at most ``timeout`` seconds for it.

    A call that overruns is abandoned, not killed: its thread ends whenever the call returns.

    Raises:
        CallTimeout: When no answer arrived in time.
        Exception: Whatever ``function`` raised.
    """
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

    def run() -> None:
        try:
            box.put((True, function()))
        except BaseException as error:  # handed over to the caller's thread below
            box.put((False, error))

    threading.Thread(target=run, name=name, daemon=True).start()
    try:
        ok, value = box.get(timeout=max(0.0, timeout))
    except queue.Empty:
        raise CallTimeout(f"no answer within {timeout:g} s") from None
    if not ok:
        raise value
    return value
