"""Blog packaging: slug, meta description, tags, reading time and word count for a finished post."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter

from pydantic import BaseModel, Field

from core.markers import SPACED_SINGLE_MARKER_RE
from core.text import STOPWORDS, TAG_WORD_RE

META_CHARS = 160
WORDS_PER_MINUTE = 200
# Words that make poor tags, beyond the ordinary stopwords.
NOT_TAGS = STOPWORDS | {"make", "made", "way", "ways", "new", "use", "using", "used", "part", "conclusion"}


class Packaging(BaseModel):
    """What a static-site generator needs besides the body."""

    title: str
    slug: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    description: str = Field(max_length=META_CHARS)
    tags: list[str] = Field(min_length=1, max_length=6)
    reading_minutes: int = Field(ge=1)
    words: int


def package(title: str, markdown: str) -> Packaging:
    """Derive the packaging from the post's title and markdown."""
    body = body_text(markdown)
    words = len(body.split())
    return Packaging(
        title=title,
        slug=slugify(title),
        description=meta_description(markdown),
        tags=tags_for(title, markdown),
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
        words=words,
    )


def slugify(title: str, max_length: int = 80) -> str:
    """A URL-safe slug (``[a-z0-9-]``); accents are folded, other scripts fall back to a hash."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:max_length].strip("-")
    if len(slug) < 3:
        digest = hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug}-{digest}".strip("-") if slug else f"post-{digest}"
    return slug


def body_text(markdown: str) -> str:
    """The prose of the post: no headings, no References section, no citation markers."""
    main = re.split(r"^## References\s*$", markdown, flags=re.MULTILINE)[0]
    lines = [line for line in main.splitlines() if not line.lstrip().startswith("#")]
    return SPACED_SINGLE_MARKER_RE.sub("", "\n".join(lines)).strip()


def meta_description(markdown: str) -> str:
    """The opening paragraph cut at a word boundary to at most 160 characters."""
    paragraphs = [p for p in body_text(markdown).split("\n\n") if p.strip()]
    text = " ".join(paragraphs[0].split()) if paragraphs else ""
    if len(text) <= META_CHARS:
        return text
    cut = text[: META_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def tags_for(title: str, markdown: str, limit: int = 5) -> list[str]:
    """3-6 tags: the most frequent content words, words from the title and headings counting more."""
    headings = " ".join(re.findall(r"^#{1,2} (.+)$", markdown, flags=re.MULTILINE))
    counts: Counter[str] = Counter()
    for weight, text in ((3, title), (2, headings), (1, body_text(markdown))):
        for word in TAG_WORD_RE.findall(text.lower()):
            if len(word) > 2 and word not in NOT_TAGS:
                counts[word] += weight
    tags = [word for word, _ in counts.most_common(limit)]
    for filler in ("writing", "blog", "guide"):
        if len(tags) >= 3:
            break
        if filler not in tags:
            tags.append(filler)
    return tags
