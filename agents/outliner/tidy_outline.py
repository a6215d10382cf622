"""A plan a reader can follow, whatever the model wrote: tidied headings (no repeats, prompt
words or placeholders), at least three sections, the check that the plan is on the topic, and
the outline for when the model cannot produce one.
"""

from __future__ import annotations

from agents.text.cleanup import tidy_heading
from agents.text.headings import heading_problem
from agents.text.prompts import note_text
from agents.text.topic_words import topic_sections
from core.policy import run_policy
from core.state import DraftRequest, Note, Outline, OutlineSection, Source
from core.text import content_words

RESERVED_HEADINGS = {"introduction", "intro", "conclusion", "research notes", "references", "summary"}


def topic_overlap(text: str, topic: str) -> int:
    """How many of the topic's content words (stemmed) occur in ``text``."""
    return len(content_words(topic) & content_words(text))


def is_on_topic(outline: Outline, topic: str) -> bool:
    """True when the plan's words share at least two of the topic's content words (one for a
    one-word topic): small models sometimes plan a generic post about something else."""
    plan = " ".join([outline.title, *(s.heading + " " + " ".join(s.key_points) for s in outline.sections)])
    return topic_overlap(plan, topic) >= min(run_policy().outliner.on_topic_words, len(content_words(topic)))


def tidy_outline(outline: Outline, known_ids: set[int], count: int | None = None, topic: str = "") -> Outline:
    """Tidy headings, drop unknown source ids, duplicate headings and sections beyond ``count``.

    A heading that repeats another, echoes a prompt word or is a placeholder is replaced by the
    section's first key point; a section with neither is dropped, and a plan left with fewer
    than three sections is completed with ones named after the ``topic`` (the title when none is
    given; ``agents.text.topic_words.topic_sections``), never "Part 3" nor the same generic headings on
    every topic. The result is validated again, so what goes into the state always satisfies
    the schema.
    """
    seen: set[str] = {tidy_heading(outline.title).lower()}
    sections = []
    count = run_policy().outliner.max_sections if count is None else count
    for section in outline.sections[:count]:
        heading = tidy_heading(section.heading)
        if not usable_heading(heading, seen):
            # small models repeat headings or echo prompt words: name the section after its first point
            heading = (
                tidy_heading(section.key_points[0])[: run_policy().outliner.key_point_chars]
                .rstrip(" .")
                .capitalize()
            )
        if not usable_heading(heading, seen):
            continue
        seen.add(heading.lower())
        shape = run_policy().outliner
        ids = [i for i in dict.fromkeys(section.source_ids) if i in known_ids][: shape.max_section_sources]
        points = section.key_points[: shape.max_key_points]
        sections.append({**section.model_dump(), "heading": heading, "source_ids": ids, "key_points": points})
    title = tidy_heading(outline.title)
    title = title if len(title) >= 5 else outline.title
    for planned in topic_sections(topic or title):
        if len(sections) >= run_policy().outliner.min_sections:
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
    count: int | None = None,
) -> Outline:
    """A sound outline for when the model cannot produce one: a section per researched source
    (heading = its title, key point = its note, citing it), else three sections named after the
    topic (``agents.text.topic_words.topic_sections``)."""
    count = run_policy().outliner.min_sections if count is None else count
    topic = request.topic
    title = topic[:110] if len(topic) >= 5 else f"About {topic}"
    titles = {source.id: tidy_heading(source.title) for source in sources or []}
    sections: list[OutlineSection] = []
    used: set[str] = set()
    for note in notes or []:
        heading = titles.get(note.source_id, "")[: run_policy().outliner.key_point_chars]
        if len(heading) < 3 or heading.lower() in used or len(sections) == count:
            continue
        used.add(heading.lower())
        point = note_text(note.text, heading)[: run_policy().outliner.key_point_chars] or heading
        sections.append(OutlineSection(heading=heading, key_points=[point], source_ids=[note.source_id]))
    if len(sections) >= run_policy().outliner.min_sections:
        return Outline(title=title, sections=sections)
    return Outline(title=title, sections=topic_sections(topic))
