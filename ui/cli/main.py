"""``python cli.py``: parse the arguments, run the subcommand, turn every failure into one line and
an exit code (details in a log file)."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from core.errors import DraftsmithError
from core.settings import load_settings
from ui.cli.batch import run_batch
from ui.cli.commands import run_models, run_runs, run_show
from ui.cli.drafting import run_draft, run_resume
from ui.cli.interrupts import DownloadInterrupted, interrupted_hint
from ui.cli.parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python cli.py ARGV``; return its exit code (0, 1, 2, 3 or 130, see ``cli.py``)."""
    args = build_parser().parse_args(argv)
    commands = {
        "draft": run_draft,
        "resume": run_resume,
        "runs": run_runs,
        "models": run_models,
        "show": run_show,
        "batch": run_batch,
    }
    try:
        return commands[args.command](args)
    except DraftsmithError as exc:
        details = f" (details in {write_crash_log(exc)})" if exc.exit_code == 1 else ""
        print(f"error: {exc}{advice(exc)}{details}", file=sys.stderr)
        return exc.exit_code
    except DownloadInterrupted as exc:
        print(exc.hint, file=sys.stderr)
        return 130
    except KeyboardInterrupt as exc:
        print(interrupted_hint(getattr(exc, "run_id", None)), file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback on the terminal: log it, print one line
        print(f"error: unexpected failure: {exc} (details in {write_crash_log(exc)})", file=sys.stderr)
        return 1


def advice(exc: DraftsmithError) -> str:
    """What to do next, in the command line's words (the core's messages carry none)."""
    from core.errors import (
        NoDraftYetError,
        NoNotesFolderError,
        RunFinishedError,
        RunNotFoundError,
        ServerUnreachableError,
    )

    if isinstance(exc, NoNotesFolderError):
        return ": pass --sources DIR"
    if isinstance(exc, ServerUnreachableError):
        return " (is it running? check --base-url)"
    if isinstance(exc, NoDraftYetError):
        return f"; continue it with: python cli.py resume {exc.run_id}"
    if isinstance(exc, RunNotFoundError):
        return " (list runs with: python cli.py runs)"
    if isinstance(exc, RunFinishedError):
        return f" (see it with: python cli.py show {exc.run_id})"
    return ""


def write_crash_log(exc: BaseException) -> Path:
    """Append the traceback to the log file in the data directory and return its path."""
    try:
        folder = load_settings().data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
    except (DraftsmithError, OSError):
        folder = Path(".")
    path = folder / "draftsmith.log"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with path.open("a", encoding="utf-8") as log:
        log.write(f"{stamp} run failed\n{''.join(traceback.format_exception(exc))}\n")
    return path.resolve()
