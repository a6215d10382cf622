"""Revision rounds: rewrite the sections that measure worst, keep a rewrite only if it measures better."""

from __future__ import annotations

from agents.text.after_generation import settle
from agents.text.evidence import quoted_evidence
from agents.text.grounding import SectionMeasure, better, measure_section, missing_facts
from agents.text.issues import for_writer, issue_lines
from agents.text.prompts import bullet_list
from agents.text.readability import flesch_reading_ease, repeated_ngram_ratio
from agents.writer.digest import densify
from agents.writer.sections import WritingContext, gained_section, generate
from core.policy import run_policy
from core.state import (
    Critique,
    DraftRequest,
    Passage,
    Section,
)


def revise_round(
    context: WritingContext,
    plan: list[Section],
    current: list[Section | None],
    evidence: list[list[Passage]],
    issues: list[str],
) -> tuple[list[Section], bool]:
    """Rewrite the sections that measure worst; keep a rewrite only if it measures better.
    ``current`` is the previous round's section at each index of the ``plan`` (None: it has none).

    Returns the sections and whether any of them changed.
    """
    if not context.grounded:
        return revise_all(context, plan, current, issues)
    measures = [
        measure_section(s.body, ev, context.corpus, True) if s is not None else None
        for s, ev in zip(current, evidence, strict=True)
    ]
    worst = revision_targets(measures, evidence)
    sections: list[Section] = []
    changed = False
    for position, part in enumerate(plan):
        length, old = part.words, current[position]
        if old is None:  # a section without earlier text: write it new
            sections.append(gained_section(context, part, evidence[position]))
            changed = True
            continue
        if position not in worst:
            sections.append(settled(context, part, old.body))
            continue
        measure = measures[position]
        assert measure is not None
        facts = bullet_list(missing_facts(evidence[position], measure))
        values = {
            "text": old.body,
            "issues": bullet_list(issues),
            "facts": facts,
            "evidence": quoted_evidence(evidence[position]),
            "example": evidence[position][0].source_id,
        }
        rewritten = generate(
            context,
            part,
            "revise_evidence",
            evidence[position],
            values,
            seed=run_policy().writer.revision_seed + context.round_number,
        ).body
        denser = densify(old.body, evidence[position], part.subject, length)
        body, new = best_revision([rewritten, denser], evidence[position], context)
        if better(new, measure) and revision_not_worse(old.body, body, length):
            sections.append(settled(context, part, body))
            changed = True
        else:  # a worse rewrite must not replace the section
            sections.append(settled(context, part, old.body))
    return sections, changed


def settled(context: WritingContext, part: Section, body: str) -> Section:
    """The planned section ``part`` holding ``body`` as it joins the draft
    (``agents.text.after_generation``)."""
    joined = settle(body, context.known_ids, context.seen)
    context.seen = joined.seen
    return part.model_copy(update={"body": joined.body})


def best_revision(
    candidates: list[str], evidence: list[Passage], context: WritingContext
) -> tuple[str, SectionMeasure]:
    """The candidate that states most of its evidence, then invents least."""
    measured = [(c, measure_section(c, evidence, context.corpus, True)) for c in candidates if c]
    if not measured:
        return "", measure_section("", evidence, context.corpus, True)
    return max(measured, key=lambda item: ((item[1].coverage or 0.0), -item[1].invented))


def revision_targets(measures: list[SectionMeasure | None], evidence: list[list[Passage]]) -> set[int]:
    """Positions of the sections to rewrite: those with evidence left unstated or with invented
    specifics, worst first, at most half of the sections."""

    def badness(position: int) -> tuple[int, float, float]:
        m = measures[position]
        assert m is not None
        return (-m.invented, m.coverage if m.coverage is not None else 1.0, -m.repetition)

    open_positions = [
        i for i, m in enumerate(measures) if m is not None and evidence[i] and (m.missing or m.invented)
    ]
    limit = max(1, round(run_policy().writer.max_revised_share * len(measures)))
    return set(sorted(open_positions, key=badness)[:limit])


def revise_all(
    context: WritingContext, plan: list[Section], current: list[Section | None], issues: list[str]
) -> tuple[list[Section], bool]:
    """Without sources: every section is revised against the critique, kept if not worse."""
    sections, changed = [], False
    for part, old in zip(plan, current, strict=True):
        if old is None:
            sections.append(gained_section(context, part, []))
            changed = True
            continue
        values: dict[str, object] = {"text": old.body, "issues": bullet_list(issues)}
        rewritten = generate(
            context,
            part,
            "revise",
            [],
            values,
            seed=run_policy().writer.revision_seed + context.round_number,
        )
        body = rewritten.body
        if revision_not_worse(old.body, body, part.words) and body != old.body:
            context.seen = rewritten.seen  # settled as it was generated
            sections.append(part.model_copy(update={"body": body}))
            changed = True
        else:
            sections.append(settled(context, part, old.body))
    return sections, changed


def revision_not_worse(old: str, new: str, planned: int) -> bool:
    """Accept a rewrite only if it keeps the length and is not measurably harder to read or more
    repetitive than the text it replaces: small models' rewrites often repeat phrases and
    lengthen sentences, and a round must not make the draft worse."""
    if not revision_keeps_length(old, new, planned):
        return False
    if repeated_ngram_ratio(new) > repeated_ngram_ratio(old) + run_policy().writer.repeat_slack:
        return False
    return flesch_reading_ease(new) >= flesch_reading_ease(old) - run_policy().writer.readability_slack


def revision_keeps_length(old: str, new: str, planned: int) -> bool:
    """Accept a non-empty rewrite within 10% of the planned length, or one no further from the
    plan than the text it replaces: small models shrink text they revise, round after round."""
    old_words, new_words = len(old.split()), len(new.split())
    if new_words == 0:
        return False
    return abs(new_words - planned) <= max(
        abs(old_words - planned), run_policy().writer.length_slack * planned
    )


RUBRIC_ADVICE = {
    "clarity": "use short, plain sentences and say each thing only once",
    "depth": "add a specific fact, number or example from the research notes",
    "style": "write for {audience} in a {tone} tone",
}
UNSOURCED_DEPTH_ADVICE = "add a specific example or practical detail"  # no notes to draw facts from


def revision_advice(critique: Critique | None, request: DraftRequest, has_sources: bool) -> list[str]:
    """What the revision should fix: the critique's issues (without per-sentence citation
    details) or, when it names none (small models often reply with scores only), advice for
    each model-judged rubric item that scored low."""
    if critique is None:
        return []
    issues = issue_lines(for_writer(critique.issues))
    if issues:
        return issues
    advice = {**RUBRIC_ADVICE, **({} if has_sources else {"depth": UNSOURCED_DEPTH_ADVICE})}
    scores = critique.scores.model_dump()
    return [
        text.format(audience=request.audience, tone=request.tone)
        for item, text in advice.items()
        if scores[item] <= run_policy().writer.low_score
    ]
