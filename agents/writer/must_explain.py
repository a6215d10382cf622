"""The points a section must explain: its evidence's names and numbers, in short phrases.

A model that can write, shown a section's evidence, drifts towards whatever it read last or
knows in general (a section "Doing the Sums" about batteries in general, none of its payback
figures). Naming the evidence's key points at the end of the request anchors it. Each point is
the clause around one name or number, cut to fewer words than the copy check's n-gram, so the
model has to build its own sentence around it; the points come from the evidence sentences
closest to the section's heading and plan, most relevant first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.text.cleanup import strip_emphasis
from core.markers import split_sentences
from core.policy import run_policy
from core.state import Passage
from core.text import SPACED_WORD_RE, STOPWORDS, content_words
from tools.specifics import find_specifics

_CLAUSE_BREAK = re.compile(r"[,;:|–—]|\s-\s")


def points_to_explain(evidence: Sequence[Passage], focus: str, length: int) -> list[str]:
    """Up to ``length / words_per_point`` (within ``points``; policy) short phrases, each holding a name
    or number of ``evidence``, one per sentence, from the sentences sharing most words with
    ``focus`` first."""
    wanted = max(
        run_policy().writer.points[0],
        min(run_policy().writer.points[1], round(length / run_policy().writer.words_per_point)),
    )
    focus_words = set(content_words(focus))
    sentences = [s for p in evidence for s in split_sentences(p.text) if not s.endswith("?")]
    ranked = sorted(
        enumerate(sentences), key=lambda item: (-len(focus_words & set(content_words(item[1]))), item[0])
    )
    points: list[str] = []
    covered: set[str] = set()
    for _, sentence in ranked:
        for specific in find_specifics(sentence):
            if specific.kind == "study" or specific.key in covered:
                continue
            point = clause_around(sentence, specific.text)
            if point and point.lower() not in (p.lower() for p in points):
                points.append(point)
                covered |= {s.key for s in find_specifics(point)}
                break  # one point per sentence: several would rebuild the source's sentence
        if len(points) >= wanted:
            break
    return points


def clause_around(sentence: str, phrase: str) -> str:
    """The clause of ``sentence`` holding ``phrase``, cut to at most ``point_words`` (policy) words
    around it ("" when the phrase is not in the sentence)."""
    start = sentence.find(phrase)
    if start < 0:
        return ""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    right_break = _CLAUSE_BREAK.search(sentence, start + len(phrase))
    right = right_break.start() if right_break else len(sentence)
    words = [(m.start(), m.group(0)) for m in SPACED_WORD_RE.finditer(sentence, left, right)]
    if len(words) < run_policy().writer.min_point_words:
        words = [(m.start(), m.group(0)) for m in SPACED_WORD_RE.finditer(sentence)]
    inside = [i for i, (at, word) in enumerate(words) if start <= at + len(word) and at < start + len(phrase)]
    if not inside:
        return ""
    first, last = inside[0], inside[-1]
    while last - first + 1 < run_policy().writer.point_words and (first > 0 or last < len(words) - 1):
        if last < len(words) - 1:
            last += 1
        if last - first + 1 < run_policy().writer.point_words and first > 0:
            first -= 1
    kept = [word for _, word in words[first : last + 1]]
    while len(kept) > 1 and kept[-1].lower() in STOPWORDS:  # "holds ten frames per" -> "holds ten frames"
        kept.pop()
    text = strip_emphasis(" ".join(kept)).strip(" .!?\"'")  # "**Low light.** The ZZ plant"
    return text if len(text.split()) >= run_policy().writer.min_point_words else ""


def explain_line(points: Sequence[str]) -> str:
    """The request's line naming the points ("" without points)."""
    if not points:
        return ""
    # Quoted like the evidence, so the check for echoed instructions never takes them for one.
    listed = "; ".join(points)
    return f"Be sure to explain these points, each in a sentence of your own: <<<{listed}>>>\n"
