"""What damages a post for a reader, counted the same way for the pipeline and the one prompt.

- fused words: two words of the sources run together ("crucialrole"), or a word with a stray
  tail ("runsny");
- source titles standing as sentences;
- meta sentences: talk about "the evidence", "this section", "the article" (a phrase list of
  the bench's own, not the app's filter);
- facts stated twice (``agents.text.checks.restated_facts``: the same names and numbers, mostly the
  same words; the app's check, so "0" holds partly by construction for the pipeline);
- headings, each with the reason it is not a phrase a person would write, if one;
- length as a share of the target (running text: no headings, references or markers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agents.text.checks import restated_facts, title_sentences
from agents.text.headings import heading_problem
from agents.text.spelling import fused_words, garbled_words, word_vocabulary
from bench.post_text import prose, word_total

META_PHRASES = re.compile(
    r"\b(?:the|this|these) (?:evidence|excerpts?|passages?|research notes|section|article|blog post|post)\b"
    r"|\baccording to the (?:evidence|sources|notes|passages?)\b",
    re.IGNORECASE,
)
_TITLE_LINE = re.compile(r"^\s*#\s+(.+?)\s*$", re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[\"“])")


def source_titles(source_texts: Sequence[str]) -> list[str]:
    """Each source's own title (its first ``# `` line) and headings."""
    return [
        m.group(1).strip("# ") for text in source_texts for m in re.finditer(r"^#{1,6}\s+(.+)$", text, re.M)
    ]


def damage(markdown: str, source_texts: Sequence[str], topic: str, target_words: int) -> dict[str, Any]:
    """Damage counts and the headings of one post."""
    body = markdown.split("\n## References")[0]
    headings = [line[3:].strip() for line in body.splitlines() if line.startswith("## ")]
    text = prose(body)
    sentences = [s for s in _SENTENCE.split(" ".join(text.split())) if s]
    vocabulary = word_vocabulary([topic, *source_texts])
    blocks = [b for b in body.split("\n\n") if b.strip() and not b.lstrip().startswith("#")]
    all_text = "\n".join(source_texts)
    return {
        "words": word_total(markdown),
        "length_ratio": round(word_total(markdown) / max(1, target_words), 2),
        "fused_words": [*fused_words(text, vocabulary), *garbled_words(text, vocabulary)]
        if source_texts
        else [],
        "title_sentences": title_sentences(text, source_titles(source_texts)),
        "meta_sentences": [s for s in sentences if META_PHRASES.search(s)],
        "restated_facts": restated_facts(blocks),
        "headings": headings,
        "bad_headings": [
            f"{h} ({problem})"
            for h in headings
            if h.lower() != "conclusion" and (problem := heading_problem(h, all_text)) is not None
        ],
    }
