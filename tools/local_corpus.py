"""The user's own notes as a research source: ``.md``, ``.txt`` and ``.html`` files, BM25-ranked.

Files are read once, split into paragraph-based chunks and indexed with ``bm25s``. Binary,
undecodable, empty and oversized files are skipped with a warning. HTML is turned into text
by a plain parser: nothing in it is executed or fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import BadInputError
from core.text import stems
from tools.base import Document, SearchReport
from tools.text import html_to_text, normalise_paragraphs, trim_text

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")
_FRONT_MATTER_RE = re.compile(
    r"\A(?P<fence>---|\+\+\+)[ \t]*\r?\n(?P<meta>.*?)^(?:(?P=fence)|\.\.\.)[ \t]*(?:\r?\n|\Z)",
    re.DOTALL | re.MULTILINE,
)
_FRONT_KEY_RE = re.compile(r"[\w-]+\s*[:=]")
_FRONT_TITLE_RE = re.compile(r"^title\s*[:=]\s*(.+?)\s*$", re.MULTILINE | re.IGNORECASE)
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Chunk:
    """A passage of one file."""

    path: Path
    title: str
    text: str


def read_source_file(path: Path, max_bytes: int) -> tuple[str, str]:
    """Read one supported file as ``(title, text)``.

    Raises:
        ValueError: The file is too large, binary or not UTF-8 text (message says which).
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"larger than {max_bytes} bytes")
    data = path.read_bytes()
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise ValueError("binary file")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError("not UTF-8 text") from error
    fallback_title = re.sub(r"[-_]+", " ", path.stem).strip() or path.name
    if path.suffix.lower() in HTML_SUFFIXES:
        title, text = html_to_text(content)
        return title or fallback_title, text
    if path.suffix.lower() not in {".md", ".markdown"}:
        return fallback_title, normalise_paragraphs(content)
    meta_title, content = split_front_matter(content)
    heading = _HEADING_RE.search(content)
    return meta_title or (heading.group(1) if heading else fallback_title), normalise_paragraphs(content)


def split_front_matter(content: str) -> tuple[str, str]:
    """``(title, body)`` of a Markdown note that starts with YAML (``---``) or TOML (``+++``) front
    matter, as static-site generators and note apps write it; ``("", content)`` without one.

    The front matter is data about the note (its date, tags, author), not what it says: left in,
    it would be quoted as a fact and measured as evidence (a date's numbers the post never states).
    """
    match = _FRONT_MATTER_RE.match(content)
    if match is None or not _FRONT_KEY_RE.match(match.group("meta").lstrip()):  # a rule, then prose
        return "", content
    title = _FRONT_TITLE_RE.search(match.group("meta"))
    return (title.group(1).strip().strip("\"'").strip() if title else ""), content[match.end() :]


def split_paragraphs(text: str, max_chars: int) -> list[str]:
    """Group paragraphs into chunks of at most ``max_chars``; long paragraphs split at sentences."""
    pieces: list[str] = []
    for paragraph in (part.strip() for part in text.split("\n\n")):
        if paragraph:
            pieces.extend(_split_long(paragraph, max_chars))
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 2 + len(piece) <= max_chars:
            chunks[-1] = f"{chunks[-1]}\n\n{piece}"
        else:
            chunks.append(piece)
    return chunks


def _split_long(paragraph: str, max_chars: int) -> list[str]:
    if len(paragraph) <= max_chars:
        return [paragraph]
    parts: list[str] = []
    for sentence in _SENTENCE_END_RE.split(paragraph):
        if parts and len(parts[-1]) + 1 + len(sentence) <= max_chars:
            parts[-1] = f"{parts[-1]} {sentence}"
        else:
            parts.extend(_hard_split(sentence, max_chars))
    return parts


def _hard_split(text: str, max_chars: int) -> list[str]:
    return [text[start : start + max_chars] for start in range(0, len(text), max_chars)]


class LocalCorpus:
    """A folder of notes searched with BM25; documents have ``origin="local"`` and the file path as url.

    Args:
        folder: The folder to index (searched recursively; hidden files and folders are skipped).
        max_file_bytes: Larger files are skipped with a warning.
        max_files: At most this many files are read.
        chunk_chars: Target size of one chunk.

    Raises:
        BadInputError: The folder is missing, or holds no readable supported file.
    """

    name = "local"

    def __init__(
        self, folder: Path, *, max_file_bytes: int = 2_000_000, max_files: int = 2000, chunk_chars: int = 1200
    ) -> None:
        self.folder = Path(folder).expanduser()
        if not self.folder.is_dir():
            raise BadInputError(
                f"sources folder not found: {self.folder} (pass a folder of .md, .txt or .html notes)"
            )
        self.warnings: list[str] = []
        self.chunks = self._load(max_file_bytes, max_files, chunk_chars)
        if not self.chunks:
            raise BadInputError(
                f"no readable .md, .txt or .html text in {self.folder}; add notes there or drop --sources"
            )
        self._index = self._build_index()
        self._warnings_reported = False

    def _files(self, max_files: int) -> list[Path]:
        found = sorted(
            path
            for path in self.folder.rglob("*")
            if path.suffix.lower() in SUPPORTED_SUFFIXES
            and path.is_file()
            and not any(part.startswith(".") for part in path.relative_to(self.folder).parts)
        )
        if len(found) > max_files:
            self.warnings.append(f"indexed only the first {max_files} of {len(found)} files in {self.folder}")
        return found[:max_files]

    def _load(self, max_file_bytes: int, max_files: int, chunk_chars: int) -> list[Chunk]:
        chunks: list[Chunk] = []
        for path in self._files(max_files):
            try:
                title, text = read_source_file(path, max_file_bytes)
            except (OSError, ValueError) as error:
                self.warnings.append(f"skipped {path.name}: {error}")
                continue
            pieces = split_paragraphs(text, chunk_chars)
            if not pieces:
                self.warnings.append(f"skipped {path.name}: no text")
            chunks.extend(Chunk(path.resolve(), title, piece) for piece in pieces)
        return chunks

    def _build_index(self) -> Any:
        import bm25s  # numpy-backed; imported only when a corpus is actually used

        index = bm25s.BM25()
        corpus = [stems(f"{chunk.title}\n{chunk.text}") or ["<empty>"] for chunk in self.chunks]
        index.index(corpus, show_progress=False)
        return index

    def search(self, query: str, max_results: int = 4) -> SearchReport:
        """The chunks that best match ``query`` (only those sharing at least one word with it)."""
        warnings = self._take_warnings()
        query_tokens = stems(query)
        if not query_tokens or max_results < 1:
            return SearchReport(warnings=warnings)
        k = min(max_results, len(self.chunks))
        ids, scores = self._index.retrieve([query_tokens], k=k, show_progress=False)
        documents = [
            self._document(self.chunks[int(chunk_id)])
            for chunk_id, score in zip(ids[0], scores[0], strict=True)
            if float(score) > 0
        ]
        return SearchReport(documents=documents, warnings=warnings)

    @property
    def document_count(self) -> int:
        """How many files the corpus holds."""
        return len({chunk.path for chunk in self.chunks})

    def whole_document(self, url: str) -> Document | None:
        """Every chunk of the file at ``url``, in order, as one document (None for another path)."""
        pieces = [chunk for chunk in self.chunks if str(chunk.path) == url]
        if not pieces:
            return None
        whole = Document(title=trim_text(pieces[0].title, 200), url=url, text="", origin="local")
        return whole.model_copy(update={"text": "\n\n".join(chunk.text for chunk in pieces)})

    def _take_warnings(self) -> list[str]:
        """Indexing warnings, reported with the first search only."""
        if self._warnings_reported:
            return []
        self._warnings_reported = True
        return list(self.warnings)

    @staticmethod
    def _document(chunk: Chunk) -> Document:
        return Document(
            title=trim_text(chunk.title, 200), url=str(chunk.path), text=chunk.text, origin="local"
        )
