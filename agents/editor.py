"""Editor: tightens each section, then a deterministic pass removes repetition across the draft.

A small model sometimes makes text worse; an edit is kept only when it keeps the citations and
most of the length, and does not add repetition.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from agents.cleanup import clean_section, repeated_sentence_ratio
from agents.markdown import render_markdown
from agents.prompts import messages_for, render, shared_context
from agents.writer import max_tokens_for
from graph.state import DraftState, Section

MIN_KEPT_LENGTH = 0.6
TIGHTER = 0.9
_CITATION = re.compile(r"\[(\d+)\]")


def make_editor(model: BaseChatModel) -> Callable[[DraftState], dict]:
    """Build the editor node."""

    def editor(state: DraftState) -> dict:
        request, outline = state["request"], state["outline"]
        known_ids = {s.id for s in state.get("sources", [])}
        system = shared_context(request, state.get("notes", []), state.get("sources", []))
        edited: list[Section] = []
        for section in state["sections"]:
            if not section.body:
                continue
            length = round(len(section.body.split()) * TIGHTER)
            task = render("editor", "edit", title=outline.title, text=section.body, length=length)
            instructions = render("editor", "edit", title=outline.title, text="", length=length)
            reply = model.invoke(messages_for(system, task), max_tokens=max_tokens_for(length))
            candidate = clean_section(str(reply.content), known_ids, prompt=instructions)
            body = candidate if edit_is_better(section.body, candidate) else section.body
            edited.append(Section(heading=section.heading, body=body))
        edited = dedupe_across_sections(edited, known_ids)
        return {"sections": edited, "draft": render_markdown(outline.title, edited)}

    return editor


def edit_is_better(original: str, candidate: str) -> bool:
    """Accept an edit that keeps every citation, most of the length and adds no repetition."""
    if not candidate or len(candidate.split()) < MIN_KEPT_LENGTH * len(original.split()):
        return False
    if set(_CITATION.findall(original)) - set(_CITATION.findall(candidate)):
        return False
    return repeated_sentence_ratio(candidate) <= repeated_sentence_ratio(original)


def dedupe_across_sections(sections: list[Section], known_ids: set[int]) -> list[Section]:
    """Drop sentences that repeat an earlier section's sentence; keep sections that end up empty out."""
    seen: list[frozenset[str]] = []
    result = []
    for section in sections:
        body = clean_section(section.body, known_ids, seen)
        if body:
            result.append(Section(heading=section.heading, body=body))
    return result
