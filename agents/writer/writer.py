"""Writer: outline + evidence -> a draft, section by section; later rounds revise the worst sections."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from agents.capability import WritingMode
from agents.text.evidence import within_budget
from agents.text.grounding import corpus_for, source_ngrams
from agents.text.markdown import render_markdown
from agents.text.outline import by_index, evidence_of, identified, plan_sections
from agents.text.prompts import bullet_list, render, shared_context
from agents.text.section_report import make_checker
from agents.writer.copy_budget import ration_copied_facts
from agents.writer.free_rounds import body_evidence, free_first_draft, free_revision_round
from agents.writer.revision import revise_round, revision_advice
from agents.writer.sections import WritingContext, compose, evidence_budget
from core.policy import run_policy
from core.state import (
    DraftRequest,
    DraftState,
    Outline,
    Passage,
    Section,
    Source,
    author_notes,
    completed_rounds,
)


def make_writer(model: BaseChatModel, writing: WritingMode = "extractive") -> Callable[[DraftState], dict]:
    """Build the writer node. Each section is one short generation (small models stay on track).

    With evidence, every section call carries its own passages as quoted data; a later round
    rewrites only the sections that measure worst and keeps a rewrite only if it measures better.
    ``writing`` (``agents.capability``): "free" for a model that can write (it writes, the
    pipeline checks and asks for fixes, ``agents.writer.free_rounds``), "extractive" for one that
    cannot (its sentences are checked and the sources' condensed facts woven in).
    """

    def writer(state: DraftState) -> dict:
        request, outline = state["request"], state["outline"]
        critique = state.get("critique")
        passages = {p.id: p for p in state.get("passages", [])}
        sources = state.get("sources", [])
        known_ids = {s.id for s in sources}
        context = WritingContext(
            model=model,
            request=request,
            outline=outline,
            system=shared_context(request, state.get("notes", []), sources),
            brief=writer_brief(request, outline, bool(known_ids)),
            known_ids=known_ids,
            corpus=corpus_for(request, sources),
            grounded=bool(known_ids),
            round_number=completed_rounds(state) + 1,
        )
        plan = plan_sections(request, outline)
        evidence = [
            within_budget(evidence_of(part, passages), evidence_budget(context, part.words)) for part in plan
        ]
        previous = by_index(identified(state.get("sections", []), request, outline))
        if writing == "free":
            return free_writer_update(context, state, plan, evidence)
        if critique is not None and previous:
            issues = revision_advice(critique, request, bool(known_ids)) + [
                f"the author asks: {n}" for n in author_notes(state)
            ]
            current = [previous.get(index) for index in range(len(plan))]
            sections, changed = revise_round(context, plan, current, evidence, issues)
        else:
            sections, changed = first_draft(context, plan, evidence), True
        if context.grounded:
            rationed = with_rationed_facts(sections, evidence, sources)
            changed = changed or rationed != sections
            sections = rationed
        update: dict = {"sections": sections, "draft": render_markdown(outline.title, sections)}
        warnings = ([] if changed else [NOTHING_REVISED]) + left_out(sections)
        written = sum(len(s.body.split()) for s in sections)
        if context.grounded and written < run_policy().writer.short_share * request.words:
            warnings.append(SHORT_DRAFT.format(words=written, target=request.words))
        if warnings:
            update["warnings"] = warnings
        return update

    return writer


def free_writer_update(
    context: WritingContext, state: DraftState, plan: list[Section], evidence: list[list[Passage]]
) -> dict:
    """The writer's update for a model that can write: a first draft, or a revision round."""
    sources = state.get("sources", [])
    checker = make_checker(context.request, sources, state.get("passages", []), context.outline.title)
    evidence = body_evidence(plan, evidence)
    previous = by_index(identified(state.get("sections", []), context.request, context.outline))
    critique = state.get("critique")
    if critique is not None and previous:
        current = [previous.get(index) or part for index, part in enumerate(plan)]
        sections, changes, notes = free_revision_round(context, checker, current, evidence, critique)
    else:
        sections, notes = free_first_draft(context, checker, plan, evidence)
        changes = ["first draft"]
    update: dict = {
        "sections": sections,
        "draft": render_markdown(context.outline.title, sections),
        "changes": changes,
    }
    notes += left_out(sections)
    if notes:
        update["warnings"] = notes
    return update


def left_out(sections: list[Section]) -> list[str]:
    """A warning for each planned section left without text (nothing the model wrote for it
    passed the checks), so the post's missing heading is never a silent loss."""
    return [
        f'section "{s.heading}" was left out: nothing the model wrote for it passed the checks'
        for s in sections
        if s.role != "intro" and not s.body.strip()
    ]


NOTHING_REVISED = "the revision round changed no section: no rewrite measured better"
SHORT_DRAFT = (
    "the draft is {words} of {target} words: most of the model's own sentences were off the subject or "
    "stated things no source says, so the post keeps the sources' facts only; a larger model "
    "(e.g. the llama3.2-3b preset) writes the full length"
)


def with_rationed_facts(
    sections: list[Section], evidence: list[list[Passage]], sources: list[Source]
) -> list[Section]:
    """The sections with the facts that copy a source's wording added where they are worth most,
    within the draft's copy budget (see :func:`agents.writer.copy_budget.ration_copied_facts`)."""
    bodies = ration_copied_facts(
        [s.body for s in sections],
        evidence,
        [s.subject for s in sections],
        [s.words for s in sections],
        source_ngrams(s.text for s in sources),
    )
    return [s.model_copy(update={"body": body}) for s, body in zip(sections, bodies, strict=True)]


def writer_brief(request: DraftRequest, outline: Outline, has_sources: bool) -> str:
    """The brief that opens every section call of a round (identical, so llama.cpp reuses it)."""
    citing = render("writer", "cite") if has_sources else render("writer", "nocite")
    if request.voice_sample:
        citing += "\n" + render(
            "writer", "voice", sample=request.voice_sample[: run_policy().writer.voice_chars]
        )
    headings = ", ".join(f'"{s.heading}"' for s in outline.sections)
    return render("writer", "brief", title=outline.title, headings=headings, citing=citing)


def first_draft(context: WritingContext, plan: list[Section], evidence: list[list[Passage]]) -> list[Section]:
    """Intro, body sections and conclusion, each written from its own evidence."""
    outline = context.outline
    sections = [compose(context, plan[0], "intro", evidence[0])]
    for index, planned in enumerate(outline.sections):
        covered = ", ".join(s.heading for s in outline.sections[:index]) or "nothing yet"
        points = bullet_list(planned.key_points)
        if planned.source_ids and not evidence[index + 1]:
            points += "\nUseful notes: " + ", ".join(f"[{i}]" for i in planned.source_ids)
        sections.append(
            compose(context, plan[index + 1], "section", evidence[index + 1], points=points, covered=covered)
        )
    sections.append(compose(context, plan[-1], "conclusion", []))
    return sections
