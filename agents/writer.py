"""Writer: outline + notes -> a draft written section by section; later rounds revise it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.cleanup import clean_section
from agents.markdown import render_markdown
from agents.prompts import bullet_list, messages_for, render, shared_context
from agents.readability import flesch_reading_ease, repeated_ngram_ratio
from graph.state import Critique, DraftRequest, DraftState, Outline, Section, author_notes, completed_rounds

INTRO_SHARE = 0.12
CONCLUSION_SHARE = 0.1
CONCLUSION_HEADING = "Conclusion"
TOKENS_PER_WORD = 1.35
VOICE_CHARS = 700
TOO_SHORT = 0.3  # a new section under this share of its planned words is asked for again
RETRY_SEED = 9001
REVISION_SEED = 7000  # plus the round number
REPEAT_SLACK = 0.02  # a revision may repeat this much more of its 3-grams than the text it replaces
READABILITY_SLACK = 5.0  # ... and read this much harder (Flesch reading ease points)


def make_writer(model: BaseChatModel) -> Callable[[DraftState], dict]:
    """Build the writer node. Each section is one short generation (small models stay on track)."""

    def writer(state: DraftState) -> dict:
        request, outline = state["request"], state["outline"]
        previous = {s.heading.lower(): s for s in state.get("sections", [])}
        critique = state.get("critique")
        known_ids = {s.id for s in state.get("sources", [])}
        issues = revision_advice(critique, request, bool(known_ids)) + [
            f"the author asks: {n}" for n in author_notes(state)
        ]
        system = shared_context(request, state.get("notes", []), state.get("sources", []))
        citing = render("writer", "cite") if known_ids else render("writer", "nocite")
        if request.voice_sample:
            citing += "\n" + render("writer", "voice", sample=request.voice_sample[:VOICE_CHARS])
        headings = ", ".join(f'"{s.heading}"' for s in outline.sections)
        brief = render("writer", "brief", title=outline.title, headings=headings, citing=citing)
        seen: list[frozenset[str]] = []
        round_number = completed_rounds(state) + 1

        def write(heading: str, template: str, length: int, **values: object) -> Section:
            old = previous.get(heading.lower())
            if old is not None and critique is not None:
                template, values = "revise", {"text": old.body, "issues": bullet_list(issues)}
            fill = {"heading": heading or "introduction", "length": length}
            # The brief comes first and is the same for every section of a round, so llama.cpp
            # reuses it from one section's call to the next.
            task = brief + "\n\n" + render("writer", template, **fill, **values)
            instructions = brief + "\n\n" + render("writer", template, **fill, **{**values, "text": ""})
            messages = messages_for(system, task)
            seen_before = list(seen)
            revising = old is not None and template == "revise"
            # Each round samples a fresh revision (a fixed seed would replay a rejected one).
            options: dict[str, Any] = {"seed": REVISION_SEED + round_number} if revising else {}
            reply = model.invoke(messages, max_tokens=max_tokens_for(length), **options)
            body = clean_section(str(reply.content), known_ids, seen, prompt=instructions)
            if old is not None and revising:
                if not revision_not_worse(old.body, body, length):
                    seen[:] = seen_before  # a worse rewrite must not replace the section
                    body = clean_section(old.body, known_ids, seen)
            elif len(body.split()) < TOO_SHORT * length:
                # A fixed seed replays the same failure (e.g. an intro that only lists the
                # headings, which the cleanup removes): ask once more with another seed.
                again = model.invoke(messages, max_tokens=max_tokens_for(length), seed=RETRY_SEED)
                seen_retry = list(seen_before)
                retried = clean_section(str(again.content), known_ids, seen_retry, prompt=instructions)
                if len(retried.split()) > len(body.split()):
                    body, seen[:] = retried, seen_retry
            return Section(heading=heading, body=body)

        lengths = section_lengths(request, outline)
        sections = [write("", "intro", lengths[0])]
        for index, planned in enumerate(outline.sections):
            covered = ", ".join(s.heading for s in outline.sections[:index]) or "nothing yet"
            points = bullet_list(planned.key_points)
            if planned.source_ids:
                points += "\nUseful notes: " + ", ".join(f"[{i}]" for i in planned.source_ids)
            sections.append(
                write(planned.heading, "section", lengths[index + 1], points=points, covered=covered)
            )
        sections.append(write(CONCLUSION_HEADING, "conclusion", lengths[-1]))
        return {"sections": sections, "draft": render_markdown(outline.title, sections)}

    return writer


LENGTH_SLACK = 0.1


def revision_not_worse(old: str, new: str, planned: int) -> bool:
    """Accept a rewrite only if it keeps the length and is not measurably harder to read or more
    repetitive than the text it replaces: small models' rewrites often repeat phrases and
    lengthen sentences, and a round must not make the draft worse."""
    if not revision_keeps_length(old, new, planned):
        return False
    if repeated_ngram_ratio(new) > repeated_ngram_ratio(old) + REPEAT_SLACK:
        return False
    return flesch_reading_ease(new) >= flesch_reading_ease(old) - READABILITY_SLACK


def revision_keeps_length(old: str, new: str, planned: int) -> bool:
    """Accept a non-empty rewrite within 10% of the planned length, or one no further from the
    plan than the text it replaces: small models shrink text they revise, round after round."""
    old_words, new_words = len(old.split()), len(new.split())
    if new_words == 0:
        return False
    return abs(new_words - planned) <= max(abs(old_words - planned), LENGTH_SLACK * planned)


LOW_SCORE = 5
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
    issues = [issue for issue in critique.issues if not is_citation_detail(issue)]
    if issues:
        return issues
    advice = {**RUBRIC_ADVICE, **({} if has_sources else {"depth": UNSOURCED_DEPTH_ADVICE})}
    scores = critique.scores.model_dump()
    return [
        text.format(audience=request.audience, tone=request.tone)
        for item, text in advice.items()
        if scores[item] <= LOW_SCORE
    ]


def is_citation_detail(issue: str) -> bool:
    """Per-sentence citation findings quote the draft; small models copy them into the text, and
    the editor's attribution pass fixes citations anyway, so the writer does not see them."""
    return issue.startswith(("weak citation", "citation ["))


def section_lengths(request: DraftRequest, outline: Outline) -> list[int]:
    """Target words for the intro, each body section and the conclusion."""
    intro = max(40, round(request.words * INTRO_SHARE))
    conclusion = max(40, round(request.words * CONCLUSION_SHARE))
    body = max(60, round((request.words - intro - conclusion) / len(outline.sections)))
    return [intro, *[body] * len(outline.sections), conclusion]


def max_tokens_for(words: int) -> int:
    """A token cap with room to finish the last sentence (the cleanup drops a cut-off one)."""
    return round(words * TOKENS_PER_WORD) + 16
