"""The post's sections in the order the outline plans them: the intro, the body sections, the
conclusion, each planned once with its identity, length, passages and subject; and the plain
recap an intro or a conclusion falls back to when none of the model's sentences passed the checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agents.text.lengths import section_lengths
from core.state import DraftRequest, Outline, Passage, Section, SectionRole

CONCLUSION_HEADING = "Conclusion"  # the conclusion's display text (its identity is its role)


def headings_of(outline: Outline) -> list[str]:
    """Section headings in order: "" for the intro, the body sections, the conclusion."""
    return ["", *(s.heading for s in outline.sections), CONCLUSION_HEADING]


def plan_sections(request: DraftRequest, outline: Outline) -> list[Section]:
    """The post's sections as planned, without text: each one's role, index, heading, planned
    words, the outline's passages for it (none for the conclusion) and its subject. The writer
    makes them; every later stage reads a section's plan from the section itself."""
    count = len(outline.sections) + 2
    passages = [outline.intro_passage_ids, *(s.passage_ids for s in outline.sections), []]
    return [
        Section(
            heading=heading,
            body="",
            role=role_at(index, count),
            index=index,
            words=words,
            passage_ids=list(ids),
            subject=" ".join([request.topic, outline.title, heading]),
        )
        for index, (heading, words, ids) in enumerate(
            zip(headings_of(outline), section_lengths(request, outline), passages, strict=True)
        )
    ]


def role_at(index: int, count: int) -> SectionRole:
    """The role of the section at ``index`` among ``count`` planned sections."""
    return "intro" if index == 0 else ("conclusion" if index == count - 1 else "body")


def identified(sections: Sequence[Section], request: DraftRequest, outline: Outline) -> list[Section]:
    """``sections`` with their identity and plan. Only a section saved before sections had one (a
    checkpoint of an older version: no ``index``) lacks them; it gets those of the planned section
    its heading names, that version's rule (one naming none stays without)."""
    if all(s.index is not None for s in sections):
        return list(sections)
    plan = {p.heading.lower(): p for p in plan_sections(request, outline)}
    return [
        plan[s.heading.lower()].model_copy(update={"body": s.body})
        if s.index is None and s.heading.lower() in plan
        else s
        for s in sections
    ]


def by_index(sections: Sequence[Section]) -> dict[int, Section]:
    """The sections by their index (sections without one are left out)."""
    return {s.index: s for s in sections if s.index is not None}


def evidence_of(section: Section, passages: Mapping[int, Passage]) -> list[Passage]:
    """The passages the outline planned for ``section`` (those the run still has)."""
    return [passages[i] for i in section.passage_ids if i in passages]


def recap(outline: Outline, opening: bool, sourced: bool = True) -> str:
    """A plain opening sentence naming the sections, or a closing one pointing to the sources
    (when there are any), for when the model's own sentences all failed the checks (a small
    model's intro is often about something else). It states nothing, so it cites nothing."""
    headings = [s.heading.rstrip("?.!") for s in outline.sections]
    listed = ", ".join(headings[:-1]) + f" and {headings[-1]}" if len(headings) > 1 else headings[0]
    if opening:
        return f"What matters most for {outline.title.rstrip('.?!').lower()}: {listed}."
    subject = outline.title.rstrip(".?!").lower()
    if not sourced:
        return f"Those are the essentials of {subject}."
    return f"Those are the essentials of {subject}; the sources below go deeper."


def is_recap(body: str, outline: Outline) -> bool:
    """True when ``body`` is the plain recap an emptied intro or conclusion got: it names the
    headings and states nothing, so the checks have nothing in it to fix (its headings are no
    invented names)."""
    return body in {
        recap(outline, opening, sourced) for opening in (True, False) for sourced in (True, False)
    }
