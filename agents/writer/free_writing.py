"""Writing with a model that can write: the model writes, the pipeline checks and asks for fixes.

Each section is written by the model from its own passages, in its own words, citing ``[n]``.
The text is then checked (``SectionReport``): a sentence stating a name or number no source
backs, a sentence copied from a source, talk about "the evidence", a source title as a sentence,
fused words, a fact the post already stated, evidence the section left out, a length far from
the plan. Each problem goes back to the model in a targeted call that names it (rewrite this
sentence; explain this left-out fact in your own words), as the next turn of the same chat (so
llama.cpp reuses the whole prompt it already holds), and a fix is kept only when it passes the
same checks. Nothing is pasted in; a sentence that still states an invented specific after its
fix is removed, and the writer reports it.

The steps are those of ``agents.text.after_generation``: ``ask`` cleans the reply, ``improve``
checks it (``agents.text.section_report``) and repairs it (the fix calls, ``agents.writer.fixer``;
what is still wrong after them is removed by ``agents.writer.finishing``), and
``agents.writer.free_rounds.settled`` settles it into the draft.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agents.text.after_generation import Steps, checked, clean
from agents.text.checks import dangling_leads, without_audience_address
from agents.text.evidence import quoted_evidence
from agents.text.grounding import copied_grams, ngrams
from agents.text.lengths import max_tokens_for
from agents.text.prompts import bullet_list, messages_for, render, without_quoted_data
from agents.text.section_report import Checker, SectionReport, check_section
from agents.text.spelling import repair_fused
from agents.writer.finishing import finish, pasted_wording, without
from agents.writer.fixer import Fixer, Written, copying_less, replace_sentence, same_facts
from agents.writer.must_explain import explain_line, points_to_explain
from agents.writer.sections import WritingContext, drop_sentences
from core.markers import split_sentences
from core.policy import run_policy
from core.state import Passage, Section
from tools.specifics import find_specifics

_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|my|me|mine|[Ww]e|[Ww]e're|[Ww]e've|[Oo]ur|us)\b")


def impersonal(evidence: Sequence[Passage]) -> list[Passage]:
    """The passages without their authors' first-person sentences that state no name or number
    ("I run the compost bays at my allotment", "our newsletter asks readers"): a post written from
    them would speak in another person's voice. One that does ("Most systems I see pay back in 6 to
    12 years") stays: its fact is evidence, and the checks send a sentence in that voice back."""
    kept = []
    for passage in evidence:
        sentences = split_sentences(passage.text)
        text = " ".join(s for s in sentences if not _FIRST_PERSON.search(s) or find_specifics(s))
        kept.append(passage.model_copy(update={"text": text or passage.text}))
    return kept


def write_section(
    context: WritingContext,
    checker: Checker,
    heading: str,
    template: str,
    length: int,
    evidence: list[Passage],
    earlier: Sequence[str],
    values: dict[str, object],
    concluding: bool = False,
    seed: int | None = None,
) -> tuple[Section, list[str]]:
    """Write one section, check it, revise it once if it has problems; return it and notes on
    what the checks changed (for the run's warnings)."""
    messages = section_messages(context, heading, template, length, evidence, values)
    written = ask(context, messages, length, seed)
    return improve(context, checker, heading, written, length, evidence, earlier, concluding=concluding)


def section_messages(
    context: WritingContext,
    heading: str,
    template: str,
    length: int,
    evidence: list[Passage],
    values: dict[str, object],
) -> list[BaseMessage]:
    """The chat that writes a section (rebuilt the same in a later round, so llama.cpp reuses
    its prefix)."""
    fill = {"heading": heading or "introduction", "length": length, "audience": context.request.audience}
    if evidence:
        focus = f"{heading or context.request.topic} {values.get('points', '')}"
        shown = impersonal(evidence)
        values = {
            **values,
            "evidence": quoted_evidence(shown),
            "example": evidence[0].source_id,
            "must": explain_line(points_to_explain(shown, focus, length)),  # from what it is shown
        }
    task = context.brief + "\n\n" + render("writer", template, **fill, **values)
    return messages_for(context.system, task)


def improve(
    context: WritingContext,
    checker: Checker,
    heading: str,
    written: Written,
    length: int,
    evidence: list[Passage],
    earlier: Sequence[str],
    extra: Sequence[str] = (),
    fix_copies: bool = True,
    concluding: bool = False,
) -> tuple[Section, list[str]]:
    """Check ``written`` and fix its problems with targeted calls in the next turn of the same
    chat (llama.cpp reuses everything before the new turn): each sentence with an invented
    specific, talk about the evidence, or copied wording goes back to the model named, and each
    fact the section left out is asked for in the model's own words. A fix is kept only if it
    passes the same checks. Titles-as-sentences and restated facts are dropped; fused words split.
    ``extra`` problems (the critic's notes) first get one whole-section revision, kept only if it
    measures no worse. Copied wording is sent back only when ``fix_copies``."""
    notes: list[str] = []

    def check(body: str) -> tuple[str, SectionReport]:
        body = without_audience_address(body, checker.audience)
        report = check_section(body, checker, evidence, earlier, length, heading, concluding)
        leads = dangling_leads(body)
        body = drop_sentences(body, [*report.titles, *report.restated, *report.summary, *leads])
        return repair_fused(body, checker.vocabulary), report

    def repair(body: str, report: SectionReport) -> str:
        fixer = Fixer(context, checker, written, evidence)
        if extra:
            body = revised_whole(
                context, checker, heading, written, body, length, evidence, earlier, extra, concluding
            )
            report = check_section(body, checker, evidence, earlier, length, heading, concluding)
            fixer.warm = True  # that call left the section's chat in llama.cpp's cache
        body, removed = fix_calls(fixer, body, report, fix_copies)
        section, found = finish(body, checker, evidence, earlier, length, heading, removed, concluding)
        notes.extend(found)
        return section.body

    body = checked(written.body, Steps(check=check, repair=repair))  # agents.text.after_generation
    return Section(heading=heading, body=body), notes


def fix_calls(fixer: Fixer, body: str, report: SectionReport, fix_copies: bool) -> tuple[str, int]:
    """``body`` with each problem of ``report`` sent back to the model in a targeted call, and
    how many sentences were removed because their fix failed."""
    checker, evidence = fixer.checker, fixer.evidence
    removed = 0
    for sentence, found in report.invented:
        fixed = fixer.rewrite("fix_invented", sentence, body, found=", ".join(found))
        body, removed = replaced(body, sentence, fixed, evidence), removed + (not fixed)
    for sentence in report.meta:
        fixed = fixer.rewrite("fix_meta", sentence, body)
        body, removed = replaced(body, sentence, fixed, evidence), removed + (not fixed)
    for sentence in report.voice:
        fixed = fixer.rewrite("fix_voice", sentence, body)
        body, removed = replaced(body, sentence, fixed, evidence), removed + (not fixed)
    for word in report.garbled:
        sentence = next((s for s in split_sentences(body) if word in s), "")
        if not sentence:
            continue
        fixed = fixer.rewrite("fix_spelling", sentence, body, word=word)
        if same_facts(sentence, fixed):
            body = replace_sentence(body, sentence, fixed)
        elif pasted_wording([sentence], evidence):
            body = without(body, sentence, evidence)  # it states no fact: a reader loses nothing
    for sentence in report.opening:
        body = replace_sentence(body, sentence, fixer.rewrite("fix_opening", sentence, body) or sentence)
    copies = copies_to_fix(body, report.copied, evidence, checker.known_grams) if fix_copies else []
    for sentence in copies[: run_policy().writer.max_copy_fixes]:
        fixed = fixer.rewrite("fix_copied", sentence, body, may_copy=copying_less(sentence, checker))
        body = replace_sentence(body, sentence, fixed if same_facts(sentence, fixed) else sentence)
    for fact in report.missing:
        addition = fixer.rewrite("fix_missing", "", body, fact=fact, audience=fixer.context.request.audience)
        body = f"{body} {addition}".strip()
    return body, removed


def replaced(body: str, sentence: str, fixed: str, evidence: Sequence[Passage]) -> str:
    """``body`` with ``sentence`` replaced by its ``fixed`` wording, or without it (and without a
    sentence left pointing at it) when the fix failed."""
    return replace_sentence(body, sentence, fixed) if fixed else without(body, sentence, evidence)


def copies_to_fix(
    body: str, copied: Sequence[str], evidence: Sequence[Passage], known: set[tuple[str, ...]]
) -> list[str]:
    """The copied sentences worth a fix call: those stating the evidence's facts, most copied
    first, only while the section would copy more than ``section_copy_budget`` (policy) of its 8-grams
    (a few source sentences with their facts read well and cite exactly; a simpler rewording
    of each lost precision, "Photovoltaic cells are used in rooftop solar panels"); then those
    stating none, which are left out at the end if still copied."""
    rhetoric = pasted_wording(copied, evidence)
    kept = [s for s in split_sentences(body) if s not in rhetoric]
    total = sum(
        len(ngrams(s, run_policy().text.copy_ngram)) for s in kept
    )  # counted as copied_grams counts them
    over = sum(copied_grams(s, known) for s in kept) - run_policy().writer.section_copy_budget * total
    facts = sorted((s for s in copied if s not in rhetoric), key=lambda s: -copied_grams(s, known))
    chosen = []
    for sentence in facts:
        if over <= 0:
            break
        chosen.append(sentence)
        over -= copied_grams(sentence, known)
    return [*chosen, *rhetoric]


def revised_whole(
    context: WritingContext,
    checker: Checker,
    heading: str,
    written: Written,
    body: str,
    length: int,
    evidence: list[Passage],
    earlier: Sequence[str],
    extra: Sequence[str],
    concluding: bool = False,
) -> str:
    """One whole-section revision for problems code cannot measure (the critic's notes), kept
    only when it measures no worse than ``body``."""
    problems = bullet_list(list(extra))
    fix = render("writer", "free_fix", heading=heading or "introduction", problems=problems, length=length)
    chat = [*written.messages, AIMessage(written.reply), HumanMessage(fix)]
    revised = ask(context, chat, length, seed=context.round_number)
    before = check_section(body, checker, evidence, earlier, length, heading, concluding).badness()
    after = check_section(revised.body, checker, evidence, earlier, length, heading, concluding).badness()
    return revised.body if revised.body and after <= before else body


def ask(
    context: WritingContext,
    messages: list[BaseMessage],
    length: int,
    seed: int | None = None,
) -> Written:
    """One model call for a section's text, cleaned (chatter, links, loops, unknown citations).
    No sampling constraint: a model that can write is checked for copying afterwards and asked to
    rephrase (forbidding its next token made it misspell the word instead: "burry", "flys")."""
    options: dict[str, Any] = {"max_tokens": max_tokens_for(round(length * run_policy().writer.length_room))}
    if seed is not None:
        options["seed"] = seed
    reply = str(context.model.invoke(messages, **options).content)
    instructions = without_quoted_data(str(messages[-1].content))  # the task without its evidence
    body = clean(reply, context.known_ids, context.seen, prompt=instructions, flatten=True)
    return Written(messages=messages, reply=reply, body=body)
