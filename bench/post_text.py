"""Reading a post's markdown for the bench: its title, intro and ``##`` sections, and its running
text without headings, References or citation markers."""

from __future__ import annotations

import re

from core.markers import remove_reference_sections
from core.text import plain_words

CONCLUSION_WORDS = ("conclusion", "summary", "final thoughts", "takeaway", "wrapping up", "in short")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CITATION = re.compile(r"\s?\[\d+(?:\s*[,;–-]\s*\d+)*\]")


def parse_markdown(markdown: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Split a post into its ``#`` title, the intro before the first ``##``, and ``##`` sections."""
    title, intro = "", []
    sections: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title and not sections:
            title = heading.group(2)
        elif heading and len(heading.group(1)) == 2:
            sections.append((heading.group(2), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            intro.append(line)
    body = [(name, "\n".join(lines).strip()) for name, lines in sections]
    return title, "\n".join(intro).strip(), body


def prose(markdown: str) -> str:
    """The post's running text: no headings, no References section, no citation markers."""
    body = remove_reference_sections(markdown)
    lines = [line for line in body.splitlines() if not _HEADING.match(line)]
    return _CITATION.sub("", "\n".join(lines)).strip()


def normalise_heading(heading: str) -> str:
    """A heading reduced to lower-case words, for matching."""
    return " ".join(plain_words(heading))


def word_total(markdown: str) -> int:
    """Words of running text (headings, references and citation markers excluded)."""
    return len(prose(markdown).split())


def unwrap(text: str) -> str:
    """Paragraphs on one line each (single line breaks inside a paragraph become spaces)."""
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())
