"""Readability and repetition measures of prose, shared by the agents and the benchmark."""

from __future__ import annotations

import re

from core.markers import split_sentences
from core.text import ENGLISH_WORD_RE, plain_words

_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_SILENT_ENDING = re.compile(r"(?:[^aeiouyl]e|[^aeiouytd]ed|[^aeiouysxzhgc]es)$")


def repeated_ngram_ratio(text: str, n: int = 3) -> float:
    """Share of word n-grams that repeat an earlier n-gram of the text (0 = none)."""
    words = plain_words(text)
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return round((len(grams) - len(set(grams))) / len(grams), 4) if grams else 0.0


def count_syllables(word: str) -> int:
    """Syllables by a vowel-group heuristic: each run of a/e/i/o/u/y is one, minus a silent
    ending (``-e`` except ``-le``, ``-ed`` except ``-ted``/``-ded``, ``-es`` except after
    sibilants); at least one per word."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if not letters:
        return 0
    count = len(_VOWEL_GROUP.findall(letters))
    if count > 1 and _SILENT_ENDING.search(letters):
        count -= 1
    return max(1, count)


def flesch_reading_ease(text: str) -> float:
    """206.835 - 1.015 * words/sentence - 84.6 * syllables/word (higher = easier; 60-70 plain)."""
    sentences = [s for s in split_sentences(text) if ENGLISH_WORD_RE.search(s)]
    words = ENGLISH_WORD_RE.findall(text)
    if not sentences or not words:
        return 0.0
    syllables = sum(count_syllables(word) for word in words)
    return round(206.835 - 1.015 * len(words) / len(sentences) - 84.6 * syllables / len(words), 2)
