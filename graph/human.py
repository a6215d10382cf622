"""Human in the loop: pauses (LangGraph ``interrupt()``) for outline review and between-round notes.

The pauses run at the start of the writer's step, before any model call, so resuming replays
nothing expensive. Front ends answer with ``resume_draft(run_id, ..., answer=...)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langgraph.types import interrupt

from core.events import Pause
from core.state import DraftState, Outline, completed_rounds


def with_human_pauses(writer: Callable[[DraftState], dict]) -> Callable[[DraftState], dict]:
    """Wrap the writer node: ask for outline approval and round notes when the request wants them."""

    def node(state: DraftState) -> dict[str, Any]:
        update: dict[str, Any] = {}
        request, done = state["request"], completed_rounds(state)
        if request.review_outline and not state.get("outline_reviewed", False):
            pause = Pause(question="outline", round=done + 1, outline=state["outline"])
            edited = _decoded(interrupt(pause.model_dump()))
            update["outline"] = Outline.model_validate(edited) if edited else state["outline"]
            update["outline_reviewed"] = True
        if request.ask_feedback and done and state.get("feedback_round", 0) != done:
            best = max(record.critique.overall for record in state["rounds"])
            notes = _decoded(
                interrupt(Pause(question="feedback", round=done + 1, best_score=best).model_dump())
            )
            update["feedback"] = " ".join(str(notes or "").split())[:2000]
            update["feedback_round"] = done
        return {**update, **writer({**state, **update})}  # type: ignore[typeddict-item]

    return node


def _decoded(answer: Any) -> Any:
    """Resume values arrive as JSON text (see ``graph.runner.check_answer``)."""
    return json.loads(answer) if isinstance(answer, str) else answer
