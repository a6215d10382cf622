"""Grounding checks shared by the writer and the critic: invented specifics out, coverage measured.

A sentence that states a name, number, quote or study that no source, nor the request, contains
is removed from a section (small models dress up generic prose with invented studies and
statistics and then cite them). Without sources only invented studies, quotes and percentages
are removed: there is nothing to check names against.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agents.text.readability import repeated_ngram_ratio
from core.markers import remove_markers, split_sentences
from core.policy import run_policy
from core.state import DraftRequest, Passage, Source
from core.text import plain_words
from tools.specifics import (
    Corpus,
    Specific,
    SpecificKind,
    coverage,
    find_specifics,
    key_specifics,
    states,
    unsupported,
)

UNSOURCED_KINDS: tuple[SpecificKind, ...] = ("study", "quote")
_PERCENT = re.compile(r"\d\s?%|\bper ?cent\b", re.IGNORECASE)


def corpus_for(request: DraftRequest, sources: Sequence[Source]) -> Corpus:
    """What a draft may state: the sources' text and everything the user typed."""
    typed = [request.topic, request.audience, request.tone, request.feedback]
    return Corpus([*typed, *(s.text for s in sources)])


def invented(sentence: str, corpus: Corpus, grounded: bool) -> list[Specific]:
    """The specifics of one sentence that the corpus does not back (see module doc)."""
    if grounded:
        return unsupported(sentence, corpus)
    found = unsupported(sentence, corpus, UNSOURCED_KINDS)
    if _PERCENT.search(sentence):
        found += [s for s in unsupported(sentence, corpus, ("number",)) if _PERCENT.search(s.text)]
    return found


def drop_invented(body: str, corpus: Corpus, grounded: bool) -> tuple[str, list[str]]:
    """``body`` without the sentences that state invented specifics, and what was removed."""
    removed: list[str] = []
    paragraphs = []
    for paragraph in body.split("\n\n"):
        kept = []
        for sentence in split_sentences(paragraph):
            found = invented(sentence, corpus, grounded)
            if found:
                removed.extend(s.text for s in found)
            else:
                kept.append(sentence)
        if kept:
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs), removed


def ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    words = plain_words(text)  # as the bench counts them: "llama.cpp" is two words
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def repeated_runs(earlier: Sequence[str], body: str) -> list[str]:
    """Sentences of ``body`` that repeat a run of ``copy_ngram`` (policy) words of an earlier
    sentence, in ``earlier`` sections or in ``body`` itself: a model saying one clause twice ("…to
    receive sufficient light for photosynthesis while minimizing exposure to harsh sunlight" in
    two sentences in a row), which a reader notices at once even when the words around it differ."""
    size = run_policy().text.copy_ngram
    seen = {g for text in earlier for s in split_sentences(text) for g in ngrams(remove_markers(s), size)}
    found = []
    for sentence in split_sentences(body):
        grams = set(ngrams(remove_markers(sentence), size))
        if grams & seen:
            found.append(sentence)
        seen |= grams
    return found


def source_ngrams(source_texts: Iterable[str], n: int | None = None) -> set[tuple[str, ...]]:
    """Every word ``n``-gram of the sources (build once, test many texts against it); ``n``
    defaults to the policy's ``copy_ngram``."""
    size = run_policy().text.copy_ngram if n is None else n
    return {gram for text in source_texts for gram in ngrams(text, size)}


def copied_ngram_ratio(
    prose: str, source_texts: Sequence[str] = (), known: set[tuple[str, ...]] | None = None
) -> float | None:
    """Share of the prose's word 8-grams found verbatim in the sources, or in ``known`` (their
    :func:`source_ngrams`); None when the prose is too short to have one."""
    grams = ngrams(prose, run_policy().text.copy_ngram)
    if not grams:
        return None
    known = source_ngrams(source_texts) if known is None else known
    return copied_grams(prose, known) / len(grams)


def copied_grams(text: str, known: set[tuple[str, ...]]) -> int:
    """How many of the text's word 8-grams a source holds verbatim (``known``: their n-grams)."""
    return sum(gram in known for gram in ngrams(text, run_policy().text.copy_ngram))


@dataclass(frozen=True)
class SectionMeasure:
    """How well one section uses its evidence."""

    coverage: float | None
    invented: int
    repetition: float
    missing: tuple[Specific, ...]


def measure_section(body: str, evidence: Sequence[Passage], corpus: Corpus, grounded: bool) -> SectionMeasure:
    """Coverage of the section's own evidence, invented specifics, repeated 3-grams."""
    wanted = key_specifics(p.text for p in evidence)
    return SectionMeasure(
        coverage=coverage(body, wanted),
        invented=sum(len(invented(s, corpus, grounded)) for s in split_sentences(body)),
        repetition=repeated_ngram_ratio(body),
        missing=tuple(s for s in wanted if not states(body, s)),
    )


def better(new: SectionMeasure, old: SectionMeasure) -> bool:
    """True when a rewrite measures better: more of its evidence stated or fewer invented
    specifics, and neither of those worse."""
    new_cov, old_cov = new.coverage or 0.0, old.coverage or 0.0
    if new.invented > old.invented or new_cov < old_cov:
        return False
    return new_cov > old_cov or new.invented < old.invented


def missing_facts(
    evidence: Sequence[Passage], measure: SectionMeasure, limit: int | None = None
) -> list[str]:
    """Evidence sentences holding specifics the section does not state yet, most specifics first."""
    keys = {s.key for s in measure.missing}
    scored = []
    for passage in evidence:
        for sentence in split_sentences(passage.text):
            hits = {s.key for s in find_specifics(sentence)} & keys
            if hits:
                scored.append((len(hits), passage.source_id, sentence))
    scored.sort(key=lambda item: -item[0])
    return [
        f"[{source_id}] {sentence}"
        for _, source_id, sentence in scored[
            : run_policy().text.missing_facts_listed if limit is None else limit
        ]
    ]
