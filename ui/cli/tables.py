"""The terminal's tables: time and tokens per agent, the run history, a batch's outcomes."""

from __future__ import annotations

import time
from typing import Any

from rich.table import Table

from core.result import DraftResult, status_word


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
