"""Small text helpers of the tools: HTML to plain text, paragraphs, trimming."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Not the page's text: code, and the site's menus and footers (a saved blog post's "Home | About",
# "Copyright 2024 …": names and numbers a post should not be measured against).
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "math", "nav", "footer"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "section", "article", "header", "footer", "main", "aside",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tr", "hr", "dd", "dt", "figure",
    }
)  # fmt: skip
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")
_SPACES_RE = re.compile(r"[ \t\f\v\r]+")


class _TextCollector(HTMLParser):
    """Collects visible text; never runs or loads anything the page refers to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """Convert HTML to plain text with paragraphs separated by blank lines.

    Scripts, styles, other non-text elements and the site's menus and footers are dropped;
    nothing is executed or fetched.

    Args:
        html: The page source.

    Returns:
        ``(title, text)``; the title is empty when the page has no ``<title>``.
    """
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    title = " ".join("".join(collector.title_parts).split())
    return title, normalise_paragraphs("".join(collector.parts))


def normalise_paragraphs(text: str) -> str:
    """Collapse runs of spaces inside lines and runs of blank lines between paragraphs."""
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def trim_text(text: str, max_chars: int) -> str:
    """Trim text to at most ``max_chars`` characters, preferring a sentence or word boundary.

    Args:
        text: Text to trim.
        max_chars: Character budget (the ellipsis added on a cut counts towards it).

    Returns:
        The text unchanged when it fits, otherwise a prefix ending in "…".
    """
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return text[:max_chars]
    cut = text[: max_chars - 1]
    for boundary in (". ", "\n", " "):
        position = cut.rfind(boundary)
        if position >= max_chars // 2:
            cut = cut[: position + 1]
            break
    return cut.rstrip() + "…"
