"""The post's sections in the order the outline plans them: the intro (heading ""), the body
sections, the conclusion; the passages each one is given; and the plain recap an intro or a
conclusion falls back to when none of the model's sentences passed the checks.
"""

from __future__ import annotations

from core.state import Outline, Passage

CONCLUSION_HEADING = "Conclusion"


def headings_of(outline: Outline) -> list[str]:
    """Section headings in order: "" for the intro, the body sections, the conclusion."""
    return ["", *(s.heading for s in outline.sections), CONCLUSION_HEADING]


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


def section_evidence(outline: Outline, passages: dict[int, Passage]) -> list[list[Passage]]:
    """The passages of the intro, each body section and the conclusion (none for the conclusion)."""

    def pick(ids: list[int]) -> list[Passage]:
        return [passages[i] for i in ids if i in passages]

    return [pick(outline.intro_passage_ids), *(pick(s.passage_ids) for s in outline.sections), []]


def is_recap(body: str, outline: Outline) -> bool:
    """True when ``body`` is the plain recap an emptied intro or conclusion got: it names the
    headings and states nothing, so the checks have nothing in it to fix (its headings are no
    invented names)."""
    return body in {
        recap(outline, opening, sourced) for opening in (True, False) for sourced in (True, False)
    }
