"""Editor: tightens the sections that need it, then deterministic passes fix the whole draft.

A section is sent to the model only when it runs long for its planned length or repeats itself:
rewriting a section that is already short and clean costs a full generation and, with a small
model, tends to make it shorter and vaguer. A small model sometimes makes text worse, so an edit
is kept only when it keeps the citations and most of the length, and does not add repetition.
Then repetition across sections is removed and every citation is checked against the sources
(``agents.text.attribution``; strictly for a model that can write, whose sentences are its own).
"""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from agents.capability import WritingMode
from agents.text.after_generation import Seen, Steps, after_generation, settle
from agents.text.attribution import SourceIndex, attribute_section, lenient, strict
from agents.text.cleanup import repeated_sentence_ratio
from agents.text.grounding import corpus_for, drop_invented
from agents.text.lengths import max_tokens_for
from agents.text.markdown import render_markdown
from agents.text.outline import identified, recap
from agents.text.prompts import messages_for, render, shared_context
from agents.text.readability import repeated_ngram_ratio
from core.markers import cited_ids
from core.policy import run_policy
from core.state import DraftState, Section
from core.text import content_words
from tools.specifics import Corpus, coverage, key_specifics


def make_editor(model: BaseChatModel, writing: WritingMode = "extractive") -> Callable[[DraftState], dict]:
    """Build the editor node. For a model that can write, sections are tightened only while the
    whole draft runs over its target length (its writer's checks already fixed the rest)."""

    def editor(state: DraftState) -> dict:
        request, outline = state["request"], state["outline"]
        total = sum(len(s.body.split()) for s in state["sections"])
        may_edit = writing != "free" or total > run_policy().editor.too_long * request.words
        known_ids = {s.id for s in state.get("sources", [])}
        system = shared_context(request, state.get("notes", []), state.get("sources", []))
        corpus = corpus_for(request, state.get("sources", []))
        edited: list[Section] = []
        for section in identified(state["sections"], request, outline):
            if not section.body:
                continue
            target = section.words or None  # its planned words (none: a section with no plan)
            if not may_edit or not needs_edit(section.body, target):
                edited.append(section)
                continue
            length = min(target or len(section.body.split()), len(section.body.split()))
            task = render("editor", "edit", title=outline.title, text=section.body, length=length)
            instructions = render("editor", "edit", title=outline.title, text="", length=length)
            reply = model.invoke(messages_for(system, task), max_tokens=max_tokens_for(length))
            steps = edit_steps(section.body, target, corpus, bool(known_ids))
            body = after_generation(str(reply.content), known_ids, steps, prompt=instructions)
            edited.append(section.model_copy(update={"body": body}))
        edited = dedupe_across_sections(edited, known_ids)
        if state.get("sources"):
            strictness = strict() if writing == "free" else lenient()
            topic_words = frozenset(content_words(request.topic)) if writing == "free" else frozenset()
            texts = {source.id: source.text for source in state["sources"]}
            index = SourceIndex(texts, strictness, topic_words)
            recaps = {recap(outline, True), recap(outline, False)}  # they state nothing to cite
            edited = [
                s if s.body in recaps else s.model_copy(update={"body": attribute_section(s.body, index)})
                for s in edited
            ]
        return {"sections": edited, "draft": render_markdown(outline.title, edited)}

    return editor


def edit_steps(original: str, planned: int | None, corpus: Corpus, grounded: bool) -> Steps[list[str]]:
    """The editor's check and repair (``agents.text.after_generation``): sentences with invented
    specifics go, and the edit is kept only when it is better than the ``original``."""

    def keep_or_reject(candidate: str, _: list[str]) -> str:
        better = edit_is_better(original, candidate, planned) and keeps_specifics(original, candidate)
        return candidate if better else original

    return Steps(check=lambda candidate: drop_invented(candidate, corpus, grounded), repair=keep_or_reject)


def needs_edit(body: str, planned: int | None) -> bool:
    """True when a section runs long for its plan or repeats its own phrases."""
    if planned is not None and len(body.split()) > planned * run_policy().editor.too_long:
        return True
    return repeated_ngram_ratio(body) > run_policy().editor.repetitive


def edit_is_better(original: str, candidate: str, planned: int | None = None) -> bool:
    """Accept an edit that keeps every citation, most of the length (and, with a plan, does not
    cut the section well below its planned words) and adds no repetition."""
    words = len(original.split())
    floor = run_policy().editor.min_kept_length * words
    if planned is not None:
        floor = max(floor, min(words, run_policy().editor.min_planned_share * planned))
    if not candidate or len(candidate.split()) < floor:
        return False
    if set(cited_ids(original)) - set(cited_ids(candidate)):
        return False
    return repeated_sentence_ratio(candidate) <= repeated_sentence_ratio(original)


def keeps_specifics(original: str, candidate: str) -> bool:
    """True when the edit still states most of the original's names, numbers and terms: a
    tightened section that loses its facts is vaguer, not better."""
    kept = coverage(candidate, key_specifics([original]))
    return kept is None or kept >= run_policy().editor.kept_specifics


def dedupe_across_sections(sections: list[Section], known_ids: set[int]) -> list[Section]:
    """Drop sentences that repeat an earlier section's sentence; keep sections that end up empty out.
    Each section is settled into the draft in order (``agents.text.after_generation``)."""
    seen: Seen = ()
    result = []
    for section in sections:
        joined = settle(section.body, known_ids, seen)
        seen = joined.seen
        if joined.body:
            result.append(section.model_copy(update={"body": joined.body}))
    return result
