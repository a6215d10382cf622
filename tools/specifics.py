"""Specifics: the names, numbers, defined terms, quotes and study claims a text states.

A post is only as trustworthy as its specifics. These functions find them in prose, decide
whether a corpus (the sources plus what the user typed) backs each one, and measure how many of
the evidence's specifics a draft states. Pure functions on plain text, no model involved.

What counts as a specific (a heuristic that works for English prose):
- numbers (``4``, ``30:1``, ``2.5``, ``60%``);
- capitalised phrases that do not merely start a sentence (``Raspberry Pi``, ``Journal of …``);
- identifiers with digits, underscores, dots or inner capitals (``Q4_K_M``, ``llama.cpp``, ``LoRA``);
- quotations of three words or more;
- appeals to a study, survey or report ("a recent study found").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from core.markers import remove_markers, split_sentences
from core.text import DOTTED_WORD_RE

SpecificKind = Literal["number", "name", "quote", "study"]

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:]\d+)*(?![A-Za-z_])(?:\s?%)?")
_IDENTIFIER = re.compile(
    r"\b(?=\w*[A-Za-z])(?=\w*(?:\d|_|[a-z][A-Z]))[A-Za-z0-9_]*[A-Za-z0-9](?:\.[A-Za-z0-9_]+)*\b"
)
_DOTTED = re.compile(r"\b[A-Za-z][\w-]*\.(?:cpp|js|py|io|ai|com|org|net)\b")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of|the|and|for|de|von|van)?\s*[A-Z][\w'’-]*)*")
_QUOTE = re.compile(r"[\"“]([^\"”]{12,200})[\"”]")
_STUDY = re.compile(
    r"\b(?:a|one|the|recent|new|latest|\d{4})\s+(?:\w+\s+)?(study|survey|report|poll|experiment|trial|paper)\b"
    r"|\b(studies|surveys|research(?:ers)?|scientists|experts)\s+(?:have\s+)?(?:show|shown|found|suggest|say)",
    re.IGNORECASE,
)
COMMON_CAPITALISED = frozenset(
    [
        "i",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "ok",
        "okay",
        "yes",
        "no",
        "mr",
        "mrs",
        "ms",
        "dr",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "english",
    ]
)
LEADING_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "its",
        "it",
        "their",
        "our",
        "your",
        "my",
        "his",
        "her",
    ]
)


@dataclass(frozen=True)
class Specific:
    """One specific as written (``text``), its kind, and the normalised ``key`` it is matched by."""

    kind: SpecificKind
    text: str
    key: str


def normalise(text: str) -> str:
    """Lower case, citation markers removed, dashes and slashes as spaces, single spaces."""
    text = remove_markers(text).lower().replace("’", "'")
    text = re.sub(r"[‐-―/-]+", " ", text)
    return " ".join(text.split())


def sentences_of(text: str) -> list[str]:
    """Sentences (and lines) of ``text``, markers removed."""
    return split_sentences(remove_markers(text))


def find_specifics(text: str) -> list[Specific]:
    """Every specific in ``text``, in order of appearance (duplicates kept once)."""
    found: dict[tuple[str, str], Specific] = {}
    for sentence in sentences_of(text):
        for specific in _sentence_specifics(sentence):
            found.setdefault((specific.kind, specific.key), specific)
    return list(found.values())


def _sentence_specifics(sentence: str) -> Iterable[Specific]:
    for match in _NUMBER.finditer(sentence):
        yield Specific("number", match.group(0), number_key(match.group(0)))
    names: list[str] = []
    for match in _IDENTIFIER.finditer(sentence):
        names.append(match.group(0))
    for match in _DOTTED.finditer(sentence):
        names.append(match.group(0))
    for match in _CAPITALISED.finditer(sentence):
        phrase = _trim_phrase(match.group(0), at_start=match.start() == _first_letter(sentence))
        if phrase:
            names.append(phrase)
    for name in names:
        key = normalise(name)
        if key and not key.isdigit() and key not in COMMON_CAPITALISED:
            yield Specific("name", name, key)
    for match in _QUOTE.finditer(sentence):
        if len(match.group(1).split()) >= 3:
            yield Specific("quote", match.group(1), normalise(match.group(1)))
    for match in _STUDY.finditer(sentence):
        word = (match.group(1) or match.group(2)).lower()
        yield Specific("study", match.group(0), "study:" + _study_root(word))


def _first_letter(sentence: str) -> int:
    match = re.search(r"[A-Za-z0-9]", sentence)
    return match.start() if match else 0


def _trim_phrase(phrase: str, at_start: bool) -> str:
    """A capitalised run without a sentence-initial ordinary word or a leading article."""
    words = phrase.split()
    if at_start:
        # "Compost needs air" - the first word is capitalised only because it starts the sentence.
        words = words[1:] if len(words) == 1 or words[0].lower() in LEADING_WORDS else words
        if len(words) == len(phrase.split()) and len(words) >= 2:
            words = words[1:] if words[0].lower() in LEADING_WORDS else words
    while words and words[0].lower() in LEADING_WORDS | {"of", "and", "for"}:
        words = words[1:]
    while words and words[-1].lower() in {"of", "the", "and", "for", "de", "von", "van"}:
        words = words[:-1]
    if len(words) == 1 and len(words[0]) < 2:
        return ""
    return " ".join(words)


def number_key(text: str) -> str:
    """``"1,200"`` and ``"1200"`` match; a trailing percent sign does not change the number."""
    return text.replace(",", "").replace("%", "").strip()


def _study_root(word: str) -> str:
    return {"studies": "study", "surveys": "survey", "researchers": "research", "scientists": "research"}.get(
        word, word
    )


class Corpus:
    """What a draft may state without inventing: the sources' text plus the user's own words."""

    def __init__(self, texts: Iterable[str]) -> None:
        joined = "\n".join(texts)
        self.text = " " + normalise(joined) + " "
        self.words = set(DOTTED_WORD_RE.findall(self.text))
        self.numbers = {number_key(m.group(0)) for m in _NUMBER.finditer(remove_markers(joined))}
        self.studies = {s.key for s in find_specifics(joined) if s.kind == "study"}
        self.studies |= {f"study:{w}" for w in ("study", "survey", "report", "research") if w in self.words}

    def supports(self, specific: Specific) -> bool:
        """True when the corpus states this specific (names by phrase, or every word of a long one)."""
        if specific.kind == "number":
            return specific.key in self.numbers
        if specific.kind == "study":
            return specific.key in self.studies
        if contains_phrase(self.text, specific.key):
            return True
        words = DOTTED_WORD_RE.findall(specific.key)
        return specific.kind == "name" and len(words) >= 2 and all(w in self.words for w in words)


def contains_phrase(text: str, phrase: str) -> bool:
    """True when normalised ``text`` holds ``phrase`` as whole words."""
    return re.search(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])", text) is not None


def unsupported(text: str, corpus: Corpus, kinds: Iterable[SpecificKind] | None = None) -> list[Specific]:
    """The specifics of ``text`` (of the given kinds, default all) that the corpus does not back."""
    wanted = set(kinds) if kinds is not None else None
    return [
        s for s in find_specifics(text) if (wanted is None or s.kind in wanted) and not corpus.supports(s)
    ]


def states(text: str, specific: Specific) -> bool:
    """True when ``text`` states ``specific`` (same number, or the phrase in normalised form)."""
    if specific.kind == "number":
        return specific.key in {number_key(m.group(0)) for m in _NUMBER.finditer(remove_markers(text))}
    return contains_phrase(normalise(text), specific.key)


def key_specifics(texts: Iterable[str]) -> list[Specific]:
    """The names, numbers and quotes of the evidence that a post could state (no study claims)."""
    found: dict[tuple[str, str], Specific] = {}
    for text in texts:
        for specific in find_specifics(text):
            if specific.kind != "study":
                found.setdefault((specific.kind, specific.key), specific)
    return list(found.values())


def coverage(draft: str, evidence: list[Specific]) -> float | None:
    """Share of the evidence's specifics the draft states (None when the evidence has none)."""
    if not evidence:
        return None
    normalised = normalise(draft)
    numbers = {number_key(m.group(0)) for m in _NUMBER.finditer(remove_markers(draft))}
    stated = sum(
        (s.key in numbers) if s.kind == "number" else contains_phrase(normalised, s.key) for s in evidence
    )
    return stated / len(evidence)
