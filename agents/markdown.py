"""Turn a title and sections into the post's markdown, and back."""

from __future__ import annotations

from core.state import Section


def render_markdown(title: str, sections: list[Section]) -> str:
    """``# title``, the intro, then ``## heading`` + body for every section."""
    parts = [f"# {title.strip()}"]
    for section in sections:
        if section.heading:
            parts.append(f"## {section.heading.strip()}")
        if section.body.strip():
            parts.append(section.body.strip())
    return "\n\n".join(parts) + "\n"


def word_count(sections: list[Section]) -> int:
    """Words of prose in the sections (headings excluded)."""
    return sum(len(section.body.split()) for section in sections)
