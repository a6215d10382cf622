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
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agents.text.attribution import with_markers
from agents.text.checks import (
    dangling_opening,
    echoed_sentences,
    foreign_sentences,
    fused_words,
    meta_sentences,
    repair_fused,
    repeated_within,
    restated_facts,
    summing_up,
    title_sentences,
)
from agents.text.cleanup import clean_section, flatten_markdown
from agents.text.evidence import quoted_evidence
from agents.text.grounding import COPY_NGRAM, copied_grams, invented
from agents.text.lengths import max_tokens_for
from agents.text.prompts import bullet_list, messages_for, render
from agents.writer.must_explain import explain_line, points_to_explain
from agents.writer.sections import CONCLUSION_HEADING, WritingContext, drop_sentences
from core.markers import cited_ids, split_sentences
from core.state import Passage, Section
from tools.specifics import Corpus, find_specifics, key_specifics, states

LENGTH_ROOM = 1.3  # a section's token cap allows this much more than its planned words
SHORT = 0.75  # a section under this share of its plan is asked to explain more
LONG = 1.5  # ... over this share, to tighten
WORDS_PER_FACT = 45  # a section is asked to state about one evidence fact per this many words
MAX_MISSING_SHOWN = 3  # left-out facts asked for per section and round, one call each
_QUOTED_DATA = re.compile(r"<<<.*?>>>", re.DOTALL)
QUOTED_CHARS = 160  # a sentence named in a problem is quoted up to this many characters
WEIGHTS = {  # how much each problem counts when a revision is compared with the text it replaces
    "invented": 3.0,
    "meta": 2.0,
    "title": 2.0,
    "fused": 2.0,
    "restated": 1.5,
    "summary": 1.0,
    "copied": 1.5,
    "opening": 1.0,
    "missing": 1.0,
}
LENGTH_WEIGHT = 4.0  # badness per share of the plan beyond the tolerated range


@dataclass(frozen=True)
class Checker:
    """What a section's text is checked against (built once per writer step)."""

    corpus: Corpus
    known_grams: set[tuple[str, ...]]
    titles: tuple[str, ...]
    vocabulary: set[str]
    grounded: bool
    reference: str = ""  # the sources' and the request's text (which scripts they are written in)


@dataclass
class SectionReport:
    """The problems found in one section's text."""

    words: int
    target: int
    invented: list[tuple[str, list[str]]] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    meta: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    fused: list[str] = field(default_factory=list)
    restated: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    opening: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many problems of each kind."""
        return {
            "invented": len(self.invented),
            "meta": len(self.meta),
            "title": len(self.titles),
            "fused": len(self.fused),
            "restated": len(self.restated),
            "summary": len(self.summary),
            "copied": len(self.copied),
            "opening": len(self.opening),
            "missing": len(self.missing),
        }

    def badness(self) -> float:
        """Weighted problems plus the length's distance from the plan beyond the tolerated range."""
        ratio = self.words / max(1, self.target)
        off = max(0.0, SHORT - ratio, ratio - LONG)
        return sum(WEIGHTS[k] * n for k, n in self.counts().items()) + LENGTH_WEIGHT * off

    def fixable(self) -> bool:
        """True when a fix call could help: an invented specific, talk about the evidence, copied
        wording, an opening pronoun or a left-out fact (length follows from the facts)."""
        return bool(self.invented or self.meta or self.copied or self.opening or self.missing)

    def problems_by_kind(self) -> dict[str, list[str]]:
        """Each problem in words, as the revise call names it, by kind."""
        ratio = self.words / max(1, self.target)
        length = []
        if ratio < SHORT:
            length = [
                f"The text has {self.words} words; it needs about {self.target}: "
                "explain the evidence more fully."
            ]
        elif ratio > LONG:
            length = [f"The text has {self.words} words; tighten it to about {self.target}."]
        return {
            "invented": [
                f'The sentence "{_quote(s)}" names {", ".join(found)}, which no source says: '
                "remove that claim or state only what the evidence says."
                for s, found in self.invented
            ],
            "copied": [
                f'The sentence "{_quote(s)}" copies a source word for word: say it in your own words.'
                for s in self.copied
            ],
            "meta": [
                f'The sentence "{_quote(s)}" talks about the evidence or the post instead of the subject: '
                "state the point itself."
                for s in self.meta
            ],
            "title": [f'"{_quote(s)}" is a source\'s title, not a sentence: remove it.' for s in self.titles],
            "fused": [f'"{w}" runs two words together: separate them.' for w in self.fused],
            "restated": [
                f'The sentence "{_quote(s)}" repeats a fact stated earlier in the post: '
                "remove it or say something new."
                for s in self.restated
            ],
            "summary": [
                f'The sentence "{_quote(s)}" sums up the post before its conclusion: remove it.'
                for s in self.summary
            ],
            "opening": [
                f'The section opens with "{_quote(s)}", but nothing before it says what the pronoun '
                "means: name the subject."
                for s in self.opening
            ],
            "missing": [
                f"Also explain this fact of the evidence, in your own words and cited: {m}"
                for m in self.missing
            ],
            "length": length,
        }


def _quote(sentence: str) -> str:
    text = " ".join(sentence.split())
    return text if len(text) <= QUOTED_CHARS else text[: QUOTED_CHARS - 1].rstrip() + "…"


def check_section(
    body: str,
    checker: Checker,
    evidence: Sequence[Passage],
    earlier: Sequence[str],
    target: int,
    heading: str = "",
) -> SectionReport:
    """Every problem of ``body`` (see module doc); ``earlier`` is the text of the sections before
    it. The conclusion may sum up what they said, but not restate their facts."""
    report = SectionReport(words=len(body.split()), target=target)
    for sentence in split_sentences(body):
        found = invented(sentence, checker.corpus, checker.grounded)
        if found:
            report.invented.append((sentence, [f'"{s.text}"' for s in found]))
        elif checker.known_grams and copied_grams(sentence, checker.known_grams) > 0:
            report.copied.append(sentence)
    report.meta = meta_sentences(body)
    report.titles = title_sentences(body, [*checker.titles, *([heading] if heading else [])])
    report.fused = fused_words(body, checker.vocabulary)
    repeats = set(restated_facts([*earlier, body]))
    if heading != CONCLUSION_HEADING:
        repeats |= set(echoed_sentences(earlier, body))
    repeats |= set(repeated_within(body))
    report.restated = [s for s in split_sentences(body) if s in repeats]
    report.summary = summing_up(body) if heading != CONCLUSION_HEADING else []
    report.meta += [s for s in foreign_sentences(body, checker.reference) if s not in report.meta]
    opening = dangling_opening(body)
    report.opening = [opening] if opening and opening not in report.meta else []
    report.missing = left_out_facts(body, evidence, target)
    return report


def left_out_facts(body: str, evidence: Sequence[Passage], target: int) -> list[str]:
    """Evidence sentences (``[n] sentence``) holding names or numbers the section does not state,
    most specifics first, when the section states fewer than its share of the evidence's facts."""
    wanted = key_specifics(p.text for p in evidence)
    if not wanted:
        return []
    expected = min(len(wanted), max(1, target // WORDS_PER_FACT))
    stated = sum(states(body, s) for s in wanted)
    shortfall = SHORT * target - len(body.split())
    if shortfall > 0:  # a short section explains more of its evidence rather than padding
        expected = min(len(wanted), max(expected, stated + 1 + int(shortfall // WORDS_PER_FACT)))
    if stated >= expected:
        return []
    scored = []
    for passage in evidence:
        for sentence in split_sentences(passage.text):
            unstated = [s for s in find_specifics(sentence) if s in wanted and not states(body, s)]
            if unstated and not sentence.endswith("?"):
                scored.append((len(unstated), f'[{passage.source_id}] "{_quote(sentence)}"'))
    scored.sort(key=lambda item: -item[0])
    return [text for _, text in scored[: min(MAX_MISSING_SHOWN, expected - stated)]]


_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|my|me|mine|[Ww]e|[Ww]e're|[Ww]e've|[Oo]ur|us)\b")


def impersonal(evidence: Sequence[Passage]) -> list[Passage]:
    """The passages without their authors' first-person sentences that state no name or number
    ("I run the compost bays at my allotment", "our newsletter asks readers"): a post written from
    them would speak in another person's voice. One that does ("Most systems I see pay back in 6 to
    12 years") stays: its fact is evidence, and the checks send a copied sentence back."""
    kept = []
    for passage in evidence:
        sentences = split_sentences(passage.text)
        text = " ".join(s for s in sentences if not _FIRST_PERSON.search(s) or find_specifics(s))
        kept.append(passage.model_copy(update={"text": text or passage.text}))
    return kept


@dataclass
class Written:
    """One section as the model wrote it: the chat so far (for a revise turn) and its text."""

    messages: list[BaseMessage]
    reply: str
    body: str


def write_section(
    context: WritingContext,
    checker: Checker,
    heading: str,
    template: str,
    length: int,
    evidence: list[Passage],
    earlier: Sequence[str],
    values: dict[str, object],
) -> tuple[Section, list[str]]:
    """Write one section, check it, revise it once if it has problems; return it and notes on
    what the checks changed (for the run's warnings)."""
    written = ask(context, section_messages(context, heading, template, length, evidence, values), length)
    return improve(context, checker, heading, written, length, evidence, earlier)


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
        values = {
            **values,
            "evidence": quoted_evidence(impersonal(evidence)),
            "example": evidence[0].source_id,
            "must": explain_line(points_to_explain(evidence, focus, length)),
        }
    task = context.brief + "\n\n" + render("writer", template, **fill, **values)
    return messages_for(context.system, task)


WRITER_CALL = "writer_call"  # run metadata naming a writer call that is not a section's text
MAX_FIX_CALLS = 5  # sentence-level revise calls per section and round
MAX_COPY_FIXES = 3  # ... of which copied sentences take at most this many (left-out facts need some)
SECTION_COPY_BUDGET = 0.12  # share of a section's word 8-grams left copied from a source (post: <= 15%)
FIX_MAX_TOKENS = 90  # a fix is one or two sentences
FIX_WORDS = (4, 60)  # a usable fixed sentence (or two) has this many words
MAX_FIX_SENTENCES = 2


def improve(
    context: WritingContext,
    checker: Checker,
    heading: str,
    written: Written,
    length: int,
    evidence: list[Passage],
    earlier: Sequence[str],
    extra: Sequence[str] = (),
) -> tuple[Section, list[str]]:
    """Check ``written`` and fix its problems with targeted calls in the next turn of the same
    chat (llama.cpp reuses everything before the new turn): each sentence with an invented
    specific, talk about the evidence, or copied wording goes back to the model named, and each
    fact the section left out is asked for in the model's own words. A fix is kept only if it
    passes the same checks. Titles-as-sentences and restated facts are dropped; fused words split.
    ``extra`` problems (the critic's notes) first get one whole-section revision, kept only if it
    measures no worse."""
    report = check_section(written.body, checker, evidence, earlier, length, heading)
    body = drop_sentences(written.body, [*report.titles, *report.restated, *report.summary])
    body = repair_fused(body, checker.vocabulary)
    if extra:
        body = revised_whole(context, checker, heading, written, body, length, evidence, earlier, extra)
        report = check_section(body, checker, evidence, earlier, length, heading)
    fixer = Fixer(context, checker, written, evidence)
    removed = 0
    for sentence, found in report.invented:
        fixed = fixer.rewrite("fix_invented", sentence, body, found=", ".join(found))
        body, removed = replace_sentence(body, sentence, fixed), removed + (not fixed)
    for sentence in report.meta:
        fixed = fixer.rewrite("fix_meta", sentence, body)
        body, removed = replace_sentence(body, sentence, fixed), removed + (not fixed)
    for sentence in report.opening:
        body = replace_sentence(body, sentence, fixer.rewrite("fix_opening", sentence, body) or sentence)
    for sentence in copies_to_fix(body, report.copied, evidence, checker.known_grams)[:MAX_COPY_FIXES]:
        fixed = fixer.rewrite("fix_copied", sentence, body)
        body = replace_sentence(body, sentence, fixed if keeps_numbers(sentence, fixed) else sentence)
    for fact in report.missing:
        addition = fixer.rewrite("fix_missing", "", body, fact=fact, audience=context.request.audience)
        body = f"{body} {addition}".strip()
    return finish(body, checker, evidence, earlier, length, heading, removed)


def copies_to_fix(
    body: str, copied: Sequence[str], evidence: Sequence[Passage], known: set[tuple[str, ...]]
) -> list[str]:
    """The copied sentences worth a fix call: those stating the evidence's facts, most copied
    first, only while the section would copy more than ``SECTION_COPY_BUDGET`` of its 8-grams
    (a few source sentences with their facts read well and cite exactly; a simpler rewording
    of each lost precision, "Photovoltaic cells are used in rooftop solar panels"); then those
    stating none, which are left out at the end if still copied."""
    rhetoric = pasted_wording(copied, evidence)
    kept = [s for s in split_sentences(body) if s not in rhetoric]
    total = sum(max(0, len(s.split()) - COPY_NGRAM + 1) for s in kept)
    over = sum(copied_grams(s, known) for s in kept) - SECTION_COPY_BUDGET * total
    facts = sorted((s for s in copied if s not in rhetoric), key=lambda s: -copied_grams(s, known))
    chosen = []
    for sentence in facts:
        if over <= 0:
            break
        chosen.append(sentence)
        over -= copied_grams(sentence, known)
    return [*chosen, *rhetoric]


def keeps_numbers(original: str, fixed: str) -> bool:
    """True when ``fixed`` is not empty and states every number ``original`` states (a simpler
    wording that drops "3.68 kW" loses the fact it was asked to keep)."""
    numbers = [s for s in find_specifics(original) if s.kind == "number"]
    return bool(fixed) and all(states(fixed, n) for n in numbers)


class Fixer:
    """Asks the model for one targeted fix at a time, within the section's call budget."""

    def __init__(
        self, context: WritingContext, checker: Checker, written: Written, evidence: Sequence[Passage]
    ) -> None:
        self.context, self.checker, self.written, self.evidence = context, checker, written, evidence
        self.cite = cite_example(evidence, context)
        self.calls = 0

    def rewrite(self, template: str, sentence: str, body: str, **values: object) -> str:
        """The model's fix for ``sentence`` of ``body`` (or an addition to it when ``sentence`` is
        ""), or "" when the budget is spent or the fix fails the checks."""
        if self.calls >= MAX_FIX_CALLS:
            return ""
        self.calls += 1
        ask_for = render("writer", template, sentence=_quote(sentence), cite=self.cite, **values)
        reply = self.reply_to(ask_for, FIX_MAX_TOKENS)
        fixed = clean_section(flatten_markdown(reply), self.context.known_ids, list(self.context.seen))
        fixed = " ".join(fixed.split())
        rest = replace_sentence(body, sentence, "") if sentence else body
        return fixed if self.passes(fixed, rest) else ""

    def reply_to(self, ask_for: str, max_tokens: int) -> str:
        """One fix call: the request as the next turn of the section's chat."""
        chat = [*self.written.messages, AIMessage(self.written.reply), HumanMessage(ask_for)]
        options: dict[str, Any] = {"max_tokens": max_tokens, "seed": self.context.round_number}
        # Marked as a fix, so front ends do not show it as a new section's text.
        fixing = self.context.model.with_config(metadata={WRITER_CALL: "fix"})
        return str(fixing.invoke(chat, **options).content)

    def passes(self, text: str, rest: str) -> bool:
        """A fix is one or two plain sentences of a sane length with no problem of its own, that
        does not repeat the rest of the section."""
        words = len(text.split())
        if not FIX_WORDS[0] <= words <= FIX_WORDS[1] or text.count('"') >= 2:
            return False
        if len(split_sentences(text)) > MAX_FIX_SENTENCES or restated_facts([rest, text]):
            return False
        if meta_sentences(text) or title_sentences(text, self.checker.titles):
            return False
        if any(invented(s, self.checker.corpus, self.checker.grounded) for s in split_sentences(text)):
            return False
        return not (self.checker.known_grams and copied_grams(text, self.checker.known_grams))


def cite_example(evidence: Sequence[Passage], context: WritingContext) -> str:
    """How a fix is asked to cite: like the evidence's first source, or not at all."""
    return f", cited like [{evidence[0].source_id}]" if evidence and context.grounded else ""


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
) -> str:
    """One whole-section revision for problems code cannot measure (the critic's notes), kept
    only when it measures no worse than ``body``."""
    problems = bullet_list(list(extra))
    fix = render("writer", "free_fix", heading=heading or "introduction", problems=problems, length=length)
    chat = [*written.messages, AIMessage(written.reply), HumanMessage(fix)]
    revised = ask(context, chat, length, seed=context.round_number)
    before = check_section(body, checker, evidence, earlier, length, heading).badness()
    after = check_section(revised.body, checker, evidence, earlier, length, heading).badness()
    return revised.body if revised.body and after <= before else body


def replace_sentence(body: str, sentence: str, replacement: str) -> str:
    """``body`` with ``sentence`` replaced (or removed when ``replacement`` is empty)."""
    paragraphs = []
    for paragraph in body.split("\n\n"):
        parts = [replacement if s == sentence else s for s in split_sentences(paragraph)]
        joined = " ".join(p for p in parts if p)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def finish(
    body: str,
    checker: Checker,
    evidence: Sequence[Passage],
    earlier: Sequence[str],
    length: int,
    heading: str,
    removed: int = 0,
) -> tuple[Section, list[str]]:
    """The last resort after the fixes: sentences that still state invented specifics or talk
    about the evidence are removed; those and the ``removed`` ones whose fix failed are reported."""
    report = check_section(body, checker, evidence, earlier, length, heading)
    doomed = [*(s for s, _ in report.invented), *report.meta, *report.titles]
    pasted = [
        s for s in pasted_wording([*report.copied, *report.opening], evidence) if not referred_to(body, s)
    ]
    body = drop_sentences(body, [*doomed, *pasted])
    if checker.grounded:
        body = cite_uncited(body, evidence)
    removed += len(set(doomed))
    notes: list[str] = []
    where = f'"{heading}"' if heading else "the introduction"
    if removed:
        notes.append(
            f"{where}: removed {removed} sentence(s) the model did not fix "
            "(invented specifics or talk about the sources)"
        )
    if pasted:
        notes.append(
            f"{where}: removed {len(pasted)} sentence(s) with none of the sources' facts that the model "
            "did not fix (pasted wording, an opening pronoun)"
        )
    return Section(heading=heading, body=body), notes


def cite_uncited(body: str, evidence: Sequence[Passage]) -> str:
    """``body`` with a marker on each uncited sentence whose names and numbers the evidence of
    one source alone states (the model often drops ``[n]`` while keeping the facts)."""
    paragraphs = []
    for paragraph in body.split("\n\n"):
        sentences = []
        for sentence in split_sentences(paragraph):
            owner = sole_source(sentence, evidence) if not cited_ids(sentence) else None
            sentences.append(with_markers(sentence, [owner]) if owner is not None else sentence)
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def sole_source(sentence: str, evidence: Sequence[Passage]) -> int | None:
    """The one source whose passages state every name and number of ``sentence`` (None when
    the sentence states none, or no single source states them all)."""
    specifics = [s for s in find_specifics(sentence) if s.kind in ("name", "number")]
    if not specifics:
        return None
    owners = {p.source_id for p in evidence}
    for specific in specifics:
        owners &= {p.source_id for p in evidence if states(p.text, specific)}
    return owners.pop() if len(owners) == 1 else None


def referred_to(body: str, sentence: str) -> bool:
    """True when the sentence after ``sentence`` in its paragraph opens on a pronoun ("It simply
    means…"): leaving ``sentence`` out would leave that one pointing at nothing."""
    for paragraph in body.split("\n\n"):
        sentences = split_sentences(paragraph)
        for current, following in itertools.pairwise(sentences):
            if current == sentence and dangling_opening(following):
                return True
    return False


def pasted_wording(copied: Sequence[str], evidence: Sequence[Passage]) -> list[str]:
    """The copied sentences (or an opening on a dangling pronoun) that carry none of the
    evidence's names or numbers: a source's own rhetoric ("That is a shame, because…"), which the
    post loses nothing by leaving out."""
    wanted = key_specifics(p.text for p in evidence)
    return [s for s in copied if not any(states(s, specific) for specific in wanted)]


def ask(
    context: WritingContext,
    messages: list[BaseMessage],
    length: int,
    seed: int | None = None,
) -> Written:
    """One model call for a section's text, cleaned (chatter, links, loops, unknown citations).
    No sampling constraint: a model that can write is checked for copying afterwards and asked to
    rephrase (forbidding its next token made it misspell the word instead: "burry", "flys")."""
    options: dict[str, Any] = {"max_tokens": max_tokens_for(round(length * LENGTH_ROOM))}
    if seed is not None:
        options["seed"] = seed
    reply = str(context.model.invoke(messages, **options).content)
    instructions = _QUOTED_DATA.sub("", str(messages[-1].content))  # the task without its evidence
    body = clean_section(flatten_markdown(reply), context.known_ids, list(context.seen), prompt=instructions)
    return Written(messages=messages, reply=reply, body=body)
