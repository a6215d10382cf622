"""Errors the user can act on. Front ends print ``str(error)`` as one line, never a traceback."""

from __future__ import annotations


class DraftsmithError(Exception):
    """Base class: a one-line message saying what went wrong and what to do.

    Attributes:
        exit_code: 2 for bad input the user can fix, 1 for a failure at run time.
    """

    exit_code = 1


class BadInputError(DraftsmithError):
    """The request, a setting or a file the user named is invalid (exit code 2)."""

    exit_code = 2


class ModelFileError(BadInputError):
    """A model file cannot be used: missing, not GGUF, unreadable, or not downloadable."""


class BackendError(DraftsmithError):
    """The model backend failed while running (server unreachable, model crashed)."""
