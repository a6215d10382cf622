"""Outliner: research notes (and, later, the critique) -> a structured outline."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.cleanup import tidy_heading
from agents.prompts import bullet_list, messages_for, note_text, render, shared_context
from backends.structured import StructuredOutputError, invoke_structured, json_schema_for
from graph.state import DraftRequest, DraftState, Note, Outline, OutlineSection, Source
from tools.text import content_words

WORDS_PER_SECTION = 150
OUTLINE_MAX_TOKENS = 450
KEY_POINT_CHARS = 90
OFF_TOPIC_ATTEMPTS = 2
RETRY_SEED = 7001
RESERVED_HEADINGS = {"introduction", "intro", "conclusion", "research notes", "references", "summary"}


def make_outliner(model: BaseChatModel) -> Callable[[DraftState], dict]:
    """Build the outliner node: a grammar-constrained outline, with a safe fallback."""

    def outliner(state: DraftState) -> dict:
        request = state["request"]
        previous = state.get("outline")
        critique = state.get("critique")
        revision = ""
        if previous is not None and critique is not None:
            revision = render(
                "outliner",
                "revision",
                previous=json.dumps(previous.model_dump(), ensure_ascii=False),
                issues=bullet_list(critique.issues + critique.gaps),
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
        tidy = tidy_outline(outline, {s.id for s in sources}, count)
        return {"outline": tidy, "outline_reviewed": False, "warnings": warnings}

    return outliner


def topic_overlap(text: str, topic: str) -> int:
    """How many of the topic's content words (stemmed) occur in ``text``."""
    return len(content_words(topic) & content_words(text))


def is_on_topic(outline: Outline, topic: str) -> bool:
    """True when the plan's words share at least two of the topic's content words (one for a
    one-word topic): small models sometimes plan a generic post about something else."""
    plan = " ".join([outline.title, *(s.heading + " " + " ".join(s.key_points) for s in outline.sections)])
    return topic_overlap(plan, topic) >= min(2, len(content_words(topic)))


def section_count(words: int) -> int:
    """Body sections for a target length: 3 for short posts, up to 6."""
    return max(3, min(6, round(words / WORDS_PER_SECTION) - 1))


def outline_schema(count: int) -> dict[str, Any]:
    """The Outline JSON schema with exactly ``count`` sections and short key points (fewer tokens)."""
    schema = json_schema_for(Outline)
    sections = schema["properties"]["sections"]
    sections["minItems"] = sections["maxItems"] = count
    sections["items"]["properties"]["key_points"].update(maxItems=3)
    return schema


def tidy_outline(outline: Outline, known_ids: set[int], count: int = 6) -> Outline:
    """Tidy headings, drop unknown source ids, duplicate headings and sections beyond ``count``.

    The result is validated again, so what goes into the state always satisfies the schema.
    """
    seen: set[str] = {tidy_heading(outline.title).lower()}
    sections = []
    for number, section in enumerate(outline.sections[:count], 1):
        heading = tidy_heading(section.heading)
        if heading.lower() in seen or heading.lower() in RESERVED_HEADINGS or len(heading) < 3:
            # small models repeat headings or echo prompt words: name the section after its first point
            heading = tidy_heading(section.key_points[0])[:KEY_POINT_CHARS].rstrip(" .").capitalize()
        if heading.lower() in seen or len(heading) < 3:
            heading = f"Part {number}"
        seen.add(heading.lower())
        ids = [i for i in dict.fromkeys(section.source_ids) if i in known_ids]
        sections.append({**section.model_dump(), "heading": heading, "source_ids": ids})
    title = tidy_heading(outline.title)
    return Outline.model_validate(
        {"title": title if len(title) >= 5 else outline.title, "sections": sections}
    )


def fallback_outline(
    request: DraftRequest,
    notes: list[Note] | None = None,
    sources: list[Source] | None = None,
    count: int = 3,
) -> Outline:
    """A sound outline for when the model cannot produce one: a section per researched source
    (heading = its title, key point = its note, citing it), else a generic three-part plan."""
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
    return Outline(
        title=title,
        sections=[
            OutlineSection(
                heading="Why it matters", key_points=[f"why {topic} matters to {request.audience}"]
            ),
            OutlineSection(heading="How it works", key_points=[f"the key ideas behind {topic}"]),
            OutlineSection(heading="Getting started", key_points=[f"practical first steps with {topic}"]),
        ],
    )
