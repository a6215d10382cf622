"""An outline from the evidence: its sections are the sources' own subjects.

The candidates come from ``agents.outliner.planning``; the model only picks and orders them and
names the post, under a grammar that allows nothing else (a model that can write heads them in
its own words), and each section is assigned the passages it explains (``agents.text.evidence``).
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from agents.capability import WritingMode
from agents.outliner.planning import Candidate, evidence_candidates, headline_like
from agents.outliner.tidy_outline import tidy_outline, topic_overlap, usable_heading
from agents.text.cleanup import tidy_heading
from agents.text.evidence import EvidenceIndex, assign_passages
from agents.text.headings import heading_problem
from agents.text.lengths import section_count
from agents.text.prompts import ask_structured, render, shared_context
from backends.structured import StructuredOutputError, json_schema_for
from core.markers import split_sentences
from core.model_replies import SectionChoice, SectionPlan
from core.policy import run_policy
from core.state import DraftState, Outline, OutlineSection, Passage


def grounded_outline(
    model: BaseChatModel, state: DraftState, passages: list[Passage], writing: WritingMode = "extractive"
) -> dict | None:
    """An outline whose sections are the evidence's own subjects; None when the evidence offers
    fewer than three (the model then plans, and its sections get the passages that fit)."""
    request, sources = state["request"], state.get("sources", [])
    index = EvidenceIndex(passages)
    previous = state.get("outline")
    if previous is not None and any(s.passage_ids for s in previous.sections):
        # A later round keeps the plan and hands new evidence (from researched gaps) to its sections.
        kept = [list(s.passage_ids) for s in previous.sections]
        return {"outline": with_evidence(previous, request.topic, index, kept), "outline_reviewed": False}
    candidates, overview = evidence_candidates(request.topic, passages, sources, index)
    if len(candidates) < run_policy().outliner.min_sections:
        return None
    shown = candidates[: run_policy().outliner.max_choices]
    count = min(section_count(request.words, writes=writing == "free"), len(shown))
    if writing == "free":
        chosen, headings, title, warnings = plan_sections(model, state, shown, count, passages)
    else:
        chosen, title, warnings = choose_sections(model, state, shown, count)
        headings = [c.heading for c in chosen]
    sections = [
        OutlineSection(
            heading=heading,
            key_points=[key_point(c, passages)],
            source_ids=sorted(c.sources)[: run_policy().outliner.max_section_sources],
        )
        for c, heading in zip(chosen, headings, strict=True)
    ]
    outline = tidy_outline(
        Outline(title=title, sections=sections), {s.id for s in sources}, count, request.topic
    )
    # Each kept section's own subject's passages, matched by its key point: tidying may drop or
    # add a section, and a list by position would hand the rest their neighbours' evidence.
    by_point = {key_point(c, passages): c.passage_ids for c in chosen}
    preferred = [by_point.get(s.key_points[0], []) if s.key_points else [] for s in outline.sections]
    outline = with_evidence(outline, request.topic, index, preferred)
    relevance = index.scores(request.topic)
    intro = [pid for pid in sorted(relevance, key=lambda p: -relevance[p]) if pid in set(overview)]
    outline = outline.model_copy(
        update={"intro_passage_ids": fit_words(intro, passages, run_policy().outliner.intro_evidence_words)}
    )
    return {"outline": outline, "outline_reviewed": False, "warnings": warnings}


def choose_sections(
    model: BaseChatModel, state: DraftState, shown: list[Candidate], count: int, asked: bool = True
) -> tuple[list[Candidate], str, list[str]]:
    """The model picks ``count`` of the numbered candidates and writes a title (grammar-bound to
    the candidates' numbers); an unusable or repetitive pick is completed in ranking order."""
    request = state["request"]
    listing = "\n".join(f"{n}. {c.heading}" for n, c in enumerate(shown, 1))
    task = render("outliner", "choose", sections=count, candidates=listing)
    system = shared_context(request, state.get("notes", []), state.get("sources", []))
    schema = json_schema_for(SectionChoice)
    schema["properties"]["sections"].update(
        minItems=count, maxItems=count, items={"enum": list(range(1, len(shown) + 1))}
    )
    warnings: list[str] = []
    picks, title = [], request.topic
    try:
        if asked:
            reply = ask_structured(
                model,
                SectionChoice,
                system,
                task,
                json_schema=schema,
                max_tokens=run_policy().outliner.choice_max_tokens,
            )
            picks, title = [n for n in dict.fromkeys(reply.sections) if 1 <= n <= len(shown)], reply.title
    except StructuredOutputError as exc:
        warnings.append(f"outliner reply was unusable ({exc}); sections follow the evidence's ranking")
    for n in range(1, len(shown) + 1):
        if len(picks) >= count:
            break
        if n not in picks:
            picks.append(n)
    if topic_overlap(title, request.topic) == 0 or not headline_like(title):
        title = request.topic  # a title that names nothing of the topic, or rambles, misleads the reader
    return (
        [shown[n - 1] for n in picks[:count]],
        title if len(title) >= 5 else f"About {request.topic}",
        warnings,
    )


def plan_sections(
    model: BaseChatModel, state: DraftState, shown: list[Candidate], count: int, passages: list[Passage]
) -> tuple[list[Candidate], list[str], str, list[str]]:
    """A model that can write picks ``count`` of the numbered candidates, heads each in its own
    words and titles the post (grammar-bound to the candidates' numbers). A heading that reads as
    a fragment gives way to the candidate's own label when that reads better."""
    request = state["request"]
    by_id = {p.id: p for p in passages}
    opening = run_policy().outliner.opening_words
    listing = "\n".join(
        f"{n}. {c.heading}: {' '.join(by_id[c.passage_ids[0]].text.split()[:opening])}…"
        for n, c in enumerate(shown, 1)
    )
    task = render("outliner", "plan", sections=count, candidates=listing)
    system = shared_context(request, state.get("notes", []), state.get("sources", []))
    schema = json_schema_for(SectionPlan)
    sections_schema = schema["properties"]["sections"]
    sections_schema.update(minItems=count, maxItems=count)
    item = schema["$defs"]["NamedSection"] if "$defs" in schema else sections_schema["items"]
    item["properties"]["subject"] = {"enum": list(range(1, len(shown) + 1))}
    try:
        reply = ask_structured(
            model,
            SectionPlan,
            system,
            task,
            json_schema=schema,
            max_tokens=run_policy().outliner.plan_max_tokens,
        )
    except StructuredOutputError as exc:
        chosen, title, warnings = choose_sections(model, state, shown, count, asked=False)
        warnings.append(f"outliner reply was unusable ({exc}); sections follow the evidence's ranking")
        return chosen, [c.heading for c in chosen], title, warnings
    source_text = "\n".join(s.text for s in state.get("sources", []))
    picked: dict[int, str] = {}
    seen = {tidy_heading(reply.title).lower()}
    for named in reply.sections:
        if 1 <= named.subject <= len(shown) and named.subject not in picked:
            heading = best_heading(named.heading, shown[named.subject - 1].heading, source_text, seen)
            picked[named.subject] = heading
            seen.add(heading.lower())
    for n in range(1, len(shown) + 1):
        if len(picked) >= count:
            break
        if n not in picked:
            picked[n] = tidy_heading(shown[n - 1].heading)
            seen.add(picked[n].lower())
    chosen = [shown[n - 1] for n in list(picked)[:count]]
    title = (
        reply.title
        if topic_overlap(reply.title, request.topic) and headline_like(reply.title)
        else request.topic
    )
    return chosen, [picked[n] for n in list(picked)[:count]], title, []


def best_heading(written: str, label: str, source_text: str, seen: set[str]) -> str:
    """The model's heading, tidied, unless it is taken already or reads as a fragment and the
    source's label does not."""
    mine, theirs = tidy_heading(written), tidy_heading(label)
    if not usable_heading(mine, seen):
        return theirs
    if heading_problem(mine, source_text) is None or heading_problem(theirs, source_text) is not None:
        return mine
    return theirs


def with_evidence(outline: Outline, topic: str, index: EvidenceIndex, preferred: list[list[int]]) -> Outline:
    """The outline with each section's passages (most relevant to its heading and points first)."""
    queries = [f"{s.heading} {' '.join(s.key_points)}" for s in outline.sections]
    assigned = assign_passages(queries, index, run_policy().text.evidence_cap_words, preferred)
    by_id = {p.id: p for p in index.passages}
    sections = [
        section.model_copy(
            update={
                "passage_ids": ids,
                "source_ids": list(dict.fromkeys(by_id[i].source_id for i in ids))[
                    : run_policy().outliner.max_section_sources
                ]
                or section.source_ids,
            }
        )
        for section, ids in zip(outline.sections, assigned, strict=True)
    ]
    return outline.model_copy(update={"sections": sections})


def key_point(candidate: Candidate, passages: list[Passage]) -> str:
    """The first sentence of the candidate's first passage, as the section's key point."""
    first = next(p for p in passages if p.id == candidate.passage_ids[0])
    sentence = (split_sentences(first.text) or [first.text])[0]
    return (
        sentence[: run_policy().outliner.key_point_sentence_chars].rstrip()
        if len(sentence) >= 3
        else candidate.heading
    )


def fit_words(ids: list[int], passages: list[Passage], budget: int) -> list[int]:
    """The leading passages of ``ids`` that fit ``budget`` words (at least one)."""
    by_id = {p.id: p for p in passages}
    kept: list[int] = []
    total = 0
    for pid in ids:
        words = len(by_id[pid].text.split())
        if kept and total + words > budget:
            break
        kept.append(pid)
        total += words
    return kept
