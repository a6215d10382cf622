"""Cooperative cancellation of a generation that is already running.

The graph sets a stop check for the duration of each agent step; the in-process llama.cpp
adapter polls it after every token, and the OpenAI-compatible client (``backends.openai_compat``)
from a watcher thread that closes the call's connection; both end the call with
``GenerationCancelled``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

StopCheck = Callable[[], bool]
_STOP_CHECK: ContextVar[StopCheck | None] = ContextVar("draftsmith_stop_check", default=None)


class GenerationCancelled(Exception):
    """The run was asked to stop while the model was generating."""


@contextmanager
def stop_check(check: StopCheck | None) -> Iterator[None]:
    """Make ``check`` the stop check of every generation inside the block (same thread)."""
    token = _STOP_CHECK.set(check)
    try:
        yield
    finally:
        _STOP_CHECK.reset(token)


def current_stop_check() -> StopCheck | None:
    """The stop check in effect here, if any."""
    return _STOP_CHECK.get()
