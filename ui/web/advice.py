"""Errors in the page's words: the core's one-line message, without command-line advice, plus
what to do here (the sidebar field to change, or that the run can be resumed). Pure: no Streamlit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import (
    BackendError,
    BadInputError,
    DraftsmithError,
    ModelFileError,
    NoDraftYetError,
    RunFinishedError,
    RunNotFoundError,
    ServerTimeoutError,
    ServerUnreachableError,
)

SIDEBAR_FIELDS = {
    "model": "Model",
    "model_path": "GGUF file",
    "hf_repo": "Hub repository",
    "hf_file": "File in the repository",
    "base_url": "Server URL",
    "openai_model": "Model name",
    "api_key": "API key",
    "n_threads": "CPU threads",
    "temperature": "Temperature",
}
FORM_FIELDS = {
    "topic": "Topic",
    "audience": "Audience",
    "tone": "Tone",
    "words": "Target words",
    "rounds": "Rounds",
    "threshold": "Good enough at",
    "search": "Research",
    "sources": "Your notes",
    "feedback": "Notes for the writer",
}
# Advice written for a terminal: a flag (--model), a command (python cli.py …), an editor.
_CLI = re.compile(r"(?<![\w-])--[a-z]|\bcli\.py\b|\$EDITOR")
_INVALID_FIELD = re.compile(r"^invalid (\w+)")
_INVALID = re.compile(r"^invalid (\w+): (.*)$", re.DOTALL)
# Pydantic's wording of a rejected value, and the plain words the page uses instead.
_PLAIN_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^String should have at least (\d+) characters?"), r"use at least \1 characters"),
    (re.compile(r"^String should have at most (\d+) characters?"), r"use at most \1 characters"),
    (re.compile(r"^Input should be greater than or equal to ([\d.]+)"), r"use a number of at least \1"),
    (re.compile(r"^Input should be less than or equal to ([\d.]+)"), r"use a number of at most \1"),
    (re.compile(r"^Input should be greater than ([\d.]+)"), r"use a number above \1"),
    (re.compile(r"^Input should be a valid (integer|number).*"), r"use a number"),
    (re.compile(r"^Input should be (.*)"), r"use \1"),
    (re.compile(r"^Value error, "), ""),
)


@dataclass(frozen=True)
class Explained:
    """An error as the page shows it.

    Attributes:
        message: what went wrong (one line, no command-line advice).
        advice: what to do on this page, in markdown ("" when there is nothing to add).
        run_id: a checkpointed run the page can offer to resume.
    """

    message: str
    advice: str = ""
    run_id: str | None = None


def explain(error: BaseException) -> Explained:
    """The page's wording of any error a run or its preparation raised."""
    if not isinstance(error, DraftsmithError):
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return Explained(
            f"unexpected failure: {without_cli_advice(first)}", "The server log has the details."
        )
    message = without_cli_advice(str(error))
    resumable = error.run_id if isinstance(error, NoDraftYetError | BackendError) else None
    advice = advice_for(error, message)
    if isinstance(error, BadInputError):
        message = plain_field_message(message)
    return Explained(message, advice, resumable)


def plain_field_message(message: str) -> str:
    """``invalid <field>: <reason>`` in the page's words: the field's label on the page, then the
    reason in plain words (``Topic: use at least 3 characters``); other messages unchanged."""
    match = _INVALID.match(message)
    if match is None:
        return message
    name, reason = match.groups()
    for pattern, plain in _PLAIN_REASONS:
        if pattern.search(reason):
            reason = pattern.sub(plain, reason, count=1)
            break
    label = SIDEBAR_FIELDS.get(name) or FORM_FIELDS.get(name)
    if label is not None:
        return f"{label}: {reason}"
    for field, field_label in {**SIDEBAR_FIELDS, **FORM_FIELDS}.items():  # "invalid settings: base_url …"
        if re.match(rf"{field}\b", reason):
            return field_label + reason[len(field) :]
    return reason[:1].upper() + reason[1:]


def advice_for(error: DraftsmithError, message: str) -> str:
    """What to do about ``error`` on this page."""
    saved = "Nothing is lost: **Resume** continues from its last finished step"
    if isinstance(error, ServerUnreachableError):
        return f"Is the server running? Check **Server URL** in the sidebar. {saved} once it answers."
    if isinstance(error, ServerTimeoutError):
        return f"The server may be overloaded. {saved}."
    if isinstance(error, NoDraftYetError):
        return f"{saved}."
    if isinstance(error, RunNotFoundError):
        return "It may have been deleted: see **History** for the runs that are kept."
    if isinstance(error, RunFinishedError):
        return "Open it from **History** to read or download it."
    if isinstance(error, ModelFileError):
        if "not downloaded" in message:
            return "Connect to the internet and click **Download now** in the sidebar, or pick another model."
        if "hub" in message:
            return "Check **Hub repository** and **File in the repository** in the sidebar."
        return "Check **GGUF file** in the sidebar, or pick the embedded model."
    if isinstance(error, BadInputError):
        return _field_advice(message)
    if isinstance(error, BackendError) and error.run_id:
        return f"{saved}."
    return ""


def _field_advice(message: str) -> str:
    match = _INVALID_FIELD.match(message)
    name = match.group(1) if match else ""
    if name not in SIDEBAR_FIELDS and name not in FORM_FIELDS:  # e.g. "invalid settings: base_url …"
        name = next((field for field in SIDEBAR_FIELDS if re.search(rf"\b{field}\b", message)), name)
    if name in SIDEBAR_FIELDS:
        return f"Change **{SIDEBAR_FIELDS[name]}** in the sidebar."
    if name in FORM_FIELDS:
        return f"Change **{FORM_FIELDS[name]}** in the form."
    return ""


def without_cli_advice(message: str) -> str:
    """``message`` less any clause that tells a terminal user what to type.

    A parenthesised clause naming a flag or ``cli.py`` goes; so does the rest of the message from
    the nearest ``;`` or ``,`` (else ``:``) before such a mention.
    """
    text = re.sub(r"\s*\([^()]*\)", lambda m: "" if _CLI.search(m.group()) else m.group(), message)
    while (found := _CLI.search(text)) is not None:
        before = text[: found.start()]
        cut = max(before.rfind(";"), before.rfind(","))
        if cut < 0:
            cut = before.rfind(":")
        if cut <= 0:
            break
        text = text[:cut]
    return text.strip().rstrip(",;:")
