"""Writer: outline + evidence -> a draft, section by section; later rounds revise the worst sections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.cleanup import clean_section
from agents.digest import densify, weave
from agents.evidence import EVIDENCE_CAP_WORDS, evidence_word_budget, quoted_evidence, within_budget
from agents.grounding import SectionMeasure, better, corpus_for, drop_invented, measure_section, missing_facts
from agents.markdown import render_markdown
from agents.prompts import bullet_list, messages_for, render, shared_context
from agents.readability import flesch_reading_ease, repeated_ngram_ratio
from backends.copy_guard import AvoidsCopying
from core.state import (
    Critique,
    DraftRequest,
    DraftState,
    Outline,
    Passage,
    Section,
    author_notes,
    completed_rounds,
)
from tools.specifics import Corpus

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
    """Build the writer node. Each section is one short generation (small models stay on track).

    With evidence, every section call carries its own passages as quoted data; a later round
    rewrites only the sections that measure worst and keeps a rewrite only if it measures better.
    """

    def writer(state: DraftState) -> dict:
        request, outline = state["request"], state["outline"]
        critique = state.get("critique")
        passages = {p.id: p for p in state.get("passages", [])}
        sources = state.get("sources", [])
        known_ids = {s.id for s in sources}
        context = WritingContext(
            model=model,
            request=request,
            outline=outline,
            system=shared_context(request, state.get("notes", []), sources),
            brief=writer_brief(request, outline, bool(known_ids)),
            known_ids=known_ids,
            corpus=corpus_for(request, sources),
            grounded=bool(known_ids),
            round_number=completed_rounds(state) + 1,
        )
        lengths = section_lengths(request, outline)
        evidence = [
            within_budget(ev, evidence_budget(context, length))
            for ev, length in zip(section_evidence(outline, passages), lengths, strict=True)
        ]
        previous = {s.heading.lower(): s for s in state.get("sections", [])}
        if critique is not None and previous:
            issues = revision_advice(critique, request, bool(known_ids)) + [
                f"the author asks: {n}" for n in author_notes(state)
            ]
            sections, changed = revise_round(context, previous, lengths, evidence, issues)
        else:
            sections, changed = first_draft(context, lengths, evidence), True
        update: dict = {"sections": sections, "draft": render_markdown(outline.title, sections)}
        warnings = [] if changed else [NOTHING_REVISED]
        written = sum(len(s.body.split()) for s in sections)
        if context.grounded and written < SHORT_SHARE * request.words:
            warnings.append(SHORT_DRAFT.format(words=written, target=request.words))
        if warnings:
            update["warnings"] = warnings
        return update

    return writer


NOTHING_REVISED = "the revision round changed no section: no rewrite measured better"
SHORT_SHARE = 0.6
SHORT_DRAFT = (
    "the draft is {words} of {target} words: most of the model's own sentences were off the subject or "
    "stated things no source says, so the post keeps the sources' facts only; a larger model "
    "(e.g. the llama3.2-3b preset) writes the full length"
)


@dataclass
class WritingContext:
    """What every section call of one writer step shares."""

    model: BaseChatModel
    request: DraftRequest
    outline: Outline
    system: str
    brief: str
    known_ids: set[int]
    corpus: Corpus
    grounded: bool
    round_number: int
    seen: list[frozenset[str]] = field(default_factory=list)


DEFAULT_CONTEXT_TOKENS = 8192  # a model that does not report its window (a server)
PROMPT_OVERHEAD_WORDS = 120  # the section template's own words


def evidence_budget(context: WritingContext, length: int) -> int:
    """Words of evidence a section call can carry: the model's context window less the prompt
    (shared context, brief, template, and the current text when revising) and the answer."""
    window = getattr(context.model, "context_tokens", None) or DEFAULT_CONTEXT_TOKENS
    prompt_words = len(context.system.split()) + len(context.brief.split()) + PROMPT_OVERHEAD_WORDS + length
    prompt_tokens = round(prompt_words * TOKENS_PER_WORD)
    return evidence_word_budget(window, prompt_tokens, max_tokens_for(length), EVIDENCE_CAP_WORDS)


def writer_brief(request: DraftRequest, outline: Outline, has_sources: bool) -> str:
    """The brief that opens every section call of a round (identical, so llama.cpp reuses it)."""
    citing = render("writer", "cite") if has_sources else render("writer", "nocite")
    if request.voice_sample:
        citing += "\n" + render("writer", "voice", sample=request.voice_sample[:VOICE_CHARS])
    headings = ", ".join(f'"{s.heading}"' for s in outline.sections)
    return render("writer", "brief", title=outline.title, headings=headings, citing=citing)


def section_evidence(outline: Outline, passages: dict[int, Passage]) -> list[list[Passage]]:
    """The passages of the intro, each body section and the conclusion (none for the conclusion)."""

    def pick(ids: list[int]) -> list[Passage]:
        return [passages[i] for i in ids if i in passages]

    return [pick(outline.intro_passage_ids), *(pick(s.passage_ids) for s in outline.sections), []]


def headings_of(outline: Outline) -> list[str]:
    """Section headings in order: "" for the intro, the body sections, the conclusion."""
    return ["", *(s.heading for s in outline.sections), CONCLUSION_HEADING]


def first_draft(context: WritingContext, lengths: list[int], evidence: list[list[Passage]]) -> list[Section]:
    """Intro, body sections and conclusion, each written from its own evidence."""
    outline = context.outline
    sections = [compose(context, "", "intro", lengths[0], evidence[0])]
    for index, planned in enumerate(outline.sections):
        covered = ", ".join(s.heading for s in outline.sections[:index]) or "nothing yet"
        points = bullet_list(planned.key_points)
        if planned.source_ids and not evidence[index + 1]:
            points += "\nUseful notes: " + ", ".join(f"[{i}]" for i in planned.source_ids)
        sections.append(
            compose(
                context,
                planned.heading,
                "section",
                lengths[index + 1],
                evidence[index + 1],
                points=points,
                covered=covered,
            )
        )
    sections.append(compose(context, CONCLUSION_HEADING, "conclusion", lengths[-1], []))
    return sections


def compose(
    context: WritingContext,
    heading: str,
    template: str,
    length: int,
    evidence: list[Passage],
    **values: object,
) -> Section:
    """Write one new section; a reply that comes back nearly empty is asked for once more."""
    if evidence:
        template += "_evidence"
        values["evidence"] = quoted_evidence(evidence)
        values["example"] = evidence[0].source_id
    seen_before = list(context.seen)
    body = generate(context, heading, template, length, evidence, values)
    if len(body.split()) < TOO_SHORT * length and not (context.grounded and evidence):
        # (A section with evidence gets its facts woven in whatever the model wrote: asking the
        # model again costs a whole generation for text the checks would mostly drop.)
        # A fixed seed replays the same failure (e.g. an intro that only lists the headings,
        # which the cleanup removes): ask once more with another seed.
        seen_retry = list(seen_before)
        retried = generate(
            context, heading, template, length, evidence, values, seed=RETRY_SEED, seen=seen_retry
        )
        if len(retried.split()) > len(body.split()):
            body, context.seen[:] = retried, seen_retry
    if not body and template.startswith(("intro", "conclusion")):
        body = recap(context.outline, template.startswith("intro"))
    return Section(heading=heading, body=body)


def recap(outline: Outline, opening: bool) -> str:
    """A plain opening sentence naming the sections, or a closing one pointing to the sources,
    for when the model's own sentences all failed the checks (a small model's intro is often
    about something else). It states nothing, so it cites nothing."""
    headings = [s.heading.rstrip("?.!") for s in outline.sections]
    listed = ", ".join(headings[:-1]) + f" and {headings[-1]}" if len(headings) > 1 else headings[0]
    if opening:
        return f"This post looks at {outline.title.rstrip('.?!')}: {listed}."
    return f"Those are the essentials of {outline.title.rstrip('.?!').lower()}; the sources below go deeper."


def generate(
    context: WritingContext,
    heading: str,
    template: str,
    length: int,
    evidence: list[Passage],
    values: dict[str, object],
    seed: int | None = None,
    seen: list[frozenset[str]] | None = None,
) -> str:
    """One model call for one section, cleaned; invented specifics removed."""
    fill = {"heading": heading or "introduction", "length": length, "audience": context.request.audience}
    # The brief comes first and is the same for every section of a round, so llama.cpp
    # reuses it from one section's call to the next.
    task = context.brief + "\n\n" + render("writer", template, **fill, **values)
    instructions = (
        context.brief + "\n\n" + render("writer", template, **fill, **{**values, "text": "", "evidence": ""})
    )
    options: dict[str, Any] = {"max_tokens": max_tokens_for(length)}
    if seed is not None:
        options["seed"] = seed
    if evidence and isinstance(context.model, AvoidsCopying):
        options["avoid_copying"] = [p.text for p in evidence]
    reply = context.model.invoke(messages_for(context.system, task), **options)
    seen = context.seen if seen is None else seen
    body = clean_section(str(reply.content), context.known_ids, list(seen), prompt=instructions)
    body, _ = drop_invented(body, context.corpus, context.grounded)
    if context.grounded or evidence:
        body = weave(body, evidence, subject_of(context, heading), length)
    return clean_section(body, context.known_ids, seen)


def subject_of(context: WritingContext, heading: str) -> str:
    """What a section is about, for telling on-subject model sentences from off-subject ones."""
    return " ".join([context.request.topic, context.outline.title, heading])


MAX_REVISED_SHARE = 0.5  # a revision round rewrites at most this share of the sections


def revise_round(
    context: WritingContext,
    previous: dict[str, Section],
    lengths: list[int],
    evidence: list[list[Passage]],
    issues: list[str],
) -> tuple[list[Section], bool]:
    """Rewrite the sections that measure worst; keep a rewrite only if it measures better.

    Returns the sections and whether any of them changed.
    """
    headings = headings_of(context.outline)
    current = [previous.get(h.lower()) for h in headings]
    if not context.grounded:
        return revise_all(context, current, headings, lengths, issues)
    measures = [
        measure_section(s.body, ev, context.corpus, True) if s is not None else None
        for s, ev in zip(current, evidence, strict=True)
    ]
    worst = revision_targets(measures, evidence)
    sections: list[Section] = []
    changed = False
    for position, heading in enumerate(headings):
        old = current[position]
        if old is None:  # a section the plan gained: write it new
            sections.append(
                gained_section(context, headings, position, lengths[position], evidence[position])
            )
            changed = True
            continue
        if position not in worst:
            sections.append(
                Section(heading=heading, body=clean_section(old.body, context.known_ids, context.seen))
            )
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
        seen_before = list(context.seen)
        rewritten = generate(
            context,
            heading,
            "revise_evidence",
            lengths[position],
            evidence[position],
            values,
            seed=REVISION_SEED + context.round_number,
            seen=list(seen_before),
        )
        denser = densify(old.body, evidence[position], subject_of(context, heading), lengths[position])
        body, new = best_revision([rewritten, denser], evidence[position], context)
        if better(new, measure) and revision_not_worse(old.body, body, lengths[position]):
            sections.append(
                Section(heading=heading, body=clean_section(body, context.known_ids, context.seen))
            )
            changed = True
        else:
            context.seen[:] = seen_before  # a worse rewrite must not replace the section
            sections.append(
                Section(heading=heading, body=clean_section(old.body, context.known_ids, context.seen))
            )
    return sections, changed


def best_revision(
    candidates: list[str], evidence: list[Passage], context: WritingContext
) -> tuple[str, SectionMeasure]:
    """The candidate that states most of its evidence, then invents least."""
    measured = [(c, measure_section(c, evidence, context.corpus, True)) for c in candidates if c]
    if not measured:
        return "", measure_section("", evidence, context.corpus, True)
    return max(measured, key=lambda item: ((item[1].coverage or 0.0), -item[1].invented))


def gained_section(
    context: WritingContext, headings: list[str], position: int, length: int, evidence: list[Passage]
) -> Section:
    """A section a revised plan added (no earlier text to revise): written new."""
    last = len(headings) - 1
    kind = "intro" if position == 0 else ("conclusion" if position == last else "section")
    return compose(
        context,
        headings[position],
        kind,
        length,
        evidence,
        points="- " + headings[position],
        covered="the other sections",
    )


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
    limit = max(1, round(MAX_REVISED_SHARE * len(measures)))
    return set(sorted(open_positions, key=badness)[:limit])


def revise_all(
    context: WritingContext,
    current: list[Section | None],
    headings: list[str],
    lengths: list[int],
    issues: list[str],
) -> tuple[list[Section], bool]:
    """Without sources: every section is revised against the critique, kept if not worse."""
    sections, changed = [], False
    for position, heading in enumerate(headings):
        old = current[position]
        if old is None:
            sections.append(gained_section(context, headings, position, lengths[position], []))
            changed = True
            continue
        seen_before = list(context.seen)
        values: dict[str, object] = {"text": old.body, "issues": bullet_list(issues)}
        body = generate(
            context,
            heading,
            "revise",
            lengths[position],
            [],
            values,
            seed=REVISION_SEED + context.round_number,
        )
        if revision_not_worse(old.body, body, lengths[position]) and body != old.body:
            sections.append(Section(heading=heading, body=body))
            changed = True
        else:
            context.seen[:] = seen_before
            sections.append(
                Section(heading=heading, body=clean_section(old.body, context.known_ids, context.seen))
            )
    return sections, changed


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
