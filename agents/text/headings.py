"""Headings a person would write: what makes a heading a fragment, a placeholder or a source's
numbering ("Without requiring massive", "Part 3", "II. Dependencies", "Mistake 3: …").

The outliner keeps its own headings only when they pass (``agents.outliner``); the bench counts
the ones that do not (``bench/damage.py``).
"""

from __future__ import annotations

import re

from core.markers import split_sentences
from core.policy import run_policy
from core.text import STOPWORDS

_COUNTED = (  # nouns a source numbers its items with: "Mistake 3:", "Tip #2 -", "Day 1."
    "part|step|section|chapter|tip|mistake|reason|rule|lesson|question|example|item|point|stage|"
    "phase|day|week|month|level|myth|option|method|way|idea|fact|sign|trick|hack|no|number"
)
_NUMBERING = re.compile(
    rf"^\s*(?:(?:{_COUNTED})\.?\s*#?\s*(?:[ivxlc]+|\d+)\s*[.):\u2013\u2014-]\s*"
    r"|(?:[ivxlc]+|\d+|[a-z])[.):]\s+)",
    re.IGNORECASE,
)

_PLACEHOLDER = re.compile(r"^(?:part|section|step|chapter|point|heading|topic)\s*\d+$", re.IGNORECASE)
_DANGLING = frozenset(
    STOPWORDS
    | {
        "without",
        "with",
        "within",
        "versus",
        "vs",
        "like",
        "including",
        "such",
        "requiring",
        "using",
        "than",
        "toward",
        "towards",
        "via",
        "into",
        "onto",
        "upon",
        "among",
        "across",
        "around",
    }
) - {  # a phrase may end on a verb's particle or object: "leave the light on", "the light you have"
    "on",
    "off",
    "out",
    "up",
    "down",
    "in",
    "over",
    "through",
    "again",
    "well",
    "have",
    "has",
    "do",
    "does",
    "it",
    "them",
    "you",
    "me",
    "us",
    "all",
    "more",
    "most",
    "much",
}
_CONNECTORS = frozenset({"and", "or", "but", "which", "that", "without", "because", "although", "whereas"})


def heading_problem(heading: str, source_text: str = "") -> str | None:
    """Why a heading is not a phrase a person would write, or None when it is.

    Numbering copied from a source ("II. Dependencies"), a placeholder ("Part 3"), one word
    ("Commercial"), a run-on, or a clause cut off mid-phrase ("Without requiring massive").
    """
    words = heading.split()
    if _NUMBERING.match(heading):
        return "starts with the source's numbering"
    if _PLACEHOLDER.match(heading.strip()):
        return "is a placeholder"
    if len(words) < run_policy().text.min_heading_words:
        return "is a single word"
    if len(words) > run_policy().text.max_heading_words:
        return "is too long for a heading"
    question = heading.rstrip().endswith("?")  # "What should I leave out?" ends on its particle
    if (words[-1].lower().strip(".,:;!?") in _DANGLING and not question) or words[0].lower() in _CONNECTORS:
        return "is cut off mid-phrase"
    if source_text and is_cut_clause(heading, source_text):
        return "is a fragment of a source sentence"
    return None


def is_cut_clause(heading: str, source_text: str) -> bool:
    """True when the heading (three words or more) is a stretch of a source sentence that goes on
    past it in the same clause: a clause cut off, not a heading of its own."""
    plain = " ".join(heading.strip().rstrip("?.!:").lower().split())
    if len(plain.split()) < run_policy().text.cut_off_heading_words:
        return False
    pattern = re.compile(r"(?<![\w-])" + re.escape(plain) + r"\s+[\w(]")
    return any(pattern.search(" ".join(s.lower().split())) for s in split_sentences(source_text))
