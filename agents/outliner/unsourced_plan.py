"""A no-source plan on a model that cannot write (the embedded one, extractive path).

Without sources the embedded 135M model plans poorly: it restates the topic or the prompt as
headings ("Research Notes: Key Points", "Blog Post: Sourdough for Beginners") and drifts to
another subject. This module decides which of the model's title, headings and key points a
no-source plan keeps (:func:`plan_from_topic`); the plan is completed with sections named after
the topic's own words (``agents.text.topic_words``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agents.outliner.planning import headline_like
from agents.text.cleanup import tidy_heading
from agents.text.headings import heading_problem
from agents.text.topic_words import names_subject, plain_case, subject_words, topic_sections
from core.policy import run_policy
from core.state import DraftRequest, Outline, OutlineSection
from core.text import content_words
from tools.specifics import Corpus, unsupported

# The outline prompt's and shared context's own words: a heading made of them echoes the prompt.
PROMPT_WORDS = frozenset(
    {"research", "note", "key", "point", "blog", "post", "outline", "section", "heading", "title"}
    | {"statistic", "list", "introduction", "conclusion", "json", "summary", "topic", "audience", "tone"}
)
_URL = re.compile(r"https?:|www\.|\.(?:com|org|net)\b", re.IGNORECASE)
_POINT_NUMBERING = re.compile(r"^\s*#*\s*(?:\d{1,2}|[a-z])[.):]\s*", re.IGNORECASE)


def echoes_prompt(text: str, topic: str) -> bool:
    """True when two of the text's words (or its only one) are the prompt's, not the topic's."""
    words = content_words(text)
    echoed = words & (PROMPT_WORDS - content_words(topic))
    return len(echoed) >= min(run_policy().outliner.echoed_prompt_words, len(words)) and bool(echoed)


def own_words(heading: str, topic: str) -> set[str]:
    """A heading's content words beyond the topic's (empty: it only restates the topic)."""
    return content_words(heading) - content_words(topic)


def says_the_same(words: set[str], other: set[str]) -> bool:
    """True when a heading's own words (:func:`own_words`) add nothing to another's, or the two
    share most of them ("A Brief History of Telescope Technology", "The Early History of…")."""
    if not words:
        return True
    if not other:
        return False
    return (
        words <= other
        or len(words & other) / len(words | other) >= run_policy().outliner.same_unsourced_heading
    )


def plan_from_topic(outline: Outline, request: DraftRequest, count: int) -> tuple[Outline, list[str]]:
    """A no-source plan a reader can follow, and a warning when headings had to be replaced.

    The model's title stays when it is a headline naming the topic's subject with nothing
    invented (else the topic is the title). A model heading stays when it names the subject,
    is no placeholder, fragment or echo of the prompt, states no name or number the request
    lacks, and does not restate the title or another heading; its key points stay when they are
    clean. The plan is completed to three sections from :func:`topic_sections`.
    """
    topic = request.topic
    corpus = Corpus([topic, request.audience, request.tone])
    subject = subject_words(topic)
    title = tidy_heading(outline.title)
    if not (
        headline_like(title)
        and names_subject(title, subject)
        and not unsupported(plain_case(title), corpus)
        and not echoes_prompt(title, topic)
    ):
        title = topic if len(topic) >= 5 else f"About {topic}"
    taken = [own_words(title, topic)]
    sections: list[OutlineSection] = []
    dropped = 0
    for section in outline.sections[:count]:
        points = clean_points(section.key_points, corpus, topic)
        # A heading that will not do gives way to the section's first point when that is a
        # short phrase ("Feed the starter daily"), not a sentence.
        named = [tidy_heading(section.heading)] + [
            tidy_heading(p)
            for p in points[:1]
            if headline_like(p) and len(p.split()) <= run_policy().outliner.point_heading_words
        ]
        heading = next((h for h in named if usable(h, topic, subject, corpus, taken)), None)
        if heading is None:
            dropped += 1
            continue
        heading = heading[:1].upper() + heading[1:]
        taken.append(own_words(heading, topic))
        sections.append(OutlineSection(heading=heading, key_points=points or [heading]))
    for planned in topic_sections(topic):
        if len(sections) >= run_policy().outliner.min_sections:
            break
        if all(planned.heading.lower() != s.heading.lower() for s in sections):
            sections.append(planned)
    warnings = []
    if dropped:
        warnings.append(
            f"{dropped} of the outliner's headings restated the title or the prompt, were placeholders "
            "or left the topic; the sections are named after the topic instead"
        )
    return Outline(title=title, sections=sections), warnings


def usable(heading: str, topic: str, subject: set[str], corpus: Corpus, taken: list[set[str]]) -> bool:
    """A heading a no-source plan keeps (see :func:`plan_from_topic`)."""
    words = own_words(heading, topic)
    return (
        heading_problem(heading) is None
        and names_subject(heading, subject)
        and not echoes_prompt(heading, topic)
        and not unsupported(plain_case(heading), corpus)
        and not any(says_the_same(words, other) for other in taken)
    )


def clean_points(points: Iterable[str], corpus: Corpus, topic: str) -> list[str]:
    """Key points the writer can be asked to cover: no links, code, prompt words, list numbering,
    nor a name or number the request does not contain."""
    kept = []
    for point in points:
        text = _POINT_NUMBERING.sub("", point).strip(" -*#")
        if (
            len(text.split()) < run_policy().outliner.min_point_words
            or _URL.search(text)
            or re.search(r"[{}\[\]<>]", text)
            or echoes_prompt(text, topic)
            or unsupported(text, corpus)
        ):
            continue
        kept.append(text)
    return kept
