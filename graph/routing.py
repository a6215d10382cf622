"""Pure routing decisions. They read typed fields of the state, never free text."""

from __future__ import annotations

from typing import Literal

from graph.state import MAX_ROUNDS, DraftState, RoundRecord

AfterCritique = Literal["researcher", "writer", "__end__"]


def route_after_critique(state: DraftState) -> AfterCritique:
    """Stop at the threshold, the round cap or a fallback verdict; else research the gaps or rewrite.

    The cap is ``min(request.rounds, MAX_ROUNDS)``, so a sixth round cannot happen whatever the
    request says.
    """
    request, rounds = state["request"], state.get("rounds", [])
    if not rounds:
        return "writer"
    verdict = rounds[-1].critique
    cap = min(request.rounds, MAX_ROUNDS)
    if verdict.fallback or verdict.overall >= request.threshold or len(rounds) >= cap:
        return "__end__"
    if verdict.gaps and request.search != "off":
        return "researcher"
    return "writer"


def best_round(rounds: list[RoundRecord]) -> RoundRecord:
    """The highest-scoring round; a tie goes to the later round (it had more feedback)."""
    if not rounds:
        raise ValueError("no round was completed")
    return max(rounds, key=lambda record: (record.critique.overall, record.round))
