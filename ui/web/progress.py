"""Labels of the web page's progress panel, drawn from the typed fold in :mod:`core.progress`."""

from __future__ import annotations

from typing import Literal

from core.progress import ProgressView, RoundView, StepView

CHAIN: tuple[str, ...] = ("researcher", "outliner", "writer", "editor", "critic")
StepState = Literal["done", "current", "waiting"]


def step_line(step: StepView) -> str:
    """One line for a step, e.g. ``writer — 12.3 s · 410 tokens · 33 tok/s``."""
    if step.running:
        return f"**{step.agent}** — working…"
    return f"**{step.agent}** — {step.seconds:.1f} s · {step.tokens} tokens · {step.rate:.0f} tok/s"


def round_label(record: RoundView, max_rounds: int, agent: str | None) -> str:
    """The title of a round's status box."""
    of = f"/{max_rounds}" if max_rounds else ""
    if record.finished:
        return f"Round {record.round}{of} · scored {record.overall:.1f}/10 · {record.words} words"
    return f"Round {record.round}{of} · {agent or 'next agent'} working…"


def chain(view: ProgressView, hidden: tuple[str, ...] = ()) -> list[tuple[str, StepState]]:
    """The agents of the current round in order: done, current, or still to come.

    Agents that were passed over this round (the researcher when no gaps need research, the
    outliner after round 1) and the ``hidden`` ones (the researcher with search off) are left out.
    """
    record = next((r for r in view.rounds if r.round == view.round), None)
    steps = record.steps if record else []
    done = {s.agent for s in steps if not s.running and not s.skipped}
    finished = [CHAIN.index(s.agent) for s in steps if not s.running and s.agent in CHAIN]
    pivot = max(finished, default=-1) + 1
    if view.agent in CHAIN:
        pivot = CHAIN.index(view.agent)
    links: list[tuple[str, StepState]] = []
    for position, agent in enumerate(CHAIN):
        if agent in hidden:
            continue
        if agent == view.agent:
            links.append((agent, "current"))
        elif agent in done:
            links.append((agent, "done"))
        elif position >= pivot:
            links.append((agent, "waiting"))
    return links
