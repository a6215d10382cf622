"""How a post uses its sources, measured apart from the app: facts recalled, invented, copied, cited.

The app checks its own specifics with ``tools.specifics``; these use the bench's entity heuristic
(``bench.overlap.extract_entities``) and their own 8-gram count, so the numbers are not the app
grading itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from bench.overlap import entity_recall, extract_entities
from bench.post_text import CONCLUSION_WORDS, parse_markdown, prose, unwrap
from core.markers import remove_reference_sections
from core.text import plain_words

COPY_N = 8


class Grounding(BaseModel):
    """How a post uses its sources: facts recalled, invented, copied, cited."""

    entity_recall: float | None
    specifics: int
    unsupported_share: float | None
    unsupported: list[str]
    copied_8gram_share: float | None
    body_sections: int
    cited_sections: int
    headings: list[str]


def word_ngrams(text: str, n: int = COPY_N) -> list[tuple[str, ...]]:
    """Lower-case alphanumeric word ``n``-grams of ``text``."""
    words = plain_words(text)
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def copied_share(text: str, sources: Sequence[str], n: int = COPY_N) -> float | None:
    """Share of the text's word ``n``-grams found verbatim in any source."""
    grams = word_ngrams(text, n)
    if not grams:
        return None
    known = {gram for source in sources for gram in word_ngrams(source, n)}
    return round(sum(gram in known for gram in grams) / len(grams), 4)


def unsupported_entities(text: str, sources: Sequence[str], topic: str) -> tuple[list[str], int]:
    """The post's entities (bench heuristic) found in no source and not in the topic, and how
    many entities it has."""
    entities = extract_entities(unwrap(text))
    known = " " + " ".join(plain_words(" ".join([*sources, topic]).replace(",", ""))) + " "
    missing = sorted(e for e in entities if f" {' '.join(plain_words(e))} " not in known)
    return missing, len(entities)


def grounding(markdown: str, sources: Sequence[str], topic: str, reference: str | None) -> Grounding:
    """The grounding numbers of one post (the pipeline's or the one-prompt baseline's)."""
    text = prose(markdown)
    missing, count = unsupported_entities(text, sources, topic)
    _, _, sections = parse_markdown(remove_reference_sections(markdown))
    body = [(name, part) for name, part in sections if not any(w in name.lower() for w in CONCLUSION_WORDS)]
    return Grounding(
        entity_recall=entity_recall(text, reference)[0] if reference else None,
        specifics=count,
        unsupported_share=round(len(missing) / count, 4) if count else None,
        unsupported=missing,
        copied_8gram_share=copied_share(text, sources),
        body_sections=len(body),
        cited_sections=sum(1 for _, part in body if re.search(r"\[\d+", part)),
        headings=[name for name, _ in sections],
    )
