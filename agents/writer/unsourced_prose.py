"""No-source prose on a model that cannot write (the embedded one, extractive path).

Without sources the embedded 135M model's prose carries what nothing could back: invented
history and unnamed authorities, anecdotes in the first person, talk about "your blog" or "the
first paragraph". This module decides which sentences a no-source section drops, and whether the
section is about the topic at all (:func:`publishable`): an empty result means nothing of it can
be published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from agents.text.topic_words import capitalised_words, names_subject, subject_words
from core.markers import split_sentences
from core.policy import run_policy
from core.state import DraftRequest
from core.text import STOPWORDS, content_words, plain_words

_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|I'd|I’d|I'll|I’ll)\b|\b(?:me|my|mine|myself)\b")
_FIRST_PERSON_START = re.compile(r"^(?:Me|My|Mine|Myself)\b")
# Not "post" or "section" (fence posts, a section of tube); "reader" as in "the reader's time".
_WRITING_WORDS = ("paragraph", "blog", "article", "essay", "introduction", "conclusion", "reader", "tone")
# Claims nothing without sources could back: invented history and unnamed authorities.
_UNBACKED = re.compile(
    r"\b(?:since|from|in) (?:ancient|medieval|biblical|prehistoric|roman) times\b"
    r"|\b(?:for|over) (?:many |several |hundreds of |thousands of )?(?:centuries|millennia)\b"
    r"|\bcenturies ago\b"
    r"|\b(?:was|were) (?:first )?(?:invented|discovered|patented)\b"
    r"|\b(?:studies|research|scientists|experts|researchers|surveys|doctors)\s+(?:have\s+|has\s+)?"
    r"(?:\w+\s+)?(?:show|prove|found|suggest|say|agree|indicate|confirm|discover)"
    r"|\baccording to (?:experts|scientists|researchers|studies|research)\b"
    r"|\b(?:has|have) been (?:shown|proven|found|demonstrated)\b"
    # a statistic in words: "one in every five homes"
    r"|\b(?:one|two|three|four|five|nine) (?:in|out of) (?:every )?"
    r"(?:two|three|four|five|six|seven|eight|nine|ten|a hundred|\d+)\b"
    r"|\bper ?cent\b",
    re.IGNORECASE,
)
# Someone the text never names: without sources every name the request lacks is dropped, so a
# "he" or "she" is a person the model made up ("He was experimenting on electrical circuits").
_PERSON = re.compile(r"\b(?:he|she|him|his|hers|himself|herself)\b", re.IGNORECASE)
_MARKERS = re.compile(r"<{2,}|>{2,}")
_LABEL = re.compile(r"^(?P<label>[^.!?:\n]{3,60}?)\s*(?::|\s[-–—])\s+(?=[A-Z\"“])")


def talks_about_writing(sentence: str, topic: str) -> bool:
    """True when a sentence talks about the writing ("The first paragraph sets the stage", "In the
    realm of your blog"), unless the topic itself is about such writing."""
    words = [w for w in _WRITING_WORDS if w not in topic.lower()]
    if not words:
        return False
    pattern = (
        r"\b(?:this|the|my|our|your|a|next|following|first|opening|previous|last)\s+(?:\w+\s+)?(?:"
        + "|".join(words)
        + r")s?\b"
    )
    return re.search(pattern, sentence, re.IGNORECASE) is not None


def unbacked_sentences(text: str, topic: str, personal: bool = False) -> list[str]:
    """Sentences of a no-source section that nothing could back or that talk about the task: in
    the first person (an anecdote the model cannot have; kept when ``personal``, i.e. the author
    gave a voice sample), about a "he" or "she" (unless the topic names a person), about the post,
    "your blog" or "the reader", invented history, statistics or unnamed authorities ("studies
    have even suggested", "one in every five homes"), and code or prompt debris ("{ 'description'")."""
    names_someone = bool(capitalised_words(topic))
    found = []
    for sentence in split_sentences(text):
        first_person = _FIRST_PERSON.search(sentence) or _FIRST_PERSON_START.search(sentence)
        if (
            (first_person and not personal)
            or (_PERSON.search(sentence) and not names_someone)
            or talks_about_writing(sentence, topic)
            or _UNBACKED.search(sentence)
            or re.search(r"[{}]", sentence)
        ):
            found.append(sentence)
    return found


def without_label(paragraph: str, labels: set[str]) -> str:
    """The paragraph without a leading label made of heading or topic words ("Why it matters: The
    bicycle…", "Heat Pumps Work - The story…")."""
    match = _LABEL.match(paragraph)
    if match and (words := content_words(match.group("label"))) and words <= labels:
        return paragraph[match.end() :]
    return paragraph


def word_pairs(text: str, exclude: Iterable[str] = ()) -> set[tuple[str, str]]:
    """Pairs of adjacent words within a clause, neither a stopword, a number nor in ``exclude``
    ("practical takeaway", "plain prose", "reader time" from "the reader's time")."""
    skip = set(exclude)
    pairs = set()
    for clause in re.split(r"[.!?:;,()\n]+", re.sub(r"['’]s\b", "", text)):
        for a, b in pairwise(plain_words(clause)):
            if not ({a, b} & skip or {a, b} & STOPWORDS or a.isdigit() or b.isdigit()):
                pairs.add((a, b))
    return pairs


def publishable(body: str, request: DraftRequest, labels: Iterable[str], prompt: str = "") -> str:
    """What a no-source section may publish: no prompt markers, no labels echoing a heading, no
    sentence of :func:`unbacked_sentences` nor one repeating a phrase of the section's ``prompt``
    ("This concludes with one practical takeaway"); "" when what is left runs to
    ``off_topic_words`` (policy) and never names the topic's subject (the model wrote about something
    else: dogs for "Keeping backyard chickens"). ``labels``: the post's title and headings."""
    labels = [request.topic, *labels]
    label_words = content_words(" ".join(labels))
    paragraphs = [without_label(_MARKERS.sub(" ", p).strip(), label_words) for p in body.split("\n\n")]
    text = "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
    doomed = set(unbacked_sentences(text, request.topic, personal=bool(request.voice_sample)))
    phrases = word_pairs(prompt, exclude={w for label in labels for w in plain_words(label)})
    doomed |= {s for s in split_sentences(text) if word_pairs(s) & phrases}
    subject = subject_words(request.topic)
    kept = []
    for paragraph in text.split("\n\n"):
        left = " ".join(s for s in split_sentences(paragraph) if s not in doomed)
        # A paragraph long enough to name the subject that never does is about something else
        # ("In today's digital age…" under "Common mistakes when keeping backyard chickens").
        if left and (len(left.split()) < run_policy().writer.off_topic_words or names_subject(left, subject)):
            kept.append(left)
    result = "\n\n".join(kept)
    if len(result.split()) >= run_policy().writer.off_topic_words and not names_subject(result, subject):
        return ""
    return result
