"""Agreement with a human reference article: ROUGE-1 and ROUGE-L F1 and entity recall (the STORM
paper's measures, with simple tokenisation and a capitalised-phrase/number heuristic instead of an
NER model)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel

from bench.post_text import prose, unwrap
from core.text import plain_words

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_CAPITALISED = re.compile(r"(?<![\w'-])[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
_LEADING_STOPWORDS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "in", "on", "at", "for", "i"}
)


class Overlap(BaseModel):
    """Agreement with a human reference article."""

    rouge_1: float
    rouge_l: float
    entity_recall: float | None
    reference_entities: int


def f1(overlap: float, candidate_size: int, reference_size: int) -> float:
    """The F1 of precision ``overlap/candidate_size`` and recall ``overlap/reference_size``."""
    if not overlap or not candidate_size or not reference_size:
        return 0.0
    precision, recall = overlap / candidate_size, overlap / reference_size
    return round(2 * precision * recall / (precision + recall), 4)


def rouge_1(candidate: str, reference: str) -> float:
    """ROUGE-1 F1: unigram overlap with clipped counts."""
    cand, ref = Counter(plain_words(candidate)), Counter(plain_words(reference))
    overlap = sum((cand & ref).values())
    return f1(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(first: Sequence[str], second: Sequence[str]) -> int:
    """Length of the longest common subsequence (two-row dynamic programme)."""
    previous = [0] * (len(second) + 1)
    for item in first:
        current = [0]
        for index, other in enumerate(second):
            current.append(previous[index] + 1 if item == other else max(previous[index + 1], current[index]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 (beta = 1) over the whole texts' token sequences."""
    cand, ref = plain_words(candidate), plain_words(reference)
    return f1(lcs_length(cand, ref), len(cand), len(ref))


def extract_entities(text: str) -> set[str]:
    """Named things by heuristic: numbers, and capitalised phrases (a lone capitalised word at
    the start of a sentence or line is skipped; leading articles are dropped). Lower-cased."""
    found = {match.group(0).replace(",", "") for match in _NUMBER.finditer(text)}
    for match in _CAPITALISED.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower() in _LEADING_STOPWORDS:
            words = words[1:]
        at_start = bool(_SENTENCE_START.search(text[: match.start()]))
        if not words or (len(words) == 1 and at_start and len(match.group(0).split()) == 1):
            continue
        found.add(" ".join(words).lower())
    return found


def entity_recall(candidate: str, reference: str) -> tuple[float | None, int]:
    """Share of the reference's entities that the candidate mentions (case-insensitive, whole
    words); None when the reference has no entities. Also returns the entity count.

    The reference's headings are left out and wrapped lines joined first: a heading is not a
    named thing, and a name at the start of a wrapped line does not start a sentence."""
    entities = extract_entities(unwrap(prose(reference)))
    if not entities:
        return None, 0
    text = " " + " ".join(plain_words(candidate.replace(",", ""))) + " "
    hits = sum(1 for entity in entities if f" {' '.join(plain_words(entity))} " in text)
    return round(hits / len(entities), 4), len(entities)


def reference_overlap(candidate: str, reference: str) -> Overlap:
    """ROUGE-1, ROUGE-L and entity recall of a draft's prose against a reference article."""
    recall, count = entity_recall(candidate, reference)
    return Overlap(
        rouge_1=rouge_1(candidate, reference),
        rouge_l=rouge_l(candidate, reference),
        entity_recall=recall,
        reference_entities=count,
    )
