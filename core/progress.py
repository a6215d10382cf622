"""The one typed fold of the core's event stream: what a run's progress display shows (rounds,
steps, the current agent's stream and speed, the CPU-busy notice). The terminal and the web page
both render from it; it draws nothing itself."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from core.events import (
    AgentFinished,
    AgentStarted,
    CpuBusy,
    Event,
    RoundScored,
    RunStarted,
    RunWarning,
    SourceFound,
    TokenStreamed,
)
from core.live_stream import STRUCTURED_WORK, is_structured, live_prose

STREAM_TAIL_CHARS = 900
CPU_CLEAR_SHARE = 0.7  # the busy notice goes once tokens come at this share of the expected speed again
RATE_WINDOW_SECONDS = 2.0  # the current speed is measured over the last two seconds of tokens


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
    prompt_tokens: int = 0

    @property
    def rate(self) -> float:
        """Tokens per second of a finished step (0 while running or when it took no time)."""
        return self.tokens / self.seconds if self.seconds > 0 and not self.running else 0.0

    @property
    def skipped(self) -> bool:
        """A finished step that asked the model nothing (e.g. the researcher with search off)."""
        return not self.running and self.tokens == 0 and self.prompt_tokens == 0


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
    """A snapshot of a run for a progress display.

    Attributes:
        agent: the agent working now (None before the first one starts or after the run).
        streamed: the tail of the prose the current agent's model call has written so far, as a
            reader should see it (see :func:`core.live_stream.live_prose`); "" during a structured call.
        activity: one progress line during a structured call, e.g. ``critic: scoring the draft
            (120 tokens)``; None otherwise. Never the JSON itself.
        rate: tokens per second of the current agent.
        elapsed: seconds since the run left the queue.
        queued_for: seconds the run waited for another session's run.
        first_token_after: seconds from the click to the first streamed token, less the queue wait.
        cpu_busy: the core's "CPU is busy" notice, until tokens come at speed again.
    """

    run_id: str = ""
    topic: str = ""
    model: str = ""
    max_rounds: int = 0
    rounds: list[RoundView] = field(default_factory=list)
    agent: str | None = None
    round: int = 1
    streamed: str = ""
    activity: str | None = None
    rate: float = 0.0
    tokens: int = 0
    elapsed: float = 0.0
    queued_for: float = 0.0
    first_token_after: float | None = None
    sources: int = 0
    warnings: list[str] = field(default_factory=list)
    cpu_busy: str | None = None


class ProgressTracker:
    """Consumes events one by one and produces views on demand.

    Not thread-safe by itself: an owner that reads views from another thread (the web page)
    serialises ``add`` and ``view`` with a lock.

    Args:
        created: monotonic time the run was asked for (the click, or the command's start).
    """

    def __init__(self, created: float) -> None:
        self.created = created
        self.started: float | None = None
        self.queued_at: float | None = None
        self._view = ProgressView()
        self._agent_started = created
        self._agent_tokens = 0
        self._streamed: list[str] = []
        self._streamed_chars = 0
        self._call = ""
        self._call_tokens = 0
        self._token_times: deque[float] = deque()
        self._expected_rate = 0.0

    def queue(self, now: float) -> None:
        """Mark the moment the run began to wait for another session's run."""
        self.queued_at = now

    def start(self, now: float) -> None:
        """Mark the moment the run left the queue and began."""
        self.started = now

    @property
    def run_id(self) -> str:
        """The run's id once the run has started ("" before)."""
        return self._view.run_id

    @property
    def queue_wait(self) -> float:
        """Seconds spent in the queue (0 for a run that never waited)."""
        if self.queued_at is None:
            return 0.0
        return (self.started if self.started is not None else self.queued_at) - self.queued_at

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
            self._new_call("")
            self._token_times.clear()
        elif isinstance(event, TokenStreamed):
            if view.first_token_after is None:
                view.first_token_after = now - self.created - self.queue_wait
            view.tokens += 1
            self._agent_tokens += 1
            if event.call != self._call:
                self._new_call(event.call)
            self._call_tokens += 1
            self._append_stream(event.text)
            self._note_speed(now)
        elif isinstance(event, AgentFinished):
            step = self._step(event.agent, event.round)
            step.running, step.seconds, step.tokens = False, event.seconds, event.completion_tokens
            step.prompt_tokens = event.prompt_tokens
            if view.agent == event.agent:
                view.agent = None
        elif isinstance(event, RoundScored):
            record = self._round(event.round)
            record.overall, record.words = event.overall, event.words
        elif isinstance(event, SourceFound):
            view.sources += 1
        elif isinstance(event, RunWarning) and event.message not in view.warnings:
            view.warnings.append(event.message)
        elif isinstance(event, CpuBusy):
            view.cpu_busy, self._expected_rate = event.message, event.expected_tokens_per_second
            self._token_times.clear()

    def _note_speed(self, now: float) -> None:
        """Clear the busy notice once the last two seconds of tokens came at speed again."""
        times = self._token_times
        times.append(now)
        while times and now - times[0] > RATE_WINDOW_SECONDS:
            times.popleft()
        if self._view.cpu_busy is None or len(times) < 8 or now - times[0] < RATE_WINDOW_SECONDS / 2:
            return
        if (len(times) - 1) / (now - times[0]) >= CPU_CLEAR_SHARE * self._expected_rate:
            self._view.cpu_busy = None

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
            cpu_busy=view.cpu_busy,
            agent=view.agent,
            round=view.round,
            streamed=self._prose()[-STREAM_TAIL_CHARS:] if view.agent else "",
            activity=self._activity() if view.agent else None,
            rate=self._agent_tokens / in_agent if view.agent and in_agent > 0 else 0.0,
            tokens=view.tokens,
            elapsed=now - self.started if self.started is not None else 0.0,
            queued_for=self.queue_wait if self.started is not None else self._waiting(now),
            first_token_after=view.first_token_after,
            sources=view.sources,
            warnings=list(view.warnings),
        )

    def _new_call(self, call: str) -> None:
        self._call, self._call_tokens = call, 0
        self._streamed, self._streamed_chars = [], 0

    def _structured(self) -> bool:
        return bool(self._streamed) and is_structured(self._view.agent, "".join(self._streamed)[:40])

    def _prose(self) -> str:
        return "" if self._structured() else live_prose("".join(self._streamed))

    def _activity(self) -> str | None:
        agent = self._view.agent
        if agent is None or not self._structured():
            return None
        return f"{agent}: {STRUCTURED_WORK.get(agent, 'working')} ({self._call_tokens} tokens)"

    def _waiting(self, now: float) -> float:
        return now - self.queued_at if self.queued_at is not None else 0.0

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
