"""Evidence: sources cut into passages, ranked with BM25, handed to the sections that explain them.

A passage is a paragraph of a source (long paragraphs are cut into windows of whole sentences),
remembered with the source's own heading above it. Sentences that look like instructions to a
model, or carry links or markup, are left out: source text is data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agents.text.checks import refers_to_page
from core.markers import split_sentences
from core.policy import run_policy
from core.state import Passage, Source
from core.text import tokens
from tools.injection import looks_like_injection

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def build_passages(sources: Sequence[Source]) -> list[Passage]:
    """Every source's passages, numbered in order (source order, then position in the source)."""
    passages: list[Passage] = []
    for source in sources:
        for heading, text in split_passages(source.text):
            passages.append(Passage(id=len(passages), source_id=source.id, heading=heading, text=text))
    return passages


def split_passages(text: str) -> list[tuple[str, str]]:
    """``(heading, passage)`` pairs of one source's text: paragraphs, long ones cut at sentences.

        Headings (markdown ``#`` lines) label the passages below them; list items and table rows
        join their paragraph; hostile sentences, and sentences about the page itself ("the table
    below"), are dropped.
    """
    heading, pieces = "", []
    short: list[tuple[str, str]] = []  # kept only when the source has nothing longer
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line.strip() and not _TABLE_RULE.match(line)]
        if not lines:
            continue
        first = _HEADING.match(lines[0])
        if first:
            heading, lines = first.group(1).strip(" #*"), lines[1:]
        flat = " ".join(_LIST_MARK.sub("", line).strip(" |") for line in lines)
        kept = [s for s in split_sentences(flat) if not looks_like_injection(s) and not refers_to_page(s)]
        for window in _windows(kept):
            if len(window.split()) >= run_policy().text.min_passage_words:
                pieces.append((heading, window))
            elif len(window.split()) >= run_policy().text.min_fallback_passage_words:
                short.append((heading, window))
    return pieces or short


def _windows(sentences: list[str]) -> list[str]:
    """Consecutive sentences grouped into windows of about the policy's ``passage_words`` words."""
    windows: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and len(" ".join([*current, sentence]).split()) > run_policy().text.passage_words:
            windows.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        if windows and len(" ".join(current).split()) < run_policy().text.min_passage_words:
            windows[-1] += " " + " ".join(current)
        else:
            windows.append(" ".join(current))
    return windows


_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ed", "es", "s", "ly")


def stems(text: str) -> list[str]:
    """:func:`core.text.tokens` with common suffixes cut, so "composting" finds "compost". Kept
    over PyStemmer's Snowball (``core.text.stems``, which the local notes search uses): with
    Snowball the embedded model's grounded draft on three short notes lost its figures
    (tests/integration/test_grounded_draft.py)."""
    result = []
    least = run_policy().text.min_stem_letters
    for word in tokens(text):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= least:
                word = word[: -len(suffix)]
                break
        result.append(word)
    return result


class EvidenceIndex:
    """BM25 over the passages (heading and text), so a section finds the evidence it explains."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        self._index: Any = None
        if self.passages:
            import bm25s  # numpy-backed; imported only when there is evidence

            self._index = bm25s.BM25()
            corpus = [stems(f"{p.heading} {p.text}") or ["<empty>"] for p in self.passages]
            self._index.index(corpus, show_progress=False)

    def scores(self, query: str) -> dict[int, float]:
        """Passage id -> BM25 score for ``query`` (only passages sharing a word with it)."""
        query_tokens = stems(query)
        if self._index is None or not query_tokens:
            return {}
        ids, values = self._index.retrieve([query_tokens], k=len(self.passages), show_progress=False)
        return {
            self.passages[int(i)].id: float(v) for i, v in zip(ids[0], values[0], strict=True) if float(v) > 0
        }


def passage_words(passage: Passage) -> int:
    return len(passage.text.split())


def evidence_word_budget(context_tokens: int, prompt_tokens: int, answer_tokens: int, cap_words: int) -> int:
    """Words of evidence one call may carry: what the context window leaves after the prompt and
    the answer, never more than ``cap_words`` (more evidence than that was measured not to help)."""
    room = context_tokens - prompt_tokens - answer_tokens
    return max(0, min(cap_words, int(room / run_policy().text.tokens_per_word)))


def assign_passages(
    queries: Sequence[str],
    index: EvidenceIndex,
    budget_words: int,
    preferred: Sequence[Sequence[int]] | None = None,
) -> list[list[int]]:
    """For each section's query, the passages most relevant to it within ``budget_words``.

    A passage goes to one section only, unless nothing else fits that section; ``preferred``
    passages (e.g. the ones under the source heading a section was named after) rank first.
    """
    by_id = {p.id: p for p in index.passages}
    ranked: list[list[int]] = []
    for position, query in enumerate(queries):
        scores = index.scores(query)
        first = list(preferred[position]) if preferred and position < len(preferred) else []
        floor = run_policy().text.relevance_floor * max(scores.values(), default=0.0)
        rest = sorted(
            (pid for pid in scores if pid not in first and scores[pid] >= floor), key=lambda pid: -scores[pid]
        )
        ranked.append([pid for pid in first if pid in by_id] + rest)
    used: set[int] = set()
    assigned: list[list[int]] = [[] for _ in queries]
    # Round-robin, one passage per section per turn, so the first section cannot take them all.
    for _ in range(max((len(r) for r in ranked), default=0)):
        for position, candidates in enumerate(ranked):
            taken = sum(passage_words(by_id[pid]) for pid in assigned[position])
            fits = (
                pid
                for pid in candidates
                if pid not in used and taken + passage_words(by_id[pid]) <= budget_words
            )
            choice = next(fits, None)
            if choice is None:
                continue
            assigned[position].append(choice)
            used.add(choice)
            candidates.remove(choice)
    for position, candidates in enumerate(ranked):
        if not assigned[position] and candidates:  # nothing unused fits: share the best passage
            assigned[position].append(candidates[0])
    return [sorted(ids) for ids in assigned]


def within_budget(passages: Sequence[Passage], budget_words: int) -> list[Passage]:
    """The leading passages that fit ``budget_words`` (none when nothing fits)."""
    kept: list[Passage] = []
    for passage in passages:
        if sum(passage_words(p) for p in kept) + passage_words(passage) > budget_words:
            break
        kept.append(passage)
    return kept


def quoted_evidence(passages: Sequence[Passage]) -> str:
    """Passages as numbered, quoted data: ``[source id] text`` lines."""
    return "\n".join(f"[{p.source_id}] {p.text}" for p in passages)
