"""Text hygiene for small models: they loop, repeat sentences and chat about the task.

Every function here is deterministic and cheap; the writer and editor run them on each
generated section; sentences are split by ``core.markers.split_sentences``, as everywhere.
"""

from __future__ import annotations

import re

from core.markers import OPENING_MARKER_RE, SINGLE_MARKER_RE, SPACED_SINGLE_MARKER_RE, split_sentences
from core.policy import run_policy
from core.text import APOSTROPHE_WORD_RE, LETTER_WORD_RE

_CHATTER = re.compile(
    r"^(sure|certainly|of course|okay|ok|here is|here's|here are|as an ai|i hope this|"
    r"note:|edited text|revised|the edited|the revised|section:|title:)\b",
    re.IGNORECASE,
)
_META = re.compile(
    r"\b(the critic|critic said|research notes?|the author asks|plain prose|no heading|"
    r"this (?:opening|closing) paragraph|"
    r"(?:improve|rewrite|revise) the section|"
    r"I (?:have |'ve )?(?:also )?(?:made (?:some )?changes|reorgani[sz]ed|rewrote|revised)|"
    r"hook (?:the )?readers?|I'?m (?:so )?(?:excited|thrilled|happy|delighted) (?:to|about)|"
    r"I am (?:so )?(?:excited|thrilled|happy|delighted) (?:to|about)|welcome to (?:my|our|the) blog|"
    r"congratulations (?:on|for)|thanks? (?:you )?for reading|good luck)\b",
    re.IGNORECASE,
)


def sentence_key(sentence: str) -> frozenset[str]:
    """The words of a sentence, for near-duplicate comparison."""
    return frozenset(APOSTROPHE_WORD_RE.findall(SINGLE_MARKER_RE.sub("", sentence.lower())))


def is_near_duplicate(key: frozenset[str], seen: list[frozenset[str]]) -> bool:
    """True when ``key`` shares at least 80% of words (Jaccard) with an earlier sentence."""
    if len(key) < run_policy().text.min_key_words:
        return False
    near = run_policy().text.near_duplicate
    return any(len(key & other) / len(key | other) >= near for other in seen if other)


def drop_repeated_sentences(text: str, seen: list[frozenset[str]] | None = None) -> str:
    """Remove sentences that repeat (or nearly repeat) an earlier one, in this text or in ``seen``.

    ``seen`` is updated in place, so one list carried across sections dedupes a whole draft.
    """
    seen = [] if seen is None else seen
    kept: list[str] = []
    for paragraph in text.split("\n\n"):
        sentences = []
        for sentence in split_sentences(paragraph):
            key = sentence_key(sentence)
            if is_near_duplicate(key, seen):
                continue
            seen.append(key)
            sentences.append(sentence)
        if sentences:
            kept.append(" ".join(sentences))
    return "\n\n".join(kept)


def cut_loop(text: str) -> str:
    """Cut the text where a 5-word sequence occurs for the third time (a generation loop)."""
    words = text.split(" ")
    loop = run_policy().text.loop_ngram
    counts: dict[tuple[str, ...], int] = {}
    for index in range(len(words) - loop + 1):
        gram = tuple(word.lower() for word in words[index : index + loop])
        counts[gram] = counts.get(gram, 0) + 1
        if counts[gram] == run_policy().text.loop_repeats:
            return " ".join(words[:index]).rstrip()
    return text


def drop_echoed_instructions(text: str, prompt: str) -> str:
    """Drop sentences that repeat the prompt's own instructions (the critique's issues included,
    as the prompt listed them) or talk about the task: small models echo them."""
    instructions = [
        sentence_key(s)
        for s in split_sentences(prompt)
        if len(sentence_key(s)) >= run_policy().text.min_key_words
    ]
    kept = []
    for paragraph in text.split("\n\n"):
        sentences = [
            s
            for s in split_sentences(paragraph)
            if not _META.search(s) and not _overlaps_instruction(sentence_key(s), instructions)
        ]
        if sentences:
            kept.append(" ".join(sentences))
    return "\n\n".join(kept)


def _overlaps_instruction(key: frozenset[str], instructions: list[frozenset[str]]) -> bool:
    if len(key) < run_policy().text.min_key_words:
        return False
    echo = run_policy().text.echo_share
    return any(len(key & other) / len(key) >= echo for other in instructions)


def tidy_heading(heading: str) -> str:
    """A heading without numbering ("2. ", "Section 3:") or markdown marks."""
    heading = re.sub(r"^[#\s]*(section\s+)?\d+[.):]\s*", "", heading.strip(), flags=re.IGNORECASE)
    heading = re.sub(r"^(?:[IVX]{1,4}|[A-H])[.)]\s+(?=[A-Z])", "", heading)  # "II. Dependencies"
    heading = heading.strip(" #*_\"'")
    return re.sub(r"(?<=[a-z]{3})\.$", "", heading)  # "Why Not All Dogs Need to be Caged."


def strip_chatter(text: str) -> str:
    """Drop headings, list markers the prompt did not ask for, and lines talking about the task."""
    lines = []
    for line in text.strip().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or stripped in {"<<<", ">>>", "<<", ">>", "```"}:
            continue
        # The prompts' quote markers, whole or half ("<<<", ">>" opening or closing a line or
        # between two sentences); a ">>" inside a sentence stays (shell redirection in a post).
        stripped = re.sub(r"<<<|>>>|^(?:<<|>>)(?![<>])|(?<![<>])(?:<<|>>)$", " ", stripped).strip()
        stripped = re.sub(r"(?<=[.!?\"”])\s+(?:<<|>>)(?=\s)", "", stripped)  # "…just like. >> The first"
        stripped = re.sub(
            r"(^|\s)\d{1,2}[.)]\s+(?=[A-Z])", r"\1", stripped
        )  # stray list numbering: "2. ", "2) "
        if _CHATTER.match(stripped) and len(stripped) < run_policy().text.chatter_chars:
            continue
        lines.append(stripped)
    paragraphs = "\n".join(lines).split("\n\n")
    return "\n\n".join(unquoted(" ".join(p.split())) for p in paragraphs if p.strip())


_WRAPPED = re.compile(r'^["“](?P<inner>[^"“”]+)["”]$')


def unquoted(paragraph: str) -> str:
    """A paragraph without the quotation marks a small model wraps a whole answer in."""
    match = _WRAPPED.match(paragraph)
    return match.group("inner").strip() if match else paragraph


def drop_unfinished_sentence(text: str) -> str:
    """Drop a trailing sentence fragment (a generation cut off by its token cap)."""
    stripped = text.rstrip()
    if not stripped or stripped[-1] in ".!?\"')]":
        return stripped
    cut = max(stripped.rfind(mark) for mark in (". ", "! ", "? ", ".\n", "!\n", "?\n"))
    return stripped[: cut + 1] if cut > 0 else stripped


def keep_known_citations(text: str, known_ids: set[int]) -> str:
    """Remove ``[n]`` markers that do not name a known source (all of them when there are none)."""

    def replace(match: re.Match[str]) -> str:
        return match.group(0) if int(match.group(1)) in known_ids else ""

    cleaned = SPACED_SINGLE_MARKER_RE.sub(replace, text)
    # A space left before closing punctuation goes; not one before a file suffix (" .gz files").
    return re.sub(r" +([.,;:!?])(?=\s|$|\[)", r"\1", cleaned)


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)(]|\([^)]*\))*\)")
_URL = re.compile(r"(?:https?|ftp|file|javascript|data):[^\s)\]>]+|www\.[^\s)\]>]+", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def strip_links_and_markup(text: str) -> str:
    """Remove images, links (keeping their text), bare URLs and HTML tags from generated prose.

    The post cites sources only as ``[n]``; the References list is built from the source registry,
    so no address the model writes (possibly copied from a hostile page) reaches the reader.
    """
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _URL.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text)


def clean_section(
    text: str, known_ids: set[int], seen: list[frozenset[str]] | None = None, prompt: str = ""
) -> str:
    """The full hygiene pass the writer and editor apply to one generated section."""
    text = strip_links_and_markup(strip_chatter(text))
    if prompt:
        text = drop_echoed_instructions(text, prompt)
    text = cut_loop(text)
    text = drop_unfinished_sentence(text)
    text = keep_known_citations(text, known_ids)
    return drop_repeated_sentences(drop_wordless_sentences(text), seen)


def drop_wordless_sentences(text: str) -> str:
    """Drop sentences with fewer than two words of letters ("... [10.11.]", "1. 2. 3.")."""
    kept = []
    for paragraph in text.split("\n\n"):
        sentences = [s for s in split_sentences(paragraph) if len(LETTER_WORD_RE.findall(s)) >= 2]
        if sentences:
            kept.append(" ".join(sentences))
    return "\n\n".join(kept)


def repeated_sentence_ratio(text: str) -> float:
    """Share of sentences that repeat or nearly repeat an earlier sentence (0 = none)."""
    sentences = [s for s in split_sentences(re.sub(r"^#.*$", "", text, flags=re.MULTILINE)) if s]
    if not sentences:
        return 0.0
    seen: list[frozenset[str]] = []
    repeats = 0
    for sentence in sentences:
        key = sentence_key(sentence)
        if is_near_duplicate(key, seen):
            repeats += 1
        else:
            seen.append(key)
    return repeats / len(sentences)


_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")


_TITLE_LINE = re.compile(r"^[^.!?\n]{3,80}$")
# A label opening a line ("Timing Lines: llama.cpp prints…", "Hooch: Hooch is…"): two to five
# capitalised words, or one before a capital, a source's or a slide's habit that a reader of prose
# takes for a heading fused into the sentence. "Ollama: a friendlier package" names its subject.
_LINE_LABEL = re.compile(
    r"^[A-Z][\w'’-]*(?:(?:\s+(?:[A-Z][\w'’-]*|a|an|and|at|by|of|on|the|for|to|in|with|vs\.?)){1,4}:(?:\s+(?=\S)|$)"
    r"|:\s+(?=[A-Z]))"
)


_INLINE_CODE = re.compile(r"(`[^`\n]+`)")
_FENCED = re.compile(r"(?:(?P<before>[^\n]*)\n+)?```[^\n]*\n(?P<code>.*?)\n?```", re.DOTALL)


def strip_emphasis(text: str) -> str:
    """``text`` without Markdown bold and italic marks (inside `code`, ``__name__`` stays)."""
    parts = _INLINE_CODE.split(text)
    return "".join(part if i % 2 else _EMPHASIS.sub("", part) for i, part in enumerate(parts))


def code_as_prose(text: str) -> str:
    """``text`` with each fenced code block made readable as prose: a one-line block ends the
    sentence introducing it as inline code ("…where it's created: `logger =
    logging.getLogger(__name__)`."); a longer one is left out with the sentence leading in to it.
    Flattened line by line, a block became a stray "heading" ("import logging" dropped) or was run
    into the prose, its ``__name__`` read as bold marks."""

    def inline(match: re.Match[str]) -> str:
        before, code = (
            match.group("before").rstrip(),
            [c for c in match.group("code").splitlines() if c.strip()],
        )
        if len(code) == 1 and "`" not in code[0]:
            joiner = " " if before.endswith(":") or not before else ": "
            return f"{before}{joiner}`{code[0].strip()}`." if before else f"`{code[0].strip()}`."
        sentences = split_sentences(before)
        if sentences and sentences[-1].endswith(":"):
            sentences = sentences[:-1]
        return " ".join(sentences)

    return _FENCED.sub(inline, text)


def flatten_markdown(text: str) -> str:
    """Prose from a model's markdown: bold and italic marks and run-in labels ("Timing Lines: ")
    dropped, each list item made a sentence of its paragraph (a post's sections are plain
    paragraphs), a title line opening the reply and heading lines within it dropped, and a
    citation opening a paragraph moved to the end of its first sentence."""
    paragraphs = code_as_prose(text).strip().split("\n\n")
    if (
        len(paragraphs) > 1
        and _TITLE_LINE.match(paragraphs[0].strip())
        and len(paragraphs[0].split()) <= run_policy().text.title_line_words
    ):
        paragraphs = paragraphs[1:]  # "Understanding Gzip Compression: How It Works"
    text = "\n\n".join(OPENING_MARKER_RE.sub(r"\g<sentence> [\g<n>]\g<stop>", p.strip()) for p in paragraphs)
    lines = []
    raw = text.splitlines()
    for number, line in enumerate(raw):
        item = _LIST_ITEM.match(line)
        stripped = _LINE_LABEL.sub("", strip_emphasis(line[item.end() :] if item else line).strip())
        last = number == len(raw) - 1  # a last item may be cut off by the token cap: no stop added
        if not item and not last and is_heading_line(stripped):
            continue  # "From Light to Electricity" above its paragraph: read as a run-on sentence
        if item and stripped and stripped[-1] not in ".!?:" and not last:
            stripped += "."
        lines.append(stripped)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def is_heading_line(line: str) -> bool:
    """A short line with no sentence punctuation (nor a colon introducing what follows)."""
    text = line.lstrip("#").strip()
    return (
        bool(text)
        and bool(_TITLE_LINE.match(text))
        and len(text.split()) <= run_policy().text.heading_words
        and not text.endswith(":")
    )
