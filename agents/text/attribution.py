"""Citations a reader can trust: every ``[n]`` points at a source whose text backs the sentence.

Small models put citation numbers almost at random. After editing, each sentence is compared
with every source (the same lexical overlap the citation check uses): a marker whose source
does not support its sentence moves to the source that does, or is dropped; an uncited sentence
that closely matches one source gets that source's number. Sentences are never rewritten.

A model that can write paraphrases, and puts markers on its own general remarks too ("Knowing
the rules is important [1]"). Its draft is checked strictly (``strict()``): the claim must match
one or two consecutive sentences of the source, not three, by half its content words, and every
number it states must be in them. Its words that only name the post's topic back nothing: a
sentence stating nothing beyond them ("Welcome to the world of rooftop solar panels [1]!") loses
its marker, and the rest of a claim's words must match the source on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.markers import MARKER_AFTER_STOP_RE, cited_ids, split_sentences, strip_citations
from core.policy import run_policy
from core.text import content_words
from tools.citations import DEFAULT_SUPPORT_THRESHOLD

SUPPORTED = DEFAULT_SUPPORT_THRESHOLD
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Strictness:
    """How closely a source must back a cited sentence."""

    window: int  # consecutive source sentences compared with the claim
    supported: float = SUPPORTED  # share of the claim's content words the window must hold
    numbers: bool = False  # every number of the claim must be in the window


def lenient() -> Strictness:
    """The check of an extractive draft: the run policy's ``window`` of source sentences."""
    return Strictness(window=run_policy().text.window)


def strict() -> Strictness:
    """The check of a model's own prose: fewer sentences, more of the claim's words, its numbers."""
    policy = run_policy().text
    return Strictness(window=policy.strict_window, supported=policy.strict_supported, numbers=True)


_END = re.compile(r"[.!?]+[\"')]*$")


class SourceIndex:
    """The content words of every window of ``strictness.window`` sentences of every source."""

    def __init__(
        self,
        texts: dict[int, str],
        strictness: Strictness | None = None,
        topic_words: frozenset[str] = frozenset(),
    ) -> None:
        self.strictness = strictness = strictness or lenient()
        self.topic_words = topic_words  # words that name the subject and so back no claim
        self.windows: dict[int, list[set[str]]] = {}
        self.numbers: dict[int, list[set[str]]] = {}
        size = strictness.window
        for source_id, text in texts.items():
            sentences = split_sentences(text) or [text]
            joined = [" ".join(sentences[i : i + size]) for i in range(max(1, len(sentences) - size + 1))]
            self.windows[source_id] = [content_words(window) for window in joined]
            self.numbers[source_id] = [set(_NUMBER.findall(window)) for window in joined]

    def support(
        self, claim_words: set[str], source_id: int, numbers: frozenset[str] | set[str] = frozenset()
    ) -> float:
        """Share of the claim's content words found in the source's best window (0 if unknown);
        when the strictness asks for it, only windows holding all the claim's ``numbers`` count."""
        if not claim_words or source_id not in self.windows:
            return 0.0
        pairs = zip(self.windows[source_id], self.numbers[source_id], strict=True)
        shares = [
            len(claim_words & window) / len(claim_words)
            for window, held in pairs
            if not self.strictness.numbers or numbers <= held
        ]
        return max(shares, default=0.0)

    def best(
        self, claim_words: set[str], numbers: frozenset[str] | set[str] = frozenset()
    ) -> tuple[int | None, float]:
        """The source that supports the claim best, and how well."""
        scored = [(self.support(claim_words, source_id, numbers), source_id) for source_id in self.windows]
        if not scored:
            return None, 0.0
        score, source_id = max(scored, key=lambda item: (item[0], -item[1]))
        return source_id, score


def attribute_section(body: str, index: SourceIndex) -> str:
    """``body`` with each sentence's citations checked against the sources (see module doc).

    Sentences are split exactly as the citation check splits them, so what this pass keeps is
    what the check counts as supported.
    """
    paragraphs = []
    for paragraph in body.split("\n\n"):
        flat = " ".join(paragraph.split())
        sentences = [attribute_sentence(sentence, index) for sentence in split_sentences(flat)]
        paragraphs.append(" ".join(s for s in sentences if s))
    return "\n\n".join(p for p in paragraphs if p)


def attribute_sentence(sentence: str, index: SourceIndex) -> str:
    """One sentence with the citations its sources support (unchanged when they all do)."""
    cited = cited_ids(sentence)
    claim = " ".join(strip_citations(sentence).split())
    words, numbers = content_words(claim) - index.topic_words, set(_NUMBER.findall(claim))
    if cited and not words and not numbers:
        return claim  # it states nothing beyond the topic, so there is nothing to cite
    supported = index.strictness.supported
    kept = [source_id for source_id in cited if index.support(words, source_id, numbers) >= supported]
    leading_marker = sentence.lstrip().startswith("[")  # would read as citing the heading above
    misplaced = bool(MARKER_AFTER_STOP_RE.search(sentence))  # "…they work. [1]": moved inside
    if (
        kept == cited
        and not leading_marker
        and not misplaced
        and (cited or len(words) < run_policy().text.min_claim_words)
    ):
        return sentence
    best, score = index.best(words, numbers)
    if (
        not kept
        and best is not None
        and score >= max(supported, run_policy().text.add_citation if not cited else 0.0)
    ):
        kept = [best]
    if not cited and not kept:
        return sentence if not leading_marker else claim
    return with_markers(claim, kept)


def with_markers(claim: str, ids: list[int]) -> str:
    """``claim`` with ``[a, b]`` placed before its closing punctuation (no marker for no ids)."""
    if not ids:
        return claim
    marker = f" [{', '.join(str(i) for i in sorted(ids))}]"
    end = _END.search(claim)
    if end is None:
        return claim + marker
    return claim[: end.start()] + marker + claim[end.start() :]
