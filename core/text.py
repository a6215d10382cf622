"""Word-level text helpers shared by every layer: stopwords, content-word tokens, retrieval stems
and plain words, and the project's word patterns (the one tokenizer's, and its named variants)."""

from __future__ import annotations

import re
import threading

import Stemmer

_STOPWORD_LIST = """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves may might must shall one many much
    often well get got us via per etc ie eg
"""
STOPWORDS = frozenset(_STOPWORD_LIST.split())
_WORD_RE = re.compile(r"[^\W_]+")
#: A run of ASCII letters and digits (on lower-cased text: :func:`plain_words`).
PLAIN_WORD_RE = re.compile(r"[a-z0-9]+")

# The other word patterns of the project, each the one copy of its kind: a measure that needs a
# word other than the tokens' or the plain words takes one of these rather than a regex of its own.
#: A run of ASCII letters only (no digits, no apostrophes).
ASCII_WORD_RE = re.compile(r"[A-Za-z]+")
#: A whole word of seven or more lower-case ASCII letters (on lower-cased text): long enough to be
#: two words fused ("thermometerreading").
LONG_ASCII_WORD_RE = re.compile(r"\b[a-z]{7,}\b")
#: Two or more letters of any script, no digits: a word of letters ("ok", "café"; not "10", "a").
LETTER_WORD_RE = re.compile(r"[^\W\d_]{2,}")
#: ASCII letters with at most one apostrophe inside: an English word as readability formulas count
#: them ("don't", "dog's"; "llama.cpp" is two words).
ENGLISH_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
#: A plain word with its apostrophes kept (on lower-cased text): "don't" stays one word.
APOSTROPHE_WORD_RE = re.compile(r"[a-z0-9']+")
#: A plain word with its commas kept (on lower-cased text): "1,280" stays one number (and "work,"
#: keeps its comma).
COMMA_WORD_RE = re.compile(r"[a-z0-9,]+")
#: Plain words joined by a dot, an underscore or an apostrophe (on lower-cased text): "llama.cpp",
#: "snake_case" and "don't" stay one word; a trailing dot is left out.
DOTTED_WORD_RE = re.compile(r"[a-z0-9]+(?:[._'][a-z0-9]+)*")
#: An ASCII letter, then ASCII letters, digits, apostrophes and hyphens: a word of a phrase
#: ("low-light", "o'clock", "mp3").
HYPHENATED_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")
#: A letter of any script, then word characters, apostrophes and hyphens: a tag word ("low-light",
#: "café", "b2b"; not "2024").
TAG_WORD_RE = re.compile(r"[^\W\d_][\w'-]*")
#: A run of non-space characters: a word as ``str.split()`` counts it, with its position.
SPACED_WORD_RE = re.compile(r"\S+")


def _stem(word: str) -> str:
    """A deliberately tiny plural folding, enough for lexical overlap."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    """Lowercased words of a text, in order, without stopwords and one-letter words."""
    words = (word.lower() for word in _WORD_RE.findall(text))
    return [word for word in words if len(word) > 1 and word not in STOPWORDS]


def tokens(text: str) -> list[str]:
    """Lowercased, plural-folded words of a text, in order, without stopwords and one-letter words."""
    return [_stem(word) for word in _words(text)]


_snowball = threading.local()  # a PyStemmer stemmer keeps a cache and is not thread-safe


def stems(text: str) -> list[str]:
    """The words of :func:`tokens`, Snowball-stemmed (Porter2, English) instead of plural-folded:
    for retrieval, so "composting" finds "compost" and "starter" stays apart from "start"."""
    stemmer = getattr(_snowball, "stemmer", None)
    if stemmer is None:
        stemmer = _snowball.stemmer = Stemmer.Stemmer("english")
    result: list[str] = stemmer.stemWords(_words(text))
    return result


def content_words(text: str) -> set[str]:
    """The distinct :func:`tokens` of a text."""
    return set(tokens(text))


def plain_words(text: str) -> list[str]:
    """Every lower-cased run of ASCII letters and digits, in order, stopwords kept and nothing
    stemmed (the usual ROUGE tokenisation): for repetition and n-gram measures of prose."""
    return PLAIN_WORD_RE.findall(text.lower())
