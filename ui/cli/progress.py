"""Live progress on the terminal: a status line on stderr (round, agent, tokens/s, elapsed), a
line per finished step, the sections as written, and the end-of-run summary."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console, RenderableType
from rich.text import Text

from core.events import (
    AgentFinished,
    CpuBusy,
    Done,
    Event,
    RoundScored,
    RunStarted,
    RunWarning,
    SectionDrafted,
    SourceFound,
)
from core.progress import ProgressTracker, ProgressView, StepView
from core.result import DraftResult
from ui.cli.tables import summary_table


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
