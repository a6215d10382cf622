"""Terminal rendering for the CLI: live progress, the end-of-run summary, pauses and run tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from core.errors import BadInputError
from core.events import (
    AgentFinished,
    CpuBusy,
    Done,
    Event,
    Pause,
    RoundScored,
    RunStarted,
    RunWarning,
    SectionDrafted,
    SourceFound,
)
from core.progress import ProgressTracker, ProgressView, StepView
from core.result import DraftResult, status_word


class NullProgress:
    """Progress display that shows nothing (``--quiet``)."""

    def __enter__(self) -> NullProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, event: Event) -> None:
        return None

    def pause(self) -> None:
        return None


class Progress:
    """A live status line on stderr (round, agent, tokens/s, elapsed) and a line per finished step,
    drawn from the same typed fold of the events as the web page's progress panel.

    Args:
        clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = Console(stderr=True, highlight=False)
        self.status = self.console.status("loading the model…")
        self.clock = clock
        self.tracker = ProgressTracker(created=clock())
        self.tracker.start(self.tracker.created)

    def __enter__(self) -> Progress:
        self.status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.status.stop()

    @property
    def cpu_busy(self) -> bool:
        """Whether the status line carries the CPU-busy notice (until tokens come at speed again)."""
        return self.view().cpu_busy is not None

    def view(self) -> ProgressView:
        """The fold's state now."""
        return self.tracker.view(self.clock())

    def pause(self) -> None:
        """Stop the live line while the person answers a question."""
        self.status.stop()

    def show(self, event: Event) -> None:
        """Fold the event in, print its lines (most events have none) and refresh the status line."""
        self.tracker.add(event, self.clock())
        view = self.view()
        for line in lines_for(event, view):
            self.console.print(line)
        if isinstance(event, RunStarted):
            self.status.start()
        self.status.update(status_line(view))


def lines_for(event: Event, view: ProgressView) -> list[RenderableType]:
    """What the terminal prints for an event once the fold has taken it in."""
    match event:
        case RunStarted():
            return [f"run {event.run_id} · {event.backend} · {event.model}"]
        case AgentFinished():
            return [step_row(finished_step(view, event))]
        case SourceFound():
            return [f"  source [{event.source.id}] {event.source.title[:70]}"]
        case RoundScored():
            changed = f" · {'; '.join(event.changes)}" if event.changes and event.round > 1 else ""
            scored = f"[bold]round {event.round} scored {event.overall:.1f}/10[/]"
            return [f"{scored} ({event.words} words){changed}"]
        case SectionDrafted():
            return section_lines(event)
        case RunWarning():
            return [f"[yellow]warning:[/] {event.message}"]
        case CpuBusy():
            return [f"[yellow]{event.message}[/]"]
        case Done():
            reason = event.result.stop_reason
            ended = [f"[dim]rounds ended: {reason}[/]"] if reason else []
            return [summary_table(event.result), done_line(event.result, view.elapsed), *ended]
    return []


def section_lines(event: SectionDrafted) -> list[RenderableType]:
    """A section the writer's model just wrote, shown while the rest is written (the post itself,
    after the writer's checks, comes at the end)."""
    words = len(event.text.split())
    header = f"[dim]── round {event.round} · writer · section {event.call} as written ({words} words) ──[/]"
    return [header, Text(event.text, style="dim")]


def finished_step(view: ProgressView, event: AgentFinished) -> StepView:
    """The fold's record of the step ``event`` finished."""
    record = next(r for r in view.rounds if r.round == event.round)
    return next(step for step in reversed(record.steps) if step.agent == event.agent)


def step_row(step: StepView) -> str:
    """One finished step, e.g. ``round 1  writer       12.3 s    410 tokens     33 tok/s``."""
    return (
        f"  round {step.round}  {step.agent:<10} {step.seconds:6.1f} s  "
        f"{step.tokens:5d} tokens  {step.rate:5.0f} tok/s"
    )


def status_line(view: ProgressView) -> str:
    """The live line: round, the agent working (or the one that just finished), speed, time."""
    steps = [step for record in view.rounds for step in record.steps]
    agent = view.agent or (steps[-1].agent if steps else "starting")
    busy = " · CPU busy" if view.cpu_busy else ""
    return (
        f"round {view.round}/{view.max_rounds} · {agent} · {view.rate:.0f} tok/s{busy} · {view.elapsed:.0f} s"
    )


def done_line(result: DraftResult, elapsed: float) -> str:
    """The run's last line: time, best round and score, tokens, and how it ended."""
    flags = {"stopped": " · stopped", "budget_stopped": " · budget reached"}.get(result.status, "")
    flags += " · research degraded" if result.degraded else ""
    return (
        f"[green]done[/] in {elapsed:.0f} s · best round {result.best_round} "
        f"scored {result.score:.1f}/10 · {result.totals.completion_tokens} tokens{flags}"
    )


def summary_table(result: DraftResult) -> Table:
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


def runs_table(runs: list[Any]) -> Table:
    """Run history: id, topic, started, status, rounds, best score."""
    table = Table()
    for column in ("run id", "topic", "started", "status", "rounds", "best"):
        table.add_column(column, no_wrap=column != "topic", overflow="fold")
    for run in runs:
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started))
        best = "" if run.best_score is None else f"{run.best_score:.1f}"
        status = status_word(run.shown_status)  # the page's word too
        table.add_row(run.run_id, run.topic[:50], started, status, str(run.rounds), best)
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
