"""What a section written by a model that can write is checked for, and against what.

The text is checked (``SectionReport``): a sentence stating a name or number no source backs, a
sentence copied from a source, talk about "the evidence", a source title as a sentence, fused
words, a fact the post already stated, evidence the section left out, a length far from the
plan. The writer sends each problem back to the model (``agents.writer.free_writing``); the
critic names them, section by section (``agents.critic.section_findings``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.text.checks import (
    borrowed_voice,
    dangling_opening,
    echoed_sentences,
    foreign_sentences,
    meta_sentences,
    names_the_audience,
    names_the_post,
    repeated_within,
    restated_facts,
    summing_up,
    title_sentences,
)
from agents.text.grounding import copied_grams, corpus_for, invented, ngrams, repeated_runs, source_ngrams
from agents.text.spelling import fused_words, garbled_words, word_vocabulary
from core.markers import MARKER_RE, split_sentences
from core.policy import run_policy
from core.state import DraftRequest, Passage, Source
from tools.specifics import Corpus, find_specifics, key_specifics, states


@dataclass(frozen=True)
class Checker:
    """What a section's text is checked against (built once per writer step)."""

    corpus: Corpus
    known_grams: set[tuple[str, ...]]
    titles: tuple[str, ...]
    vocabulary: set[str]
    grounded: bool
    reference: str = ""  # the sources' and the request's text (which scripts they are written in)
    post_title: str = ""  # the post's own title, which its sentences must not name
    topic: str = ""
    audience: str = ""  # the request's audience, which a sentence naming echoes the prompt
    own_voice: bool = False  # the request asks for the writer's first person: "I" is no problem


@dataclass
class SectionReport:
    """The problems found in one section's text."""

    words: int
    target: int
    invented: list[tuple[str, list[str]]] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    meta: list[str] = field(default_factory=list)
    voice: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    fused: list[str] = field(default_factory=list)
    garbled: list[str] = field(default_factory=list)
    restated: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    opening: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many problems of each kind."""
        return {
            "invented": len(self.invented),
            "meta": len(self.meta),
            "voice": len(self.voice),
            "title": len(self.titles),
            "fused": len(self.fused),
            "garbled": len(self.garbled),
            "restated": len(self.restated),
            "summary": len(self.summary),
            "copied": len(self.copied),
            "opening": len(self.opening),
            "missing": len(self.missing),
        }

    def badness(self) -> float:
        """Weighted problems plus the length's distance from the plan beyond the tolerated range."""
        policy = run_policy().text
        ratio = self.words / max(1, self.target)
        off = max(0.0, policy.short - ratio, ratio - policy.long)
        weights = policy.problem_weights
        return sum(getattr(weights, k) * n for k, n in self.counts().items()) + policy.length_weight * off

    def fixable(self) -> bool:
        """True when a fix call could help: an invented specific, talk about the evidence, copied
        wording, a borrowed "I", an opening pronoun or a left-out fact (length follows from the
        facts)."""
        problems = (
            self.invented,
            self.meta,
            self.voice,
            self.garbled,
            self.copied,
            self.opening,
            self.missing,
        )
        return any(problems)

    def problems_by_kind(self) -> dict[str, list[str]]:
        """Each problem in words, as the revise call names it, by kind."""
        policy = run_policy().text
        ratio = self.words / max(1, self.target)
        length = []
        if ratio < policy.short:
            length = [
                f"The text has {self.words} words; it needs about {self.target}: "
                "explain the evidence more fully."
            ]
        elif ratio > policy.long:
            length = [f"The text has {self.words} words; tighten it to about {self.target}."]
        return {
            "invented": [
                f'The sentence "{quoted(s)}" names {", ".join(found)}, which no source says: '
                "remove that claim or state only what the evidence says."
                for s, found in self.invented
            ],
            "copied": [
                f'The sentence "{quoted(s)}" copies a source word for word: say it in your own words.'
                for s in self.copied
            ],
            "meta": [
                f'The sentence "{quoted(s)}" talks about the evidence or the post instead of the subject: '
                "state the point itself."
                for s in self.meta
            ],
            "voice": [
                f'The sentence "{quoted(s)}" speaks as "I", in a source author\'s voice: '
                "state the point without I, me or my."
                for s in self.voice
            ],
            "title": [f'"{quoted(s)}" is a source\'s title, not a sentence: remove it.' for s in self.titles],
            "fused": [f'"{w}" runs two words together: separate them.' for w in self.fused],
            "garbled": [f'"{w}" is not a word: spell it correctly.' for w in self.garbled],
            "restated": [
                f'The sentence "{quoted(s)}" repeats a fact stated earlier in the post: '
                "remove it or say something new."
                for s in self.restated
            ],
            "summary": [
                f'The sentence "{quoted(s)}" sums up the post before its conclusion: remove it.'
                for s in self.summary
            ],
            "opening": [
                f'The section opens with "{quoted(s)}", but nothing before it says what the pronoun '
                "means: name the subject."
                for s in self.opening
            ],
            "missing": [
                f"Also explain this fact of the evidence, in your own words and cited: {m}"
                for m in self.missing
            ],
            "length": length,
        }


def quoted(sentence: str) -> str:
    """The sentence on one line, cut to the policy's ``quoted_chars``, as a problem names it."""
    quoted = run_policy().text.quoted_chars
    text = " ".join(sentence.split())
    return text if len(text) <= quoted else text[: quoted - 1].rstrip() + "…"


def check_section(
    body: str,
    checker: Checker,
    evidence: Sequence[Passage],
    earlier: Sequence[str],
    target: int,
    heading: str = "",
    concluding: bool = False,
) -> SectionReport:
    """Every problem of ``body`` (see module doc); ``earlier`` is the text of the sections before
    it. The conclusion (``concluding``: the section's role, never its heading) may sum up what
    they said, but not restate their facts."""
    report = SectionReport(words=len(body.split()), target=target)
    for sentence in split_sentences(body):
        found = invented(sentence, checker.corpus, checker.grounded)
        if found:
            report.invented.append((sentence, [f'"{s.text}"' for s in found]))
        elif checker.known_grams and copied_grams(sentence, checker.known_grams) > 0:
            report.copied.append(sentence)
    report.meta = meta_sentences(body)
    naming = names_the_post(body, checker.post_title, checker.topic) + names_the_audience(
        body, checker.audience
    )
    report.meta += [s for s in naming if s not in report.meta]
    if not checker.own_voice:
        report.voice = [s for s in borrowed_voice(body) if s not in report.meta]
    report.titles = title_sentences(body, [*checker.titles, *([heading] if heading else [])])
    report.fused = fused_words(body, checker.vocabulary)
    report.garbled = garbled_words(body, checker.vocabulary)
    repeats = set(restated_facts([*earlier, body]))
    if not concluding:
        repeats |= set(echoed_sentences(earlier, body))
    repeats |= set(repeated_within(body)) | set(repeated_runs(earlier, body))
    report.restated = [s for s in split_sentences(body) if s in repeats]
    report.summary = summing_up(body) if not concluding else []
    report.meta += [s for s in foreign_sentences(body, checker.reference) if s not in report.meta]
    opening = dangling_opening(body)
    report.opening = [opening] if opening and opening not in report.meta else []
    report.missing = left_out_facts(body, evidence, target)
    return report


def left_out_facts(body: str, evidence: Sequence[Passage], target: int) -> list[str]:
    """Evidence sentences (``[n] sentence``) to ask a section for: those it is short of
    (``facts_short_of_plan``), or, when it cites nothing at all, the one stating most."""
    found = facts_short_of_plan(body, evidence, target)
    if not found and evidence and not MARKER_RE.search(body):
        return uncited_fact(evidence)
    return found


def facts_short_of_plan(body: str, evidence: Sequence[Passage], target: int) -> list[str]:
    """Evidence sentences holding names or numbers the section does not state, most specifics
    first (none in a source author's first person), when the section states fewer than its share
    of the evidence's facts."""
    policy = run_policy().text
    wanted = key_specifics(p.text for p in evidence)
    if not wanted:
        return []
    expected = min(len(wanted), max(1, target // policy.words_per_fact))
    stated = sum(states(body, s) for s in wanted)
    shortfall = policy.short * target - len(body.split())
    if shortfall > 0:  # a short section explains more of its evidence rather than padding
        expected = min(len(wanted), max(expected, stated + 1 + int(shortfall // policy.words_per_fact)))
    if stated >= expected:
        return []
    scored = []
    for passage in evidence:
        for sentence in split_sentences(passage.text):
            unstated = [s for s in find_specifics(sentence) if s in wanted and not states(body, s)]
            # (A question is no fact; a source author's "I" would come back in their voice.)
            if unstated and not sentence.endswith("?") and not borrowed_voice(sentence):
                scored.append((len(unstated), f'[{passage.source_id}] "{quoted(sentence)}"'))
    scored.sort(key=lambda item: -item[0])
    return [text for _, text in scored[: min(policy.max_missing_shown, expected - stated)]]


def uncited_fact(evidence: Sequence[Passage]) -> list[str]:
    """The evidence sentence (``[n] sentence``) stating most names and numbers, for a section that
    cites nothing at all: one that talks around its subject in general terms ("create a new logger
    instance in every file") states none of the evidence's specifics, so no fact was asked for."""
    scored = [
        (-len(find_specifics(sentence)), order, f'[{passage.source_id}] "{quoted(sentence)}"')
        for order, (passage, sentence) in enumerate((p, s) for p in evidence for s in split_sentences(p.text))
        if not sentence.endswith("?") and not borrowed_voice(sentence)
    ]
    return [min(scored)[2]] if scored else []


def within_copy_budget(bodies: Sequence[str], checker: Checker) -> bool:
    """True when the draft's sections together copy at most ``post_copy_budget`` (policy) of
    their word 8-grams from the sources."""
    total = sum(len(ngrams(body, run_policy().text.copy_ngram)) for body in bodies)
    copied = sum(copied_grams(body, checker.known_grams) for body in bodies)
    return copied <= run_policy().text.post_copy_budget * total


_RUN_IN_LABEL = re.compile(r"\*\*([^*\n]{3,60}?)[.:]?\*\*")  # "**Low light.** The ZZ plant…"


_OWN_VOICE = re.compile(r"\bfirst[- ]person\b|\bpersonal\b|\bin my (?:own )?(?:voice|words)\b", re.IGNORECASE)


def make_checker(
    request: DraftRequest, sources: Sequence[Source], passages: Sequence[Passage], post_title: str = ""
) -> Checker:
    """The checks' reference material: what may be stated, the sources' 8-grams, their titles
    and headings, the words known to exist, and the post's own title."""
    titles = [s.title for s in sources] + [p.heading for p in passages if p.heading]
    titles += [label for s in sources for label in _RUN_IN_LABEL.findall(s.text)]
    typed = [request.topic, request.audience, request.tone, request.feedback]
    return Checker(
        corpus=corpus_for(request, sources),
        known_grams=source_ngrams(s.text for s in sources),
        titles=tuple(dict.fromkeys(titles)),
        vocabulary=word_vocabulary([*typed, *(s.text for s in sources)]),
        grounded=bool(sources),
        reference="\n".join([*typed, *(s.text for s in sources)]),
        post_title=post_title,
        topic=request.topic,
        audience=request.audience,
        own_voice=bool(_OWN_VOICE.search(f"{request.tone} {request.feedback}")),
    )
