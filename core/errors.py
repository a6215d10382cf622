"""Errors the user can act on. Front ends print ``str(error)`` as one line, never a traceback.

The core states what went wrong in neutral words; each front end adds its own advice from the
error's type and facts (the CLI names a flag or a command, the web UI a sidebar field or a
Resume button).
"""

from __future__ import annotations


class DraftsmithError(Exception):
    """Base class: a one-line message saying what went wrong.

    Attributes:
        exit_code: 2 for bad input the user can fix, 1 for a failure at run time.
        run_id: the checkpointed run this error interrupted, when it can be continued.
    """

    exit_code = 1

    def __init__(self, message: str = "", *, run_id: str | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id


class BadInputError(DraftsmithError):
    """The request, a setting or a file the user named is invalid (exit code 2)."""

    exit_code = 2


class ModelFileError(BadInputError):
    """A model file cannot be used: missing, not GGUF, unreadable, or not downloadable."""


class BackendError(DraftsmithError):
    """The model backend failed while running (server unreachable, model crashed)."""


class ServerUnreachableError(BackendError):
    """The OpenAI-compatible server did not accept the connection (the address is a setting)."""


class ServerTimeoutError(BackendError):
    """The OpenAI-compatible server accepted the request but did not answer in time."""


class NoNotesFolderError(BadInputError):
    """Search mode ``local`` was asked for without a folder of notes."""


class RunNotFoundError(BadInputError):
    """No run with this id in the run store."""


class RunFinishedError(BadInputError):
    """The run already finished: there is nothing to continue, only a result to look at."""


class NoDraftYetError(DraftsmithError):
    """The run stopped before its first draft was scored; it is checkpointed and can continue."""
