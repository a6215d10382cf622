"""Spelling damage: two words run together ("globalpatterns", which a sampling constraint can
cause) and known words with a stray tail ("runsny"), found against the sources' words and an
English dictionary, and split back where that is safe."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from core.policy import run_policy
from core.text import ASCII_WORD_RE, LONG_ASCII_WORD_RE


def fused_words(text: str, vocabulary: set[str]) -> list[str]:
    """Words that are two known words run together ("crucialrole"): not known themselves (in
    ``vocabulary``, the sources' and the request's words, or an English dictionary, also after
    a plural or verb ending) but splitting into two words that are."""
    return [
        word
        for word in dict.fromkeys(LONG_ASCII_WORD_RE.findall(text.lower()))
        if fused_split(word, vocabulary)
    ]


def fused_split(word: str, vocabulary: set[str]) -> tuple[str, str] | None:
    """The two known words an unknown ``word`` is made of, or None."""
    if is_known(word, vocabulary):
        return None
    part = run_policy().text.fused_part
    for cut in range(part, len(word) - part + 1):
        if word[cut:].startswith(_DERIVATIONS) and is_known(word[:cut], vocabulary):
            return None  # "sustain" + "ability": a word built with a suffix, not two run together
        if is_known(word[:cut], vocabulary) and is_known(word[cut:], vocabulary):
            return word[:cut], word[cut:]
    return None


_GARBLE_CANDIDATE = re.compile(r"(?<![\w'’-])[a-z]{5,}(?![\w'’-])")


def garbled_words(text: str, vocabulary: set[str]) -> list[str]:
    """Lower-case words no dictionary knows that are a known word with a stray tail of one or
    two letters ("runsny"): a slip of generation a reader takes for a typo. A word unknown for
    another reason ("website", "sulfur") is left alone."""
    policy = run_policy().text
    found = []
    for word in dict.fromkeys(_GARBLE_CANDIDATE.findall(text)):
        if is_known(word, vocabulary) or fused_split(word, vocabulary):
            continue
        cuts = range(1, policy.garbled_tail + 1)
        if any(len(word) - n >= policy.fused_part and is_known(word[:-n], vocabulary) for n in cuts):
            found.append(word)
    return found


_ENDINGS = ("ied", "ies", "ier", "iest", "es", "s", "ed", "ing", "ly", "er", "est")
_DERIVATIONS = ("ability", "ibility", "ation", "ness", "ment", "ship", "less", "ful")


def is_known(word: str, vocabulary: set[str]) -> bool:
    """True when ``word`` (or it without a common ending: "occurred", "studies", "running",
    "specified", "healthier") is a known word."""
    words = english_words()
    if word in vocabulary or word in words:
        return True
    for ending in _ENDINGS:
        if not word.endswith(ending):
            continue
        stem = word[: -len(ending)]
        stems = {stem, stem + "e", stem + "y", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem}
        if any(s in words or s in vocabulary for s in stems):
            return True
    return False


@functools.cache
def english_words() -> frozenset[str]:
    """A large English word list (Webster's second edition and GCIDE, via ``english-words``; GCIDE
    knows newer words such as "internet", "online" and "email"), loaded once."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2", "gcide"], lower=True, alpha=True))


def word_vocabulary(texts: Iterable[str]) -> set[str]:
    """The lower-cased alphabetic words of ``texts`` (for :func:`fused_words`)."""
    return {w for text in texts for w in ASCII_WORD_RE.findall(text.lower())}


def repair_fused(text: str, vocabulary: set[str]) -> str:
    """``text`` with each fused word split back into its two words."""
    for word in fused_words(text, vocabulary):
        parts = fused_split(word, vocabulary)
        if parts:
            text = re.sub(rf"\b{word}\b", " ".join(parts), text, flags=re.IGNORECASE)
    return text
