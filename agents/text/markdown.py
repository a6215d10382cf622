"""Turn a title and sections into the post's markdown, and back."""

from __future__ import annotations

from core.state import Section


def render_markdown(title: str, sections: list[Section]) -> str:
    """``# title``, the intro, then ``## heading`` + body for every section with text (a heading
    with nothing under it tells the reader nothing; the writer warns about the section instead)."""
    parts = [f"# {title.strip()}"]
    for section in sections:
        if not section.body.strip():
            continue
        if section.heading:
            parts.append(f"## {section.heading.strip()}")
        parts.append(section.body.strip())
    return "\n\n".join(parts) + "\n"


def word_count(sections: list[Section]) -> int:
    """Words of prose in the sections (headings excluded)."""
    return sum(len(section.body.split()) for section in sections)
