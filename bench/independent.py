"""Quality measures that do not reuse the app's own checks, so the bench can catch what they miss.

The app enforces citation support with a bag of content words over a whole source
(``tools/citations.py``, ``agents/text/attribution.py``) and repetition with word-set Jaccard and
repeated 3-grams (``agents/text/cleanup.py``, ``agents/text/readability.py``). These measures use other
methods and share no code with them (own sentence splitting, own marker parsing):

- **citation support**: a cited sentence must match one *passage* of its source (one or two
  consecutive sentences), in order: ROUGE-L recall of all its words (function words too) or
  character 5-gram containment, and every number it states must be in that passage.
  Words scattered over a long source, or a changed number, do not count.
- **repetition**: character 4-gram TF-IDF cosine between each sentence and every earlier one,
  so a repeat with other word forms ("fed daily" / "feeding every day") still counts.

Both are still lexical: a faithful paraphrase in other words fails support here as in the app,
and neither judges whether the sentence is true. See ``bench/README.md``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

SUPPORT_LCS = 0.6  # share of the claim's words found, in order, in one passage
SUPPORT_CHARS = 0.6  # share of the claim's character 5-grams found in one passage
REPEAT_COSINE = 0.5  # char 4-gram TF-IDF cosine of a repeat (distinct on-topic sentences: < 0.2)

_MARKER = re.compile(r"\[\s*(\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*)\s*\](?![(:])")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*\[[\d,;\s–-]+\])*\s+(?=[\"'(]?[A-Z0-9])")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_MARKER_WITH_SPACE = re.compile(r"\s*" + _MARKER.pattern)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_REFERENCES = re.compile(r"^#{1,6}\s*(references|sources)\s*$", re.IGNORECASE | re.MULTILINE)


class ClaimCheck(BaseModel):
    """One cited sentence against one source it cites."""

    sentence: str
    source_id: int
    lcs_recall: float = Field(description="best over passages: in-order share of the claim's words")
    char_containment: float = Field(description="best over passages: share of the claim's 5-grams")
    numbers_found: bool = Field(description="every number of the claim is in the best passage")
    supported: bool


class SupportReport(BaseModel):
    """Independent citation support of one draft."""

    claims: list[ClaimCheck] = Field(default_factory=list)
    rate: float | None = Field(default=None, description="supported claims / claims; None without claims")


class RepetitionReport(BaseModel):
    """Independent repetition measure of one draft."""

    sentences: int
    repeated: list[str] = Field(default_factory=list, description="sentences that repeat an earlier one")
    ratio: float


def body_text(markdown: str) -> str:
    """The running text: no headings, no References section, one line per paragraph."""
    references = _REFERENCES.search(markdown)
    body = markdown[: references.start()] if references else markdown
    lines = [line.strip() for line in body.splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(" ".join(line.split()) for line in lines if line)


def sentences_of(text: str) -> list[str]:
    """Sentences, split at end punctuation (citation markers stay with their sentence)."""
    return [part.strip() for line in text.splitlines() for part in _SENTENCE_END.split(line) if part.strip()]


def marker_ids(sentence: str) -> list[int]:
    """Source ids cited in a sentence: ``[2]``, ``[1, 3]``, ``[2-4]``."""
    ids: list[int] = []
    for group in _MARKER.findall(sentence):
        for part in re.split(r"\s*[,;]\s*", group):
            bounds = [int(n) for n in re.split(r"\s*[–-]\s*", part) if n]
            span = (
                range(bounds[0], bounds[-1] + 1)
                if len(bounds) == 2 and bounds[1] - bounds[0] <= 20
                else bounds
            )
            ids.extend(n for n in span if n not in ids)
    return ids


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def lcs(first: Sequence[str], second: Sequence[str]) -> int:
    """Length of the longest common subsequence of two word lists."""
    previous = [0] * (len(second) + 1)
    for item in first:
        current = [0]
        for j, other in enumerate(second, start=1):
            current.append(previous[j - 1] + 1 if item == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def char_grams(text: str, n: int) -> Counter[str]:
    """Character n-grams of the lower-cased words joined by single spaces."""
    flat = " " + " ".join(words(text)) + " "
    return Counter(flat[i : i + n] for i in range(max(0, len(flat) - n + 1)))


Passage = tuple[list[str], Counter[str], set[str]]  # words, character 5-grams, numbers


def passages(source: str) -> list[Passage]:
    """Every sentence of the source, and every pair of consecutive sentences, ready to compare."""
    parts = sentences_of(body_text(source))
    texts = parts + [f"{a} {b}" for a, b in itertools.pairwise(parts)]
    return [(words(text), char_grams(text, 5), set(_NUMBER.findall(text))) for text in texts]


def check_claim(sentence: str, source_id: int, source: list[Passage] | None) -> ClaimCheck:
    """Score one claim against its source's best passage (numbers first, then overlap)."""
    claim_words, claim_grams = words(sentence), char_grams(sentence, 5)
    numbers = set(_NUMBER.findall(sentence))
    best = (False, 0.0, 0.0)
    for passage_words, grams, passage_numbers in source or []:
        recall = lcs(claim_words, passage_words) / len(claim_words) if claim_words else 0.0
        containment = sum((claim_grams & grams).values()) / max(1, sum(claim_grams.values()))
        candidate = (numbers <= passage_numbers, round(recall, 3), round(containment, 3))
        best = max(best, candidate, key=lambda b: (b[0], max(b[1], b[2])))
    found, recall, containment = best
    return ClaimCheck(
        sentence=sentence,
        source_id=source_id,
        lcs_recall=recall,
        char_containment=containment,
        numbers_found=found,
        supported=found and (recall >= SUPPORT_LCS or containment >= SUPPORT_CHARS),
    )


def citation_support(markdown: str, sources: Mapping[int, str]) -> SupportReport:
    """Check every cited sentence of ``markdown`` against each source it cites.

    Args:
        markdown: The post, ``[n]`` markers numbered as the keys of ``sources``.
        sources: Source id -> the text the writer saw for it.
    """
    prepared = {source_id: passages(text) for source_id, text in sources.items()}
    claims: list[ClaimCheck] = []
    for sentence in sentences_of(body_text(markdown)):
        ids = marker_ids(sentence)
        claim = " ".join(_MARKER_WITH_SPACE.sub("", sentence).split())
        if ids and words(claim):
            claims.extend(check_claim(claim, source_id, prepared.get(source_id)) for source_id in ids)
    rate = round(sum(claim.supported for claim in claims) / len(claims), 4) if claims else None
    return SupportReport(claims=claims, rate=rate)


def _tfidf(documents: list[Counter[str]]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors (smoothed idf) of the documents' gram counts."""
    frequency = Counter(gram for document in documents for gram in document)
    total = len(documents)
    vectors = []
    for document in documents:
        weights = {g: c * (math.log((1 + total) / (1 + frequency[g])) + 1) for g, c in document.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({g: w / norm for g, w in weights.items()})
    return vectors


def repetition(markdown: str, threshold: float = REPEAT_COSINE) -> RepetitionReport:
    """Share of sentences whose character 4-gram TF-IDF cosine with an earlier sentence reaches
    ``threshold`` (markers removed; sentences of fewer than four words are skipped)."""
    sentences = [
        " ".join(_MARKER_WITH_SPACE.sub("", s).split())
        for s in sentences_of(body_text(markdown))
        if len(words(s)) >= 4
    ]
    vectors = _tfidf([char_grams(sentence, 4) for sentence in sentences])
    repeated = [
        sentences[i]
        for i, vector in enumerate(vectors)
        if any(
            sum(w * earlier.get(g, 0.0) for g, w in vector.items()) >= threshold for earlier in vectors[:i]
        )
    ]
    ratio = round(len(repeated) / len(sentences), 4) if sentences else 0.0
    return RepetitionReport(sentences=len(sentences), repeated=repeated, ratio=ratio)
