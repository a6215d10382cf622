"""Citation markers and the References list: pure functions over markdown text.

A citation is a bracketed source number written after a claim: ``[2]``, ``[1, 3]``, ``[1][3]`` or
``[2-4]``. Markers inside code, link texts (``[1](url)``) and link definitions (``[1]: url``)
are not citations. A source is anything with an ``id``, a ``title`` and a ``url``
(``core.state.Source``, ``core.result.SourceRef``); a url that is not http(s) is a local file path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import Protocol


class Citable(Protocol):
    """What the References list needs of a source."""

    @property
    def id(self) -> int: ...

    @property
    def title(self) -> str: ...

    @property
    def url(self) -> str: ...


_MAX_RANGE = 20
MARKER_RE = re.compile(r"\[\s*(\d{1,4}(?:\s*(?:[,;]|[-–])\s*\d{1,4})*)\s*\](?![(:])")
LEADING_MARKERS_RE = re.compile(r"^(?:\s*\[\s*\d{1,4}(?:\s*(?:[,;]|[-–])\s*\d{1,4})*\s*\])+")
# Narrower variants, for code that reads markers as a model or the writer types them (MARKER_RE
# also takes "[ 2 ]", "[1; 3]" and "[2-4]", and leaves out "[1](url)"); each is the one copy of its kind.
#: One id without spaces, ``[2]`` (the id is group 1); ``[1, 3]`` is not one.
SINGLE_MARKER_RE = re.compile(r"\[(\d+)\]")
#: A SINGLE_MARKER_RE with the one white-space character before it, so that deleting it leaves no
#: gap: ``"is old [2]."`` -> ``"is old."``.
SPACED_SINGLE_MARKER_RE = re.compile(r"\s?\[(\d+)\]")
#: One id or a comma list, as the writer writes them: ``[2]``, ``[1, 3]``, ``[1,3]``.
MARKER_LIST_RE = re.compile(r"\[\d+(?:,\s*\d+)*\]")
#: The opening of a marker, closed or not (``[2``): a text that cites something.
MARKER_START_RE = re.compile(r"\[\d+")
#: A marker of ids, commas and spaces after the full stop that ends a text (``"…they work. [1]"``):
#: the marker belongs before the stop.
MARKER_AFTER_STOP_RE = re.compile(r"[.!?][\"')]*\s*\[[\d,\s]+\]\s*$")
#: A single-id marker opening a text, then its first sentence: groups ``n`` (the id), ``sentence``
#: and ``stop`` (``"[2] Tea is old. More."`` -> ``"2"``, ``"Tea is old"``, ``"."``).
OPENING_MARKER_RE = re.compile(r"^\[(?P<n>\d+)\]\s*(?P<sentence>[^\n.!?]+)(?P<stop>[.!?])")

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_INLINE_CODE_RE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})\s")
_REFERENCES_LINE_RE = re.compile(
    r"^ {0,3}(#{1,6}\s*)?(?:\*\*|__)?\s*(references|sources|bibliography|works cited|citations)\s*:?\s*"
    r"(?:\*\*|__)?\s*:?\s*$",
    re.IGNORECASE,
)


def code_spans(markdown: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks and inline code spans."""
    spans = [match.span() for match in _FENCE_RE.finditer(markdown)]
    for match in _INLINE_CODE_RE.finditer(markdown):
        if not any(start <= match.start() < end for start, end in spans):
            spans.append(match.span())
    return spans


def _parse_ids(group: str) -> list[int]:
    """``"1, 3-5"`` -> ``[1, 3, 4, 5]`` (ranges longer than a few ids are taken as two ids)."""
    ids: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group.strip()):
        bounds = [int(number) for number in re.split(r"\s*[-–]\s*", part) if number]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= _MAX_RANGE:
            bounds = list(range(bounds[0], bounds[1] + 1))
        ids.extend(number for number in bounds if number not in ids)
    return ids


def _replace_markers(markdown: str, replace: Callable[[list[int]], str]) -> str:
    """Rewrite every citation marker outside code; an empty replacement also eats the space before it."""
    spans = code_spans(markdown)
    parts: list[str] = []
    position = 0
    eaten = ""  # space removed before a deleted marker, given back to a kept marker right after it
    for match in MARKER_RE.finditer(markdown):
        if any(start <= match.start() < end for start, end in spans):
            continue
        before = markdown[position : match.start()]
        replacement = replace(_parse_ids(match.group(1)))
        if replacement:
            parts.append(before or eaten)
            eaten = ""
        else:
            kept = before.rstrip(" \t")
            eaten = before[len(kept) :] if before else eaten
            parts.append(kept)
        parts.append(replacement)
        position = match.end()
    parts.append(markdown[position:])
    return "".join(parts)


def remove_reference_sections(markdown: str) -> str:
    """Drop every References/Sources/Bibliography section (heading or label line up to the next
    heading of the same or a higher level, or to the end)."""
    kept: list[str] = []
    section_level: int | None = None
    for line in markdown.splitlines():
        heading = _HEADING_RE.match(line)
        if section_level is not None and heading and len(heading.group(1)) <= section_level:
            section_level = None
        label = _REFERENCES_LINE_RE.match(line)
        if section_level is None and label:
            section_level = len(label.group(1).strip()) if label.group(1) else 6
            continue
        if section_level is None:
            kept.append(line)
    return "\n".join(kept).rstrip()


def cited_ids(markdown: str) -> list[int]:
    """Source ids cited in the text (outside code and References sections), in order of first use."""
    found: list[int] = []

    def collect(ids: list[int]) -> str:
        found.extend(number for number in ids if number not in found)
        return "[]"

    _replace_markers(remove_reference_sections(markdown), collect)
    return found


def renumber_citations(markdown: str, sources: Sequence[Citable]) -> tuple[str, dict[int, int]]:
    """Renumber cited known sources 1..k by first use and drop markers of unknown ids.

    Sources sharing a url (e.g. two chunks of one file) share a number. Existing References
    sections are removed.

    Returns:
        ``(text, mapping)``: the rewritten text and old id -> new number for every cited source.
    """
    urls = {source.id: source.url for source in sources}
    mapping: dict[int, int] = {}
    number_of_url: dict[str, int] = {}

    def renumber(ids: list[int]) -> str:
        numbers: list[int] = []
        for source_id in ids:
            if source_id not in urls:
                continue
            if source_id not in mapping:
                key = urls[source_id] or f"#{source_id}"
                mapping[source_id] = number_of_url.setdefault(key, len(number_of_url) + 1)
            if mapping[source_id] not in numbers:
                numbers.append(mapping[source_id])
        return f"[{', '.join(str(number) for number in sorted(numbers))}]" if numbers else ""

    text = _replace_markers(remove_reference_sections(markdown), renumber)
    return text, mapping


def format_reference(number: int, title: str, url: str) -> str:
    """One References entry: a markdown link for http(s) urls, ``Title — path`` otherwise."""
    title = " ".join(title.split())
    if url.startswith(("http://", "https://")):
        link_text = (title or url).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        target = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"{number}. [{link_text}]({target})"
    return f"{number}. {title or PurePath(url).name} — {url}"


def finalize_references(markdown: str, sources: Sequence[Citable]) -> str:
    """Make citations consistent: renumber, drop unknown markers, and append the References list.

    Args:
        markdown: The draft, possibly with its own (untrusted) References section.
        sources: Every source the draft may cite.

    Returns:
        The draft whose every ``[n]`` resolves to an entry of a final "## References" list that
        holds exactly the cited sources; no list at all when nothing is cited.
    """
    text, mapping = renumber_citations(markdown, sources)
    text = text.rstrip()
    if not mapping:
        return text + "\n"
    entries: dict[int, str] = {}
    for source in sources:
        number = mapping.get(source.id)
        if number is not None and number not in entries:
            entries[number] = format_reference(number, source.title, source.url)
    listing = "\n".join(entries[number] for number in sorted(entries))
    return f"{text}\n\n## References\n\n{listing}\n"


def remove_markers(text: str) -> str:
    """``text`` without its citation markers (outside code), References sections kept."""
    return _replace_markers(text, lambda ids: "")


def strip_citations(markdown: str) -> str:
    """Remove every citation marker and References section (for drafts without sources)."""
    return _replace_markers(remove_reference_sections(markdown), lambda ids: "").rstrip() + "\n"


_BLOCK_START_RE = re.compile(r"^ {0,3}(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>)")
_BLOCK_PREFIX_RE = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)*")
# A sentence ends after . ! or ? (and up to two closing quotes or brackets) where the next one
# starts with a capital, a digit or a citation marker; or after a marker followed by a capital.
_SENTENCE_END_RE = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"')\]])|(?<=[.!?][\"')\]][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])"
    r"|(?<=\])\s+(?=[A-Z])"
)


def _blocks(text: str) -> list[str]:
    """Markdown blocks of ``text`` as single lines: a blank line, a heading, a list item or a quote
    starts a new block; any other line continues the block above (a wrapped line)."""
    blocks: list[list[str]] = []
    open_block = False
    for line in text.splitlines():
        if not line.strip():
            open_block = False
            continue
        if not open_block or _BLOCK_START_RE.match(line):
            blocks.append([])
        blocks[-1].append(line)
        open_block = not _HEADING_RE.match(line)  # a heading is one line
    return [" ".join(" ".join(block).split()) for block in blocks]


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, block by block (the one sentence splitter of the project).

    Heading marks, list markers and quote marks are left out; a wrapped line joins its block.
    Citation markers right after a full stop stay with its sentence (``"Tea is old. [1]"``).
    """
    sentences: list[str] = []
    for block in _blocks(text):
        for piece in _SENTENCE_END_RE.split(_BLOCK_PREFIX_RE.sub("", block, count=1)):
            leading = LEADING_MARKERS_RE.match(piece)
            if leading and sentences and leading.group(0).strip():
                sentences[-1] = f"{sentences[-1]} {leading.group(0).strip()}"
                piece = piece[leading.end() :]
            if piece.strip():
                sentences.append(piece.strip())
    return sentences
