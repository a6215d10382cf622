"""Critic: scores the draft on the rubric (grammar-constrained) and folds in objective measurements.

``overall`` = mean of the five rubric scores minus penalties for measured problems (repetition,
length off target, missing sections, missing or unsupported citations). Grounding and structure
are measured, clarity is half measured (``agents.critic.metrics.measured_rubric``); the model judges
clarity, depth and style. Where the model can report token probabilities (llama.cpp), each of
those judgements is the probability-weighted mean rating (``backends.ratings``), not the one
digit it sampled: one question per item, asked right after the draft (so the draft's evaluated
tokens are reused). A reply that cannot be validated yields a fallback critique that ends the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from statistics import mean

from langchain_core.language_models import BaseChatModel

from agents.capability import WritingMode
from agents.critic.metrics import describe, measure_draft, measured_rubric, objective_findings
from agents.critic.section_findings import fixable, section_findings
from agents.text.outline import identified
from agents.text.prompts import ask_structured, messages_for, render, shared_context
from backends.ratings import RatesByProbability, expected_rating
from backends.structured import StructuredOutputError
from core.model_replies import CritiqueReply, JudgedScores
from core.policy import run_policy
from core.state import (
    Critique,
    CritiqueIssue,
    DraftState,
    RoundRecord,
    RubricScores,
    Section,
    author_notes,
    completed_rounds,
)

JUDGED_ITEMS = ("clarity", "depth", "style")  # what the model judges; the rest is measured
UNUSABLE_PROBABILITIES = (
    "the model put little probability on any rating 1-10 for some rubric items; "
    "their sampled scores were kept"
)


def make_critic(model: BaseChatModel, writing: WritingMode = "extractive") -> Callable[[DraftState], dict]:
    """Build the critic node; it appends one RoundRecord per call (the round counter). For a
    model that can write, the measured issues also name each section's own problems."""

    def critic(state: DraftState) -> dict:
        request, outline = state["request"], state["outline"]
        sections = identified(state["sections"], request, outline)
        sources = state.get("sources", [])
        metrics, weak_citations = measure_draft(
            request, outline, sections, sources, state.get("passages", [])
        )
        notes = author_notes(state)
        feedback = f"The author asked for: {' '.join(notes)} Check that the draft does this." if notes else ""
        # The draft comes first so the rating questions after the critique reuse its tokens.
        draft = render("critic", "draft", draft=state["draft"][: run_policy().critic.draft_chars])
        task = (
            draft
            + "\n\n"
            + render("critic", "critique", facts=describe(metrics, request.words), feedback=feedback)
        )
        system = shared_context(request, state.get("notes", []), sources)
        penalty, measured_issues = objective_findings(metrics, outline, bool(sources))
        measured_issues += weak_citations
        if writing == "free":
            measured_issues += section_findings(state)
        warnings = []
        try:
            # A model that can write is judged by its rating probabilities alone: its measured
            # issues name each section's problems, and a written critique would cost a long
            # generation the next round does not need.
            weighted = weighted_judgements(model, system, draft) if writing == "free" else {}
            if len(weighted) == len(JUDGED_ITEMS):
                judged: dict[str, float] = dict(weighted)
                issues, gaps = [], []
            else:
                reply = ask_structured(
                    model,
                    CritiqueReply,
                    system,
                    task,
                    max_tokens=run_policy().critic.critic_max_tokens,
                    temperature=run_policy().critic.critic_temperature,
                )
                weighted = weighted or weighted_judgements(model, system, draft)
                if isinstance(model, RatesByProbability) and len(weighted) < len(JUDGED_ITEMS):
                    warnings.append(UNUSABLE_PROBABILITIES)
                judged = {**reply.scores.model_dump(), **weighted}
                issues, gaps = reply.issues, reply.gaps
            scores = measured_rubric(judged, metrics, outline, bool(sources))
            fallback = False
        except StructuredOutputError as exc:
            scores = RubricScores.model_validate(
                dict.fromkeys(RubricScores.model_fields, float(run_policy().critic.fallback_score))
            )
            issues, gaps, fallback = [], [], True
            warnings.append(f"critic reply was unusable ({exc}); ending with the best draft so far")
        overall = max(0.0, min(10.0, mean(scores.model_dump().values()) - penalty))
        critique = Critique(
            scores=scores,
            overall=round(overall, 1),
            issues=measured_issues + model_notes(issues, measured_issues, sections),
            gaps=gaps,
            metrics=metrics,
            fallback=fallback,
        )
        if writing == "free":
            critique.fixable = fixable(critique.issues)
        record = RoundRecord(
            round=completed_rounds(state) + 1,
            title=outline.title,
            markdown=state["draft"],
            critique=critique,
            changes=state.get("changes", []),
        )
        return {"critique": critique, "rounds": [record], "warnings": warnings}

    return critic


def model_notes(
    lines: list[str], measured: list[CritiqueIssue], sections: Sequence[Section] = ()
) -> list[CritiqueIssue]:
    """The critic model's own issues, as notes, without those the measurements already name; a
    note that quotes a section's heading is about that section."""
    known = {issue.text for issue in measured}
    notes = []
    for line in lines:
        if line in known:
            continue
        named = named_section(line, sections)
        notes.append(
            CritiqueIssue(
                kind="note",
                text=line,
                section=named.heading if named else None,
                section_index=named.index if named else None,
            )
        )
    return notes


def named_section(line: str, sections: Sequence[Section]) -> Section | None:
    """The first section whose heading (of two words or more) ``line`` quotes, if one: the model
    names a section only by its words."""
    lowered = line.lower()
    return next((s for s in sections if len(s.heading.split()) >= 2 and s.heading.lower() in lowered), None)


def weighted_judgements(model: BaseChatModel, system: str, draft: str) -> dict[str, float]:
    """Each model-judged rubric item as the probability-weighted mean rating; items the model
    cannot rate this way are left out (the sampled score stands)."""
    judged = {}
    for item in JUDGED_ITEMS:
        question = render("critic", "rate", item=item, meaning=JudgedScores.model_fields[item].description)
        value = expected_rating(model, messages_for(system, draft + "\n\n" + question))
        if value is not None:
            judged[item] = value
    return judged
