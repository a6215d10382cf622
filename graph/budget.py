"""Budgets and the stop policy of a run: time and tokens spent, and when to stop at a safe point."""

from __future__ import annotations

from collections.abc import Callable

from core.events import AgentFinished, Event, RoundScored
from core.result import RunStatus
from core.state import DraftRequest, DraftState


class Budget:
    """What a run has spent (counting the steps of earlier sessions of a resumed run), and whether
    it should stop: on request, or once over its time or token budget after its first round.

    Attributes:
        stop_status: how the run ends when it stops (``stopped`` or ``budget_stopped``).
    """

    def __init__(
        self,
        request: DraftRequest,
        should_stop: Callable[[], bool] | None = None,
        resumed: DraftState | None = None,
    ) -> None:
        self.request, self.stop_requested = request, should_stop
        previous = (resumed or {}).get("telemetry", [])
        self.spent_seconds = sum(step.seconds for step in previous)
        self.spent_tokens = sum(step.completion_tokens for step in previous)
        self.rounds_done = len((resumed or {}).get("rounds", []))
        self.stop_status: RunStatus = "stopped"

    def account(self, event: Event) -> None:
        """Count a finished step's time and tokens, or a scored round."""
        if isinstance(event, AgentFinished):
            self.spent_seconds += event.seconds
            self.spent_tokens += event.completion_tokens
        elif isinstance(event, RoundScored):
            self.rounds_done = event.round

    def should_stop(self) -> bool:
        """Asked by every node before it starts: stop on request, or for a budget once a round is scored."""
        if self.stop_requested is not None and self.stop_requested():
            self.stop_status = "stopped"
            return True
        limits = self.request
        over_time = limits.max_seconds is not None and self.spent_seconds >= limits.max_seconds
        over_tokens = limits.max_tokens is not None and self.spent_tokens >= limits.max_tokens
        if (over_time or over_tokens) and self.rounds_done >= 1:
            self.stop_status = "budget_stopped"
            return True
        return False
