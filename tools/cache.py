"""A persistent search cache (SQLite) and a SearchTool wrapper that uses it.

Entries are keyed by engine name, normalised query and result count, and expire after a TTL.
Every operation opens its own short-lived connection, so one cache file is safe to share
between threads and processes. Cache trouble never breaks a search: it is reported as a warning.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from tools.base import Document, SearchReport, SearchTool

DEFAULT_TTL_SECONDS = 7 * 24 * 3600.0
CACHE_FILE_NAME = "search-cache.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS search_cache (
    key TEXT PRIMARY KEY,
    created REAL NOT NULL,
    documents TEXT NOT NULL
)
"""


def default_cache_path() -> Path:
    """``<user cache dir>/draftsmith/search-cache.sqlite3`` (platformdirs)."""
    from platformdirs import user_cache_path

    return user_cache_path("draftsmith", appauthor=False) / CACHE_FILE_NAME


def normalise_query(query: str) -> str:
    """Unicode-normalised, case-folded query with single spaces, so trivial variants share a key."""
    return " ".join(unicodedata.normalize("NFKC", query).casefold().split())


def cache_key(engine: str, query: str, max_results: int) -> str:
    """The cache key of one search."""
    return f"{engine}\x1f{normalise_query(query)}\x1f{max_results}"


class SearchCache:
    """Documents per (engine, query, max_results), stored in SQLite with a TTL.

    Args:
        path: Database file; it and its folders are created on first use.
        ttl: Seconds an entry stays valid.
        clock: Wall clock returning seconds (injected in tests).
    """

    def __init__(
        self, path: Path, *, ttl: float = DEFAULT_TTL_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.ttl = ttl
        self._clock = clock

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One connection per operation (creating file and table if needed); commits, then closes.

        Raises:
            OSError: The cache folder cannot be created.
            sqlite3.Error: The database cannot be opened or used.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10.0)) as connection, connection:
            connection.execute(_SCHEMA)
            yield connection

    def get(self, engine: str, query: str, max_results: int) -> list[Document] | None:
        """Cached documents, or None when missing, expired or unreadable."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT created, documents FROM search_cache WHERE key = ?",
                (cache_key(engine, query, max_results),),
            ).fetchone()
        if row is None or self._clock() - float(row[0]) > self.ttl:
            return None
        try:
            return [Document.model_validate(item) for item in json.loads(row[1])]
        except (ValueError, TypeError, ValidationError):
            return None

    def put(self, engine: str, query: str, max_results: int, documents: list[Document]) -> None:
        """Store documents for a search, replacing any older entry."""
        payload = json.dumps([document.model_dump() for document in documents])
        with self._connect() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO search_cache (key, created, documents) VALUES (?, ?, ?)",
                (cache_key(engine, query, max_results), self._clock(), payload),
            )

    def purge_expired(self) -> int:
        """Delete expired entries; returns how many were deleted."""
        with self._connect() as connection:
            oldest = self._clock() - self.ttl
            cursor = connection.execute("DELETE FROM search_cache WHERE created < ?", (oldest,))
            return cursor.rowcount


@dataclass
class CacheStats:
    """Counts of cache hits and misses of one :class:`CachedSearch`."""

    hits: int = 0
    misses: int = 0

    @property
    def hit_rate(self) -> float | None:
        """Hits over lookups, or None before the first lookup."""
        total = self.hits + self.misses
        return self.hits / total if total else None


class CachedSearch:
    """Serves repeated queries from a :class:`SearchCache`; stores only useful results.

    Degraded or empty reports are never cached, so a failed search is retried next time.

    Args:
        inner: The search tool to wrap; its ``name`` is the engine part of the key.
        cache: The cache to use.
    """

    def __init__(self, inner: SearchTool, cache: SearchCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.stats = CacheStats()
        self._lock = threading.Lock()

    def search(self, query: str, max_results: int = 4) -> SearchReport:
        """Answer from the cache when possible, otherwise search and remember good results."""
        warnings: list[str] = []
        try:
            cached = self.cache.get(self.name, query, max_results)
        except (sqlite3.Error, OSError) as error:
            cached = None
            warnings.append(f"search cache unavailable: {error}")
        if cached is not None:
            self._count(hit=True)
            return SearchReport(documents=cached, warnings=warnings)
        self._count(hit=False)
        report = self.inner.search(query, max_results)
        if report.documents and not report.degraded:
            try:
                self.cache.put(self.name, query, max_results, report.documents)
            except (sqlite3.Error, OSError) as error:
                warnings.append(f"search cache not updated: {error}")
        return report.model_copy(update={"warnings": [*report.warnings, *warnings]})

    def _count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self.stats.hits += 1
            else:
                self.stats.misses += 1
