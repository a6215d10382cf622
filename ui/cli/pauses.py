"""A paused run's questions at the terminal: the outline to approve or edit, notes for the next round."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from core.errors import BadInputError
from core.events import Pause


def answer_pause(pause: Pause, run_id: str) -> tuple[bool, Any]:
    """Ask the person about a paused run. Returns (continue now?, answer).

    Outline review: Enter approves, ``e`` edits the outline as JSON in $EDITOR, ``q`` stops
    (resume later). Notes: type them, Enter for none, ``q`` stops. With no terminal, it approves.
    """
    err = Console(stderr=True, highlight=False)
    later = f"stopped; continue later with: python cli.py resume {run_id}"
    outline = pause.outline
    if pause.question == "outline" and outline is not None:
        err.print(f"\n[bold]Outline for review[/] — {outline.title}")
        for number, section in enumerate(outline.sections, 1):
            err.print(f"  {number}. {section.heading}: {'; '.join(section.key_points)}")
        choice = _ask(err, "Enter = approve · e = edit · q = stop and resume later: ")
        if choice == "q":
            err.print(later)
            return False, None
        return True, edit_outline(outline.model_dump()) if choice == "e" else None
    notes = _ask(
        err, f"Notes for round {pause.round} (best score so far {pause.best_score}); Enter = none, q = stop: "
    )
    if notes == "q":
        err.print(later)
        return False, None
    return True, notes


def edit_outline(outline: dict[str, Any]) -> dict[str, Any]:
    """Open the outline as JSON in $EDITOR (default: vi) and return the edited version."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(outline, handle, indent=2, ensure_ascii=False)
    path = Path(handle.name)
    try:
        subprocess.run([os.environ.get("EDITOR", "vi"), str(path)], check=False)
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise BadInputError(f"the edited outline is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    finally:
        path.unlink(missing_ok=True)


def _ask(console: Console, prompt: str) -> str:
    console.print(prompt, end="")
    line = sys.stdin.readline()
    return line.strip()
