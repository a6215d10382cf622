"""Outliner: the evidence (or, without sources, the model's plan) -> a structured outline.

With evidence, the sections are what the sources cover (``agents.outliner.planning``): the model only
picks and orders the candidates and names the post, under a grammar that allows nothing else,
and each section is assigned the passages it explains (``agents.text.evidence``). Without evidence
the model plans freely; an off-topic plan is asked again, then replaced by a simple one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.capability import WritingMode
from agents.outliner.planning import Candidate, evidence_candidates, headline_like
from agents.text.checks import heading_problem
from agents.text.cleanup import tidy_heading
from agents.text.evidence import EVIDENCE_CAP_WORDS, EvidenceIndex, assign_passages
from agents.text.issues import issue_lines
from agents.text.lengths import MIN_SECTIONS, section_count
from agents.text.prompts import bullet_list, messages_for, note_text, render, shared_context
from agents.text.unsourced import plan_from_topic, topic_sections
from backends.structured import StructuredOutputError, invoke_structured, json_schema_for
from core.markers import split_sentences
from core.state import (
    DraftRequest,
    DraftState,
    Note,
    Outline,
    OutlineSection,
    Passage,
    SectionChoice,
    SectionPlan,
    Source,
)
from core.text import content_words

OUTLINE_MAX_TOKENS = 450
KEY_POINT_CHARS = 90
OFF_TOPIC_ATTEMPTS = 2
RETRY_SEED = 7001
RESERVED_HEADINGS = {"introduction", "intro", "conclusion", "research notes", "references", "summary"}


def make_outliner(model: BaseChatModel, writing: WritingMode = "extractive") -> Callable[[DraftState], dict]:
    """Build the outliner node: a grammar-constrained outline, with a safe fallback. A model that
    can write (``writing="free"``) heads the evidence's sections in its own words."""

    def outliner(state: DraftState) -> dict:
        passages = state.get("passages", [])
        if passages:
            grounded = grounded_outline(model, state, passages, writing)
            if grounded is not None:
                return grounded
        request = state["request"]
        previous = state.get("outline")
        critique = state.get("critique")
        revision = ""
        if previous is not None and critique is not None:
            revision = render(
                "outliner",
                "revision",
                previous=json.dumps(previous.model_dump(), ensure_ascii=False),
                issues=bullet_list(issue_lines(critique.issues) + critique.gaps),
            )
        count = section_count(request.words)
        task = render("outliner", "outline", sections=count, revision=revision)
        sources = state.get("sources", [])
        system = shared_context(request, state.get("notes", []), sources)
        warnings: list[str] = []
        outline: Outline | None = None
        on_topic = False
        for attempt in range(OFF_TOPIC_ATTEMPTS):
            try:
                outline, _ = invoke_structured(
                    model,
                    Outline,
                    messages_for(system, task),
                    json_schema=outline_schema(count),
                    max_tokens=OUTLINE_MAX_TOKENS,
                    **({"seed": RETRY_SEED + attempt} if attempt else {}),
                )
            except StructuredOutputError as exc:
                outline = None
                warnings.append(f"outliner reply was unusable ({exc}); using a simple outline")
                break
            on_topic = is_on_topic(outline, request.topic)
            if on_topic:
                break
        if outline is None or not on_topic:
            if outline is not None:
                warnings.append("the outliner's plan was off topic; using a simple outline")
            outline = previous or fallback_outline(request, state.get("notes", []), sources, count)
        if not sources and writing == "extractive":
            tidy, notes = plan_from_topic(outline, request, count)
            warnings += notes
        else:
            tidy = tidy_outline(outline, {s.id for s in sources}, count, request.topic)
        if passages:
            tidy = with_evidence(tidy, request.topic, EvidenceIndex(passages), [[] for _ in tidy.sections])
        return {"outline": tidy, "outline_reviewed": False, "warnings": warnings}

    return outliner


MAX_CHOICES = 8  # candidates shown to the model
CHOICE_MAX_TOKENS = 80
INTRO_EVIDENCE_WORDS = 120


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
    if len(candidates) < 3:
        return None
    shown = candidates[:MAX_CHOICES]
    count = min(section_count(request.words), len(shown))
    if writing == "free":
        chosen, headings, title, warnings = plan_sections(model, state, shown, count, passages)
    else:
        chosen, title, warnings = choose_sections(model, state, shown, count)
        headings = [c.heading for c in chosen]
    sections = [
        OutlineSection(
            heading=heading,
            key_points=[key_point(c, passages)],
            source_ids=sorted(c.sources)[:4],
        )
        for c, heading in zip(chosen, headings, strict=True)
    ]
    outline = tidy_outline(
        Outline(title=title, sections=sections), {s.id for s in sources}, count, request.topic
    )
    outline = with_evidence(outline, request.topic, index, [c.passage_ids for c in chosen])
    relevance = index.scores(request.topic)
    intro = [pid for pid in sorted(relevance, key=lambda p: -relevance[p]) if pid in set(overview)]
    outline = outline.model_copy(
        update={"intro_passage_ids": fit_words(intro, passages, INTRO_EVIDENCE_WORDS)}
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
            reply, _ = invoke_structured(
                model,
                SectionChoice,
                messages_for(system, task),
                json_schema=schema,
                max_tokens=CHOICE_MAX_TOKENS,
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


OPENING_WORDS = 18  # words of a candidate's first passage shown beside its label
PLAN_MAX_TOKENS = 200


def plan_sections(
    model: BaseChatModel, state: DraftState, shown: list[Candidate], count: int, passages: list[Passage]
) -> tuple[list[Candidate], list[str], str, list[str]]:
    """A model that can write picks ``count`` of the numbered candidates, heads each in its own
    words and titles the post (grammar-bound to the candidates' numbers). A heading that reads as
    a fragment gives way to the candidate's own label when that reads better."""
    request = state["request"]
    by_id = {p.id: p for p in passages}
    listing = "\n".join(
        f"{n}. {c.heading}: {' '.join(by_id[c.passage_ids[0]].text.split()[:OPENING_WORDS])}…"
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
        reply, _ = invoke_structured(
            model, SectionPlan, messages_for(system, task), json_schema=schema, max_tokens=PLAN_MAX_TOKENS
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
    assigned = assign_passages(queries, index, EVIDENCE_CAP_WORDS, preferred)
    by_id = {p.id: p for p in index.passages}
    sections = [
        section.model_copy(
            update={
                "passage_ids": ids,
                "source_ids": list(dict.fromkeys(by_id[i].source_id for i in ids))[:4] or section.source_ids,
            }
        )
        for section, ids in zip(outline.sections, assigned, strict=True)
    ]
    return outline.model_copy(update={"sections": sections})


def key_point(candidate: Candidate, passages: list[Passage]) -> str:
    """The first sentence of the candidate's first passage, as the section's key point."""
    first = next(p for p in passages if p.id == candidate.passage_ids[0])
    sentence = (split_sentences(first.text) or [first.text])[0]
    return sentence[:150].rstrip() if len(sentence) >= 3 else candidate.heading


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


def topic_overlap(text: str, topic: str) -> int:
    """How many of the topic's content words (stemmed) occur in ``text``."""
    return len(content_words(topic) & content_words(text))


def is_on_topic(outline: Outline, topic: str) -> bool:
    """True when the plan's words share at least two of the topic's content words (one for a
    one-word topic): small models sometimes plan a generic post about something else."""
    plan = " ".join([outline.title, *(s.heading + " " + " ".join(s.key_points) for s in outline.sections)])
    return topic_overlap(plan, topic) >= min(2, len(content_words(topic)))


def outline_schema(count: int) -> dict[str, Any]:
    """The Outline JSON schema with exactly ``count`` sections and short key points (fewer tokens)."""
    schema = json_schema_for(Outline)
    schema["properties"].pop("intro_passage_ids", None)
    schema["properties"]["sections"]["items"]["properties"].pop("passage_ids", None)
    sections = schema["properties"]["sections"]
    sections["minItems"] = sections["maxItems"] = count
    sections["items"]["properties"]["key_points"].update(maxItems=3)
    return schema


def tidy_outline(outline: Outline, known_ids: set[int], count: int = 6, topic: str = "") -> Outline:
    """Tidy headings, drop unknown source ids, duplicate headings and sections beyond ``count``.

    A heading that repeats another, echoes a prompt word or is a placeholder is replaced by the
    section's first key point; a section with neither is dropped, and a plan left with fewer
    than three sections is completed with ones named after the ``topic`` (the title when none is
    given; ``agents.text.unsourced.topic_sections``), never "Part 3" nor the same generic headings on
    every topic. The result is validated again, so what goes into the state always satisfies
    the schema.
    """
    seen: set[str] = {tidy_heading(outline.title).lower()}
    sections = []
    for section in outline.sections[:count]:
        heading = tidy_heading(section.heading)
        if not usable_heading(heading, seen):
            # small models repeat headings or echo prompt words: name the section after its first point
            heading = tidy_heading(section.key_points[0])[:KEY_POINT_CHARS].rstrip(" .").capitalize()
        if not usable_heading(heading, seen):
            continue
        seen.add(heading.lower())
        ids = [i for i in dict.fromkeys(section.source_ids) if i in known_ids]
        sections.append({**section.model_dump(), "heading": heading, "source_ids": ids})
    title = tidy_heading(outline.title)
    title = title if len(title) >= 5 else outline.title
    for planned in topic_sections(topic or title):
        if len(sections) >= MIN_SECTIONS:
            break
        if planned.heading.lower() not in seen:
            seen.add(planned.heading.lower())
            sections.append(planned.model_dump())
    return Outline.model_validate({"title": title, "sections": sections})


UNUSABLE_HEADINGS = ("is a placeholder", "is too long for a heading", "is cut off mid-phrase")


def usable_heading(heading: str, seen: set[str]) -> bool:
    """A heading that is new in the plan, not a prompt word, and not a placeholder."""
    lowered = heading.lower()
    if lowered in seen or lowered in RESERVED_HEADINGS or len(heading) < 3:
        return False
    return heading_problem(heading) not in UNUSABLE_HEADINGS


def fallback_outline(
    request: DraftRequest,
    notes: list[Note] | None = None,
    sources: list[Source] | None = None,
    count: int = 3,
) -> Outline:
    """A sound outline for when the model cannot produce one: a section per researched source
    (heading = its title, key point = its note, citing it), else three sections named after the
    topic (``agents.text.unsourced.topic_sections``)."""
    topic = request.topic
    title = topic[:110] if len(topic) >= 5 else f"About {topic}"
    titles = {source.id: tidy_heading(source.title) for source in sources or []}
    sections: list[OutlineSection] = []
    used: set[str] = set()
    for note in notes or []:
        heading = titles.get(note.source_id, "")[:KEY_POINT_CHARS]
        if len(heading) < 3 or heading.lower() in used or len(sections) == count:
            continue
        used.add(heading.lower())
        point = note_text(note.text, heading)[:KEY_POINT_CHARS] or heading
        sections.append(OutlineSection(heading=heading, key_points=[point], source_ids=[note.source_id]))
    if len(sections) >= 3:
        return Outline(title=title, sections=sections)
    return Outline(title=title, sections=topic_sections(topic))
