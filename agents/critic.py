"""Critic: scores the draft on the rubric (grammar-constrained) and folds in objective measurements.

``overall`` = mean of the five rubric scores minus penalties for measured problems (repetition,
length off target, missing sections, missing or unsupported citations). Grounding and structure
are measured (``agents.metrics.measured_rubric``); the model judges clarity, depth and style.
A reply that cannot be
validated yields a fallback critique that ends the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import mean

from langchain_core.language_models import BaseChatModel

from agents.metrics import describe, measure_draft, measured_rubric, objective_findings
from agents.prompts import messages_for, render, shared_context
from backends.structured import StructuredOutputError, invoke_structured
from graph.state import (
    Critique,
    CritiqueReply,
    DraftState,
    RoundRecord,
    RubricScores,
    author_notes,
    completed_rounds,
)

CRITIC_MAX_TOKENS = 400
CRITIC_TEMPERATURE = 0.0  # the same draft gets the same scores, so rounds compare fairly
DRAFT_CHARS = 9000
FALLBACK_SCORE = 5


def make_critic(model: BaseChatModel) -> Callable[[DraftState], dict]:
    """Build the critic node; it appends one RoundRecord per call (the round counter)."""

    def critic(state: DraftState) -> dict:
        request, outline, sections = state["request"], state["outline"], state["sections"]
        sources = state.get("sources", [])
        metrics, weak_citations = measure_draft(request, outline, sections, sources)
        notes = author_notes(state)
        feedback = f"The author asked for: {' '.join(notes)} Check that the draft does this." if notes else ""
        task = render(
            "critic",
            "critique",
            draft=state["draft"][:DRAFT_CHARS],
            facts=describe(metrics, request.words),
            feedback=feedback,
        )
        system = shared_context(request, state.get("notes", []), sources)
        penalty, measured_issues = objective_findings(metrics, outline, bool(sources))
        measured_issues += weak_citations
        warnings = []
        try:
            reply, _ = invoke_structured(
                model,
                CritiqueReply,
                messages_for(system, task),
                max_tokens=CRITIC_MAX_TOKENS,
                temperature=CRITIC_TEMPERATURE,
            )
            scores = measured_rubric(reply.scores, metrics, outline, bool(sources))
            issues, gaps, fallback = reply.issues, reply.gaps, False
        except StructuredOutputError as exc:
            scores = RubricScores.model_validate(dict.fromkeys(RubricScores.model_fields, FALLBACK_SCORE))
            issues, gaps, fallback = [], [], True
            warnings.append(f"critic reply was unusable ({exc}); ending with the best draft so far")
        overall = max(0.0, min(10.0, mean(scores.model_dump().values()) - penalty))
        critique = Critique(
            scores=scores,
            overall=round(overall, 1),
            issues=measured_issues + [i for i in issues if i not in measured_issues],
            gaps=gaps,
            metrics=metrics,
            fallback=fallback,
        )
        record = RoundRecord(
            round=completed_rounds(state) + 1, title=outline.title, markdown=state["draft"], critique=critique
        )
        return {"critique": critique, "rounds": [record], "warnings": warnings}

    return critic
