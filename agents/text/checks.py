"""Damage checks: what a reader must never see in a post, found in code.

Each check names the sentence (or heading, or word) it objects to, so the writer can send the
problem back to the model in words, and the bench can count it:
- sentences about the task instead of the subject ("the evidence", "this section", "the article");
- a source's title standing as a sentence;
- a fact stated twice in one post;
- a sentence in a source author's first person ("As a winter cyclist, I have commuted 11 km…"),
  or naming the post by its own title ("The winter cyclist's guide is a comprehensive resource");
- a section that opens on a pronoun with nothing before it to refer to ("They work by…").
Words run together or garbled are found in ``agents.text.spelling``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from core.markers import SINGLE_MARKER_RE, remove_markers, split_sentences
from core.policy import run_policy
from core.text import ASCII_WORD_RE, content_words
from tools.specifics import find_specifics, states

_META = re.compile(
    r"\b(?:the|this|these|that|provided|given|above|following)\s+"
    r"(?:evidence|excerpts?|passages?|research notes?|notes provided|quoted (?:data|material)|"
    r"section|article|blog post|post|text above|sentences?|paragraphs?|"
    r"sources? (?:provided|above|given|material))\b"
    r"|\b(?:the )?(?:first|second|third|fourth|fifth|next|last|final) (?:claim|point|fact)s? (?:is|are|was)\b"
    r"|\b(?:according to|based on|as (?:stated|shown|noted|mentioned) in)\s+(?:the\s+)?"
    r"(?:evidence|sources?|notes|passages?|excerpts?|data|research)\b"
    rf"|\b(?:the )?sources?(?: {SINGLE_MARKER_RE.pattern})? "
    r"(?:says?|states?|notes?|mentions?|explains?|suggests?|shows?)\b"
    r"|\b(?:this|our)\s+(?:\w+\s+){0,2}(?:guide|overview|primer|walkthrough)\b"
    r"|\bthe (?:guide|post|article|blog)\s+(?:aims|will|is designed|sets out|helps|tries)\b"
    r"|\b(?:the|this)\s+(?:[\w-]+\s+){1,3}section "
    r"(?:provides|covers|explains|describes|discusses|gives|lists|offers|outlines|summari[sz]es|"
    r"presents|contains|includes|highlights|shows|focuses)\b",
    re.IGNORECASE,
)
_PAGE = re.compile(
    r"\b(?:table|list|chart|figure|graph|image|picture|diagram|section|video)s?\s+"
    r"(?:below|above|near the (?:end|top|bottom)|at the (?:end|top|bottom))\b"
    r"|\bskip (?:ahead |down )?to the\b|\bstart at the top\b"
    r"|\bthis (?:article|guide|post|page|faq|newsletter|piece|report|checklist|explainer)\b",
    re.IGNORECASE,
)
_PRONOUN_OPENING = re.compile(
    r"^(?:(?:they|it|these|those|this|their|its)\s+[a-z]"
    r"|both\s+(?:are|were|have|had|can|could|will|would|run|use|work|need|of)\b)",  # not "Both X and Y"
    re.IGNORECASE,
)
_IMPERSONAL_IT = re.compile(
    r"^it(?:\s+is|\s+was|'s|\s+pays|\s+helps|\s+makes sense)\b[^.!?]{0,40}?\b(?:to|that|whether|how|worth)\b",
    re.IGNORECASE,
)


_FIRST_PERSON = re.compile(r"\b(?:I(?:['’](?:m|ve|d|ll))?|[Mm]y|[Mm]e|[Mm]ine|[Mm]yself)\b")
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]")


def borrowed_voice(text: str) -> list[str]:
    """Sentences that speak as "I" outside a quotation. The post's writer has no experience of
    their own; such a sentence puts a source author's ("I have commuted 11 km each way for six
    winters") in the reader's blogger's mouth."""
    return [s for s in split_sentences(text) if _FIRST_PERSON.search(_QUOTED.sub("", s))]


def names_the_post(text: str, title: str, topic: str = "") -> list[str]:
    """Sentences that name the post by its own title ("The art of keeping a sourdough starter
    healthy at home is crucial", "The winter cyclist's guide is a comprehensive resource"): its
    head phrase, before any colon, of three words or more, word for word. A head that only
    restates the ``topic`` names the subject, not the post, and is not looked for."""
    head = re.split(r"[:–—]| - ", title, maxsplit=1)[0]
    words = ASCII_WORD_RE.findall(head.lower())
    if len(words) < run_policy().text.min_title_echo_words or content_words(head) <= content_words(topic):
        return []
    pattern = phrase_pattern(words)
    return [s for s in split_sentences(text) if pattern.search(s)]


def phrase_pattern(words: Sequence[str], lead: str = "") -> re.Pattern[str]:
    """``words`` in order, any punctuation or space between them, after the optional ``lead``
    pattern; case-insensitive."""
    return re.compile(lead + r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", re.IGNORECASE)


def audience_phrase(audience: str) -> str | None:
    """A pattern for the request's audience word for word, its last word singular or plural
    ("curious general reader(s)"), or None for a short audience ("beginners", "home cooks"), which
    is ordinary prose."""
    words = ASCII_WORD_RE.findall(audience.lower())
    if len(words) < run_policy().text.min_audience_echo_words:
        return None
    *lead, last = words
    stem = last[:-1] if last.endswith("s") else last
    return r"\b" + r"\W+".join([*map(re.escape, lead), re.escape(stem) + "s?"]) + r"\b"


def names_the_audience(text: str, audience: str) -> list[str]:
    """Sentences that name the request's audience word for word ("…fascinating and practical
    for curious general readers", "As a curious general reader, you…"): the writer echoing its
    instructions, not talking to a reader. A short audience is not looked for."""
    phrase = audience_phrase(audience)
    pattern = re.compile(phrase, re.IGNORECASE) if phrase else None
    return [s for s in split_sentences(text) if pattern.search(s)] if pattern else []


def without_audience_address(text: str, audience: str) -> str:
    """``text`` without the phrases addressing the request's audience word for word, which code
    can take out without asking: "…is fascinating and practical for curious general readers."
    becomes "…is fascinating and practical.", and "As a curious general reader, you might…"
    (or "As a curious reader, …", whatever the audience) becomes "You might…"."""
    phrase = audience_phrase(audience)
    if phrase:
        text = re.sub(r",?\s*\b(?:for|to)\W+" + phrase, "", text, flags=re.IGNORECASE)
    reader = r"(?:[\w-]+\s+){0,2}readers?" + (f"|{phrase}" if phrase else "")  # names no one
    start = r"(?:^|(?<=[.!?]\s)|(?<=\n))"
    opening = re.compile(start + r"(?-i:As) an?\s+(?:" + reader + r"),\s*(\w)", re.IGNORECASE)
    return opening.sub(lambda m: m.group(1).upper(), text)


def meta_sentences(text: str) -> list[str]:
    """Sentences that talk about the task or the material ("the evidence shows", "this section",
    "skip to the table below")."""
    return [s for s in split_sentences(text) if _META.search(s) or _PAGE.search(s)]


_SUMMING_UP = re.compile(
    r"^(?:in conclusion|in summary|to sum up|to summari[sz]e|to conclude|all in all)\b", re.IGNORECASE
)


def dangling_leads(text: str) -> list[str]:
    """Short sentences ending in a colon ("Here's how it works:"): a list's lead-in, left
    dangling once the list is flattened into prose."""
    return [
        s
        for s in split_sentences(text)
        if s.rstrip().endswith(":") and len(s.split()) <= run_policy().text.lead_words
    ]


def summing_up(text: str) -> list[str]:
    """Sentences that close the post ("In conclusion, …"): out of place before its conclusion."""
    return [s for s in split_sentences(text) if _SUMMING_UP.search(s)]


def refers_to_page(sentence: str) -> bool:
    """True when a source sentence is about its own page ("the table below", "this guide"): not a
    fact a post can explain."""
    return _PAGE.search(sentence) is not None


def title_sentences(text: str, titles: Iterable[str]) -> list[str]:
    """Sentences that are a source's title (or heading) standing alone, citation or not."""
    overlap = run_policy().text.title_overlap
    keys = [content_words(t) for t in titles if len(content_words(t)) >= 2]
    found = []
    for sentence in split_sentences(text):
        words = content_words(remove_markers(sentence))
        if len(words) >= 2 and any(len(words & key) / len(words | key) >= overlap for key in keys):
            found.append(sentence)
    return found


def restated_facts(sections: Sequence[str]) -> list[str]:
    """Sentences that state a fact an earlier sentence of the post already stated: every name
    and number they hold (two or more, or one name) is in that sentence, and most of their words."""
    overlap = run_policy().text.same_fact_words
    earlier: list[tuple[str, set[str]]] = []
    found = []
    for body in sections:
        for sentence in split_sentences(body):
            plain = remove_markers(sentence)
            specifics = find_specifics(plain)
            words = content_words(plain)
            if len(specifics) >= 2 or any(s.kind != "number" for s in specifics):
                for other_text, other in earlier:
                    same_words = len(words & other) / max(1, len(words)) >= overlap
                    if same_words and all(states(other_text, s) for s in specifics):
                        found.append(sentence)
                        break
            earlier.append((plain, words))
    return found


def echoed_sentences(earlier: Sequence[str], body: str) -> list[str]:
    """Sentences of ``body`` that say again what a sentence of an earlier section said, in other
    words (a section that opens by introducing the post's topic once more)."""
    policy = run_policy().text
    before = [content_words(remove_markers(s)) for text in earlier for s in split_sentences(text)]
    found = []
    for sentence in split_sentences(body):
        words = content_words(remove_markers(sentence))
        if len(words) >= policy.min_echo_words and any(
            len(words & b) / len(words) >= policy.echo_words for b in before
        ):
            found.append(sentence)
    return found


def repeated_within(body: str) -> list[str]:
    """Sentences of ``body`` that say again what an earlier sentence of the same text said ("The
    browser sends the list of encodings it handles… Chrome sends the list of encodings it
    handles…")."""
    sentences = split_sentences(body)
    return [s for i, s in enumerate(sentences) if i and echoed_sentences([" ".join(sentences[:i])], s)]


_FOREIGN = re.compile(r"[\u0400-\u04ff\u0590-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def foreign_sentences(text: str, reference: str) -> list[str]:
    """Sentences holding letters of a script the sources and the request do not use (a model
    slipping into another language mid-sentence)."""
    allowed = set(_FOREIGN.findall(reference))
    return [s for s in split_sentences(text) if set(_FOREIGN.findall(s)) - allowed]


def dangling_opening(body: str) -> str | None:
    """The section's first sentence when it opens on a pronoun ("They work by…", "This warranty
    covers…"): a section starts after a heading, so the reader has nothing it could refer to."""
    sentences = split_sentences(body)
    if not sentences or not _PRONOUN_OPENING.match(sentences[0]):
        return None
    if _IMPERSONAL_IT.match(sentences[0]):
        return None  # "It is worth checking…", "It pays to…": refers to nothing, reads fine
    return sentences[0]
