"""Turn a result into what the author takes away (Markdown, HTML, JSON) and write files safely."""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path
from typing import Literal

import yaml
from markdown_it import MarkdownIt

from core.errors import BadInputError
from core.result import DraftResult

ExportFormat = Literal["md", "html", "json"]


def front_matter(result: DraftResult) -> str:
    """YAML front matter that Hugo and Jekyll accept (title, date, slug, description, tags, draft)."""
    meta = result.packaging
    fields = {
        "title": meta.title,
        "date": result.created,
        "slug": meta.slug,
        "description": meta.description,
        "tags": meta.tags,
        "reading_time": meta.reading_minutes,
        "draft": True,
    }
    return "---\n" + yaml.safe_dump(fields, allow_unicode=True, sort_keys=False) + "---\n\n"


def to_markdown(result: DraftResult) -> str:
    """The final post as Markdown with front matter."""
    return front_matter(result) + result.markdown


def to_html(result: DraftResult) -> str:
    """A standalone HTML page with linked citations.

    Raw HTML in the markdown (from sources, the topic or the model) is escaped, never passed
    through; markdown-it refuses ``javascript:`` and similar link targets.
    """
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})
    body = link_references(renderer.render(link_citations(result.markdown)))
    description = html.escape(result.packaging.description, quote=True)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(result.title)}</title>\n"
        f'<meta name="description" content="{description}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>body{max-width:42rem;margin:2rem auto;padding:0 1rem;font:18px/1.6 Georgia,serif}</style>\n"
        f"</head>\n<body>\n<article>\n{body}</article>\n</body>\n</html>\n"
    )


def link_citations(markdown: str) -> str:
    """Turn ``[n]`` in the body into links to the n-th reference."""
    parts = re.split(r"(^## References\s*$)", markdown, maxsplit=1, flags=re.MULTILINE)
    parts[0] = re.sub(r"\[(\d+)\](?!\()", r"[\[\1\]](#ref-\1)", parts[0])
    return "".join(parts)


def link_references(page: str) -> str:
    """Give the References list items the ids the citation links point to."""
    head, found, tail = page.partition("<h2>References</h2>")
    if not found:
        return page
    counter = iter(range(1, 10_000))
    return head + found + re.sub(r"<li>", lambda _: f'<li id="ref-{next(counter)}">', tail)


def to_json(result: DraftResult) -> str:
    """The full result object as JSON."""
    return result.model_dump_json(indent=2)


def render(result: DraftResult, fmt: ExportFormat) -> str:
    """The result in the given format."""
    return {"md": to_markdown, "html": to_html, "json": to_json}[fmt](result)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: never a half-written file.

    Raises:
        BadInputError: the folder does not exist or cannot be written.
    """
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BadInputError(
            f"cannot write {path}: folder {folder} does not exist (create it or pick another --out)"
        )
    if path.is_dir():
        raise BadInputError(f"cannot write {path}: it is a directory (give a file name, e.g. {path}/post.md)")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise BadInputError(f"cannot write to {folder}: {exc.strerror} (pick another --out)") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise BadInputError(f"cannot write {path}: {exc.strerror} (pick another --out)") from None
