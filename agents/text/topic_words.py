"""The topic's own words, for posts drafted without sources on a model that cannot write.

Where the model's plan is unusable, the sections are named after the topic's own words
(:func:`topic_sections`): never the same generic phrases ("Why it matters") on every topic. The
words that name the topic's subject (:func:`subject_words`, :func:`names_subject`) tell whether a
heading or a paragraph is about the topic at all. The outliner's no-source plan
(``agents.outliner.unsourced_plan``) and the writer's no-source prose
(``agents.writer.unsourced_prose``) use them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.text.spelling import english_words, fused_split, is_known
from core.policy import run_policy
from core.state import OutlineSection
from core.text import ASCII_WORD_RE, PLAIN_WORD_RE, content_words

_WH_WORDS = frozenset({"how", "why", "what", "when", "where", "which", "who", "whether"})
# Words ending in -ing that name things rather than activities ("Morning routines").
_ING_NOUNS = frozenset(
    {
        "anything",
        "building",
        "ceiling",
        "clothing",
        "duckling",
        "earring",
        "evening",
        "everything",
        "king",
        "morning",
        "nothing",
        "pudding",
        "ring",
        "sibling",
        "something",
        "spring",
        "string",
        "thing",
        "wedding",
        "wing",
    }
)
# Words after a gerund that show it governs an object ("Building a shed", "Setting up a tank").
_OBJECT_OPENERS = frozenset(
    {"a", "an", "the", "your", "my", "our", "their", "to", "up", "out", "with", "for", "from", "in", "on"}
)
# Verbs too common to tell one subject from another ("How heat pumps work", "Learning to read").
_GENERIC_VERBS = frozenset(
    {
        "work",
        "matter",
        "make",
        "help",
        "use",
        "need",
        "start",
        "learn",
        "keep",
        "choose",
        "read",
        "do",
        "go",
        "take",
        "find",
        "change",
        "affect",
        "improve",
        "begin",
        "become",
        "build",
        "set",
    }
)

Frame = tuple[str, str, str]  # a heading, its shorter form and its key point ("{p}": the topic's phrase)
ACTIVITY_FRAMES: tuple[Frame, ...] = (
    ("What you need before {p}", "Before {p}", "the tools, preparation and knowledge {p} takes"),
    ("{P} step by step", "{P}, step by step", "the steps of {p}, in the order they come"),
    (
        "Common mistakes when {p}",
        "Mistakes when {p}",
        "mistakes beginners make when {p}, and how to avoid them",
    ),
)
QUESTION_FRAMES: tuple[Frame, ...] = (
    ("{P}, in plain words", "{P}, plainly", "the main idea of {p}, explained simply"),
    ("A closer look at {p}", "More on {p}", "the details behind {p}"),
    (
        "Common questions about {p}",
        "Questions about {p}",
        "questions readers often ask about {p}, answered plainly",
    ),
)
SUBJECT_FRAMES: tuple[Frame, ...] = (
    ("What to know about {p}", "About {p}", "the basic ideas of {p}"),
    ("Getting started with {p}", "Starting with {p}", "practical first steps with {p}"),
    (
        "Common questions about {p}",
        "Questions about {p}",
        "questions people often ask about {p}, answered plainly",
    ),
)


def gerund(verb: str) -> str:
    """The -ing form of a plain English verb ("fix" -> "fixing", "bake" -> "baking", "plan" -> "planning")."""
    word = verb.lower()
    if word.endswith("ie"):
        return word[:-2] + "ying"
    if len(word) > 2 and word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        return word[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", word):
        return word + word[-1] + "ing"
    return word + "ing"


def is_activity(words: Sequence[str]) -> bool:
    """True when the topic opens on a gerund that names an activity ("Repairing a puncture")."""
    first = words[0].lower()
    if len(first) < 5 or not first.endswith("ing") or not first.isalpha():
        return False
    return first not in _ING_NOUNS or (len(words) > 1 and words[1].lower() in _OBJECT_OPENERS)


def topic_phrase(topic: str) -> tuple[str, str]:
    """The topic's shape ("activity", "question" or "subject") and its phrase as it reads inside a
    sentence: "How to fix a tap" -> ("activity", "fixing a tap"), "How heat pumps work" ->
    ("question", "how heat pumps work"), "Sourdough for beginners" -> ("subject", "sourdough for
    beginners"). Ordinary words lose the capital of a sentence start or a Title Case topic;
    acronyms and names keep theirs."""
    words = topic.strip().rstrip("?.!").split()
    if not words:
        return "subject", topic
    if len(words) > 2 and words[0].lower() == "how" and words[1].lower() == "to":
        words = [gerund(words[2]), *words[3:]]
        shape = "activity"
    elif words[0].lower() in _WH_WORDS and len(words) > 1:
        shape = "question"
    else:
        shape = "activity" if is_activity(words) else "subject"
    title_case = sum(w[:1].isupper() for w in words) >= max(2, len(content_words(" ".join(words))))
    phrase = []
    for index, word in enumerate(words):
        if (index == 0 or title_case) and is_ordinary(word):
            word = word.lower()
        phrase.append(word)
    return shape, " ".join(phrase)


def capitalised_words(topic: str) -> list[str]:
    """The topic's words that keep a capital inside it: names ("Ada Lovelace"); in a Title Case
    topic only those that are no ordinary English word."""
    words = topic.split()[1:]
    title_case = sum(w[:1].isupper() for w in words) >= max(2, len(content_words(" ".join(words))))
    return [w for w in words if w[:1].isupper() and not (title_case and is_ordinary(w))]


def plain_case(text: str) -> str:
    """``text`` with its capitalised ordinary words lower-cased, so a Title Case heading ("A Brief
    History of Telescopes") is not read as a name; names and acronyms keep their capitals."""
    return ASCII_WORD_RE.sub(lambda m: m.group(0).lower() if is_ordinary(m.group(0)) else m.group(0), text)


def is_ordinary(word: str) -> bool:
    """True for a capitalised English word ("Repairing", "Sourdough"), not an acronym or a name
    with inner capitals ("USB", "LangGraph")."""
    plain = word.lower()
    if not (word[:1].isupper() and word[1:] == word[1:].lower() and plain.isalpha()):
        return False
    return is_known(plain, set()) or fused_split(plain, set()) is not None


def topic_sections(topic: str) -> list[OutlineSection]:
    """Three sections named after the topic's own words, shaped by the kind of topic it is: an
    activity ("What you need before repairing a bicycle puncture"), a question ("A closer look at
    how heat pumps work") or a subject ("Getting started with sourdough for beginners")."""
    shape, phrase = topic_phrase(topic)
    frames = {"activity": ACTIVITY_FRAMES, "question": QUESTION_FRAMES}.get(shape, SUBJECT_FRAMES)
    return [
        OutlineSection(
            heading=fitting(heading, short, phrase),
            key_points=[point.format(p=phrase, P=phrase[:1].upper() + phrase[1:])],
        )
        for heading, short, point in frames
    ]


def fitting(heading: str, short: str, phrase: str) -> str:
    """The frame's heading for ``phrase``, or its shorter form when a long topic would make it too
    long for a heading ("What you need before getting Python logging right in small
    applications" -> "Before getting Python logging right in small applications")."""
    upper = phrase[:1].upper() + phrase[1:]
    full = heading.format(p=phrase, P=upper)
    return (
        full if len(full.split()) <= run_policy().text.max_heading_words else short.format(p=phrase, P=upper)
    )


def subject_words(topic: str) -> set[str]:
    """The topic's content words that name its subject: not its opening wh-word or gerund, nor a
    verb too common to tell subjects apart ("Keeping backyard chickens" -> backyard, chicken)."""
    words = topic.strip().split()
    verb = ""
    if words and is_activity(words):
        verb, words = verb_of(words[0]), words[1:]
    elif words and words[0].lower() in _WH_WORDS:
        words = words[1:]
    if words and words[0].lower() == "to":
        words = words[1:]
    found = content_words(" ".join([verb, *words])) - _GENERIC_VERBS
    return found or content_words(topic)


def verb_of(gerund_word: str) -> str:
    """The plain verb of a gerund ("composting" -> "compost", "choosing" -> "choose")."""
    stem = gerund_word.lower()[:-3]
    candidates = [stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem]
    return next((c for c in candidates if c in english_words()), stem)


def names_subject(text: str, subject: set[str]) -> bool:
    """True when ``text`` uses a word of the subject (or a form of it: "punctured", "telescopic").
    A subject in another script than the Latin one cannot be checked (the embedded model
    answers "الشاي في المنزل" in English): True."""
    if not any(PLAIN_WORD_RE.fullmatch(w) for w in subject):
        return True
    words = content_words(text)
    for wanted in subject:
        stem = wanted[: max(5, len(wanted) - 2)]
        if wanted in words or (len(wanted) >= 6 and any(w.startswith(stem) for w in words)):
            return True
    return False
