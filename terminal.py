"""Terminal rendering for the CLI: live progress, the end-of-run summary, pauses and run tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from core.errors import BadInputError


class NullProgress:
    """Progress display that shows nothing (``--quiet``)."""

    def __enter__(self) -> NullProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, event: Any) -> None:
        return None

    def pause(self) -> None:
        return None


class Progress:
    """A live status line on stderr (round, agent, tokens/s, elapsed) and a line per finished step."""

    def __init__(self) -> None:
        self.console = Console(stderr=True, highlight=False)
        self.status: Any = None
        self.started = time.monotonic()
        self.max_rounds = 1
        self.agent, self.round, self.tokens, self.agent_started = "starting", 1, 0, time.monotonic()
        self.cpu_busy = False  # shown on the status line until the next agent starts

    def __enter__(self) -> Progress:
        self.status = self.console.status("loading the model…")
        self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.status.__exit__(*exc)

    def pause(self) -> None:
        """Stop the live line while the person answers a question."""
        self.status.stop()

    def show(self, event: Any) -> None:
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            handler(event)
        self._refresh()

    def _on_run_started(self, event: Any) -> None:
        self.max_rounds = event.max_rounds
        self.console.print(f"run {event.run_id} · {event.backend} · {event.model}")
        self.status.start()

    def _on_agent_started(self, event: Any) -> None:
        self.agent, self.round, self.tokens, self.agent_started = (
            event.agent,
            event.round,
            0,
            time.monotonic(),
        )
        self.cpu_busy = False

    def _on_token(self, event: Any) -> None:
        self.tokens += 1

    def _on_agent_finished(self, event: Any) -> None:
        rate = event.completion_tokens / event.seconds if event.seconds else 0.0
        self.console.print(
            f"  round {event.round}  {event.agent:<10} {event.seconds:6.1f} s  "
            f"{event.completion_tokens:5d} tokens  {rate:5.0f} tok/s"
        )

    def _on_source_found(self, event: Any) -> None:
        self.console.print(f"  source [{event.source.id}] {event.source.title[:70]}")

    def _on_round_scored(self, event: Any) -> None:
        self.console.print(
            f"[bold]round {event.round} scored {event.overall:.1f}/10[/] ({event.words} words)"
        )

    def _on_warning(self, event: Any) -> None:
        self.console.print(f"[yellow]warning:[/] {event.message}")

    def _on_cpu_busy(self, event: Any) -> None:
        self.console.print(f"[yellow]{event.message}[/]")
        self.cpu_busy = True

    def _on_done(self, event: Any) -> None:
        result = event.result
        flags = {"stopped": " · stopped", "budget_stopped": " · budget reached"}.get(result.status, "")
        flags += " · research degraded" if result.degraded else ""
        self.console.print(summary_table(result))
        self.console.print(
            f"[green]done[/] in {time.monotonic() - self.started:.0f} s · best round {result.best_round} "
            f"scored {result.score:.1f}/10 · {result.totals.completion_tokens} tokens{flags}"
        )
        if getattr(result, "stop_reason", None):
            self.console.print(f"[dim]rounds ended: {result.stop_reason}[/]")

    def _refresh(self) -> None:
        elapsed = time.monotonic() - self.started
        in_agent = time.monotonic() - self.agent_started
        rate = self.tokens / in_agent if in_agent > 0 else 0.0
        busy = " · CPU busy" if self.cpu_busy else ""
        self.status.update(
            f"round {self.round}/{self.max_rounds} · {self.agent} · {rate:.0f} tok/s{busy} · {elapsed:.0f} s"
        )


def summary_table(result: Any) -> Table:
    """Per-agent totals: seconds, calls, prompt and completion tokens, tokens/s."""
    table = Table(title="time and tokens per agent", title_justify="left")
    for column in ("agent", "seconds", "calls", "prompt tok", "output tok", "tok/s"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    totals: dict[str, list[float]] = {}
    for step in result.telemetry:
        row = totals.setdefault(step.agent, [0.0, 0, 0, 0])
        for i, value in enumerate((step.seconds, step.calls, step.prompt_tokens, step.completion_tokens)):
            row[i] += value
    for agent, (seconds, calls, prompt, output) in totals.items():
        rate = output / seconds if seconds else 0.0
        table.add_row(
            agent, f"{seconds:.1f}", f"{calls:.0f}", f"{prompt:.0f}", f"{output:.0f}", f"{rate:.0f}"
        )
    t = result.totals
    table.add_row(
        "total",
        f"{t.seconds:.1f}",
        str(t.calls),
        str(t.prompt_tokens),
        str(t.completion_tokens),
        f"{t.tokens_per_second:.0f}",
    )
    return table


def answer_pause(pause: Any, run_id: str) -> tuple[bool, Any]:
    """Ask the person about a paused run. Returns (continue now?, answer).

    Outline review: Enter approves, ``e`` edits the outline as JSON in $EDITOR, ``q`` stops
    (resume later). Notes: type them, Enter for none, ``q`` stops. With no terminal, it approves.
    """
    err = Console(stderr=True, highlight=False)
    later = f"stopped; continue later with: python cli.py resume {run_id}"
    if pause.question == "outline":
        err.print(f"\n[bold]Outline for review[/] — {pause.outline.title}")
        for number, section in enumerate(pause.outline.sections, 1):
            err.print(f"  {number}. {section.heading}: {'; '.join(section.key_points)}")
        choice = _ask(err, "Enter = approve · e = edit · q = stop and resume later: ")
        if choice == "q":
            err.print(later)
            return False, None
        return True, edit_outline(pause.outline.model_dump()) if choice == "e" else None
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


def runs_table(runs: list[Any]) -> Table:
    """Run history: id, topic, started, status, rounds, best score."""
    table = Table()
    for column in ("run id", "topic", "started", "status", "rounds", "best"):
        table.add_column(column, no_wrap=column != "topic", overflow="fold")
    for run in runs:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started))
        best = "" if run.best_score is None else f"{run.best_score:.1f}"
        table.add_row(run.run_id, run.topic[:50], started, run.shown_status, str(run.rounds), best)
    return table


def batch_table(outcomes: list[Any]) -> Table:
    """One row per topic: line, status, seconds, score, file or error."""
    table = Table(title="batch", title_justify="left")
    for column in ("line", "topic", "status", "seconds", "score", "output"):
        table.add_column(column, overflow="fold")
    for outcome in outcomes:
        score = "" if outcome.score is None else f"{outcome.score:.1f}"
        output = outcome.path if outcome.status == "done" else outcome.error
        table.add_row(
            str(outcome.line), outcome.topic[:40], outcome.status, f"{outcome.seconds:.0f}", score, output
        )
    return table
