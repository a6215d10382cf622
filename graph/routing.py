"""Pure routing decisions. They read typed fields of the state, never free text."""

from __future__ import annotations

from typing import Literal

from core.rounds import stop_reason
from core.state import DraftState

AfterCritique = Literal["researcher", "writer", "__end__"]


def route_after_critique(state: DraftState) -> AfterCritique:
    """Stop when ``stop_reason`` names a reason; else research the gaps or rewrite.

    The cap is ``min(request.rounds, MAX_ROUNDS)``, so a sixth round cannot happen whatever the
    request says.
    """
    request, rounds = state["request"], state.get("rounds", [])
    if not rounds:
        return "writer"
    if stop_reason(request, rounds) is not None:
        return "__end__"
    if rounds[-1].critique.gaps and request.search != "off":
        return "researcher"
    return "writer"
