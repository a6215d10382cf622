"""Fold the core's event stream into what the live progress panel shows. Pure: no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.events import (
    AgentFinished,
    AgentStarted,
    Event,
    RoundScored,
    RunStarted,
    RunWarning,
    SourceFound,
    TokenStreamed,
)

STREAM_TAIL_CHARS = 900


@dataclass
class StepView:
    """One agent's turn in one round.

    Attributes:
        tokens: streamed chunks while running; the completion tokens reported when finished.
    """

    agent: str
    round: int
    running: bool = True
    seconds: float = 0.0
    tokens: int = 0

    @property
    def rate(self) -> float:
        """Tokens per second of a finished step (0 while running or when it took no time)."""
        return self.tokens / self.seconds if self.seconds > 0 and not self.running else 0.0


@dataclass
class RoundView:
    """One writing round: its agents' steps and, once critiqued, its score."""

    round: int
    steps: list[StepView] = field(default_factory=list)
    overall: float | None = None
    words: int | None = None

    @property
    def finished(self) -> bool:
        """Whether the critic has scored this round."""
        return self.overall is not None


@dataclass
class ProgressView:
    """A snapshot of a run for the progress panel.

    Attributes:
        agent: the agent working now (None before the first one starts or after the run).
        streamed: the tail of what the current agent has streamed so far.
        rate: tokens per second of the current agent.
        elapsed: seconds since the run left the queue.
        queued_for: seconds the run waited for another session's run.
        first_token_after: seconds from the click to the first streamed token.
    """

    run_id: str = ""
    topic: str = ""
    model: str = ""
    max_rounds: int = 0
    rounds: list[RoundView] = field(default_factory=list)
    agent: str | None = None
    round: int = 1
    streamed: str = ""
    rate: float = 0.0
    tokens: int = 0
    elapsed: float = 0.0
    queued_for: float = 0.0
    first_token_after: float | None = None
    sources: int = 0
    warnings: list[str] = field(default_factory=list)


class ProgressTracker:
    """Consumes events one by one (run thread) and produces views on demand (page thread).

    Not thread-safe by itself: the owner serialises ``add`` and ``view`` with a lock.

    Args:
        created: monotonic time of the click that asked for the run.
    """

    def __init__(self, created: float) -> None:
        self.created = created
        self.started: float | None = None
        self._view = ProgressView()
        self._agent_started = created
        self._agent_tokens = 0
        self._streamed: list[str] = []
        self._streamed_chars = 0

    def start(self, now: float) -> None:
        """Mark the moment the run left the queue and began."""
        self.started = now

    def add(self, event: Event, now: float) -> None:
        """Fold one event into the state."""
        view = self._view
        if isinstance(event, RunStarted):
            view.run_id, view.topic, view.model = event.run_id, event.topic, event.model
            view.max_rounds = event.max_rounds
        elif isinstance(event, AgentStarted):
            view.agent, view.round = event.agent, event.round
            self._round(event.round).steps.append(StepView(agent=event.agent, round=event.round))
            self._agent_started, self._agent_tokens = now, 0
            self._streamed, self._streamed_chars = [], 0
        elif isinstance(event, TokenStreamed):
            if view.first_token_after is None:
                view.first_token_after = now - self.created
            view.tokens += 1
            self._agent_tokens += 1
            self._append_stream(event.text)
        elif isinstance(event, AgentFinished):
            step = self._step(event.agent, event.round)
            step.running, step.seconds, step.tokens = False, event.seconds, event.completion_tokens
            if view.agent == event.agent:
                view.agent = None
        elif isinstance(event, RoundScored):
            record = self._round(event.round)
            record.overall, record.words = event.overall, event.words
        elif isinstance(event, SourceFound):
            view.sources += 1
        elif isinstance(event, RunWarning) and event.message not in view.warnings:
            view.warnings.append(event.message)

    def view(self, now: float) -> ProgressView:
        """A copy of the current state, with times measured at ``now``."""
        view = self._view
        in_agent = now - self._agent_started
        return ProgressView(
            run_id=view.run_id,
            topic=view.topic,
            model=view.model,
            max_rounds=view.max_rounds,
            rounds=[
                RoundView(r.round, [StepView(**vars(s)) for s in r.steps], r.overall, r.words)
                for r in view.rounds
            ],
            agent=view.agent,
            round=view.round,
            streamed="".join(self._streamed)[-STREAM_TAIL_CHARS:] if view.agent else "",
            rate=self._agent_tokens / in_agent if view.agent and in_agent > 0 else 0.0,
            tokens=view.tokens,
            elapsed=now - self.started if self.started is not None else 0.0,
            queued_for=(self.started if self.started is not None else now) - self.created,
            first_token_after=view.first_token_after,
            sources=view.sources,
            warnings=list(view.warnings),
        )

    def _round(self, number: int) -> RoundView:
        for record in self._view.rounds:
            if record.round == number:
                return record
        record = RoundView(round=number)
        self._view.rounds.append(record)
        return record

    def _step(self, agent: str, number: int) -> StepView:
        steps = self._round(number).steps
        for step in reversed(steps):
            if step.agent == agent:
                return step
        step = StepView(agent=agent, round=number)
        steps.append(step)
        return step

    def _append_stream(self, text: str) -> None:
        self._streamed.append(text)
        self._streamed_chars += len(text)
        if self._streamed_chars > 4 * STREAM_TAIL_CHARS:  # keep memory flat on long generations
            kept = "".join(self._streamed)[-STREAM_TAIL_CHARS:]
            self._streamed, self._streamed_chars = [kept], len(kept)


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
