"""A ddgs answer turned into documents: well-formed http(s) results only, distinct, trimmed."""

from __future__ import annotations

from tools.base import Document
from tools.text import trim_text

SNIPPET_CHARS = 1000
TITLE_CHARS = 200


def parse_results(raw: object, limit: int) -> list[Document]:
    """Turn a ddgs answer into documents, skipping malformed or non-http entries.

    Args:
        raw: What the client returned (expected: list of dicts with title, href, body).
        limit: Maximum number of documents.

    Returns:
        Up to ``limit`` documents with distinct urls.
    """
    if not isinstance(raw, list):
        return []
    documents: list[Document] = []
    seen: set[str] = set()
    for item in raw:
        document = _parse_item(item)
        if document is not None and document.url not in seen:
            seen.add(document.url)
            documents.append(document)
        if len(documents) >= limit:
            break
    return documents


def _parse_item(item: object) -> Document | None:
    if not isinstance(item, dict):
        return None
    url = item.get("href") or item.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    title, body = item.get("title"), item.get("body")
    title_text = " ".join(title.split()) if isinstance(title, str) else ""
    body_text = " ".join(body.split()) if isinstance(body, str) else ""
    return Document(
        title=trim_text(title_text or url, TITLE_CHARS),
        url=url.strip(),
        text=trim_text(body_text, SNIPPET_CHARS),
        origin="web",
    )
