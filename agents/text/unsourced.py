"""Drafting without sources on a model that cannot write (the embedded one, extractive path).

Without sources the embedded 135M model plans poorly: it restates the topic or the prompt as
headings ("Research Notes: Key Points", "Blog Post: Sourdough for Beginners"), drifts to another
subject, and its prose carries what nothing could back: invented history and unnamed
authorities, anecdotes in the first person, talk about "your blog" or "the first paragraph".
This module holds the rules for that case:

- headings built from the topic's own words (:func:`topic_sections`), where the model's plan is
  unusable: never the same generic phrases ("Why it matters") on every topic;
- which of the model's title, headings and key points a no-source plan keeps (:func:`plan_from_topic`);
- which sentences a no-source section drops, and whether the section is about the topic at all
  (:func:`publishable`): an empty result means nothing of it can be published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise

from agents.outliner.planning import headline_like
from agents.text.checks import english_words, fused_split, heading_problem, is_known
from agents.text.cleanup import tidy_heading
from agents.text.lengths import MIN_SECTIONS
from core.markers import split_sentences
from core.state import DraftRequest, Outline, OutlineSection
from core.text import STOPWORDS, content_words, plain_words
from tools.specifics import Corpus, unsupported

# --- the topic's own words --------------------------------------------------------------------

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

Frame = tuple[str, str]  # a heading and its key point, "{p}" standing for the topic's phrase
ACTIVITY_FRAMES: tuple[Frame, ...] = (
    ("What you need before {p}", "the tools, preparation and knowledge {p} takes"),
    ("{P} step by step", "the steps of {p}, in the order they come"),
    ("Common mistakes when {p}", "mistakes beginners make when {p}, and how to avoid them"),
)
QUESTION_FRAMES: tuple[Frame, ...] = (
    ("{P}, in plain words", "the main idea of {p}, explained simply"),
    ("A closer look at {p}", "the details behind {p}"),
    ("Common questions about {p}", "questions readers often ask about {p}, answered plainly"),
)
SUBJECT_FRAMES: tuple[Frame, ...] = (
    ("What to know about {p}", "the basic ideas of {p}"),
    ("Getting started with {p}", "practical first steps with {p}"),
    ("Common questions about {p}", "questions people often ask about {p}, answered plainly"),
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
    return re.sub(r"[A-Za-z]+", lambda m: m.group(0).lower() if is_ordinary(m.group(0)) else m.group(0), text)


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
    upper = phrase[:1].upper() + phrase[1:]
    return [
        OutlineSection(
            heading=heading.format(p=phrase, P=upper),
            key_points=[point.format(p=phrase, P=upper)],
        )
        for heading, point in frames
    ]


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
    if not any(re.fullmatch(r"[a-z0-9]+", w) for w in subject):
        return True
    words = content_words(text)
    for wanted in subject:
        stem = wanted[: max(5, len(wanted) - 2)]
        if wanted in words or (len(wanted) >= 6 and any(w.startswith(stem) for w in words)):
            return True
    return False


# --- the plan ---------------------------------------------------------------------------------

# The outline prompt's and shared context's own words: a heading made of them echoes the prompt.
PROMPT_WORDS = frozenset(
    {"research", "note", "key", "point", "blog", "post", "outline", "section", "heading", "title"}
    | {"statistic", "list", "introduction", "conclusion", "json", "summary", "topic", "audience", "tone"}
)
SAME_HEADING = 0.5  # two headings sharing this share of their own words (not the topic's) say one thing
_URL = re.compile(r"https?:|www\.|\.(?:com|org|net)\b", re.IGNORECASE)
_POINT_NUMBERING = re.compile(r"^\s*#*\s*(?:\d{1,2}|[a-z])[.):]\s*", re.IGNORECASE)


def echoes_prompt(text: str, topic: str) -> bool:
    """True when two of the text's words (or its only one) are the prompt's, not the topic's."""
    words = content_words(text)
    echoed = words & (PROMPT_WORDS - content_words(topic))
    return len(echoed) >= min(2, len(words)) and bool(echoed)


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
    return words <= other or len(words & other) / len(words | other) >= SAME_HEADING


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
            tidy_heading(p) for p in points[:1] if headline_like(p) and len(p.split()) <= POINT_HEADING_WORDS
        ]
        heading = next((h for h in named if usable(h, topic, subject, corpus, taken)), None)
        if heading is None:
            dropped += 1
            continue
        heading = heading[:1].upper() + heading[1:]
        taken.append(own_words(heading, topic))
        sections.append(OutlineSection(heading=heading, key_points=points or [heading]))
    for planned in topic_sections(topic):
        if len(sections) >= MIN_SECTIONS:
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


POINT_HEADING_WORDS = 7


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
            len(text.split()) < 3
            or _URL.search(text)
            or re.search(r"[{}\[\]<>]", text)
            or echoes_prompt(text, topic)
            or unsupported(text, corpus)
        ):
            continue
        kept.append(text)
    return kept


# --- the prose --------------------------------------------------------------------------------

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


OFF_TOPIC_WORDS = 25  # a paragraph this long that never names the topic's subject is about something else


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
    ``OFF_TOPIC_WORDS`` and never names the topic's subject (the model wrote about something
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
        if left and (len(left.split()) < OFF_TOPIC_WORDS or names_subject(left, subject)):
            kept.append(left)
    result = "\n\n".join(kept)
    if len(result.split()) >= OFF_TOPIC_WORDS and not names_subject(result, subject):
        return ""
    return result
