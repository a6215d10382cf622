"""Build the search tool for a search mode: ``auto``, ``web``, ``local`` or ``off``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal, get_args

from core.errors import BadInputError, NoNotesFolderError
from tools.base import Document, HoldsWholeDocuments, NoSearch, SearchReport, SearchTool
from tools.cache import DEFAULT_TTL_SECONDS, CachedSearch, SearchCache, default_cache_path
from tools.fetch import PageFetcher
from tools.local_corpus import LocalCorpus
from tools.web_research import WebResearch
from tools.web_search import DEFAULT_BACKENDS, RetryPolicy, TextSearchClient, WebSearch, describe_error

SearchMode = Literal["auto", "web", "local", "off"]
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)


class CombinedSearch:
    """Asks every tool in turn and interleaves their documents (first tool first).

    The report is degraded when any tool's is; warnings of all tools are kept. A tool that
    raises despite the protocol is reported as a degraded source instead of breaking the run.
    """

    name = "auto"

    def __init__(self, tools: Sequence[SearchTool]) -> None:
        self.tools = list(tools)

    def search(self, query: str, max_results: int = 4) -> SearchReport:
        """Search with every tool; at most ``max_results`` documents, taken round-robin."""
        reports = [self._ask(tool, query, max_results) for tool in self.tools]
        return SearchReport(
            documents=interleave([report.documents for report in reports], max_results),
            degraded=any(report.degraded for report in reports),
            warnings=[warning for report in reports for warning in report.warnings],
        )

    def whole_document(self, url: str) -> Document | None:
        """The first tool's whole document at ``url`` (None when no tool holds one)."""
        for tool in self.tools:
            if isinstance(tool, HoldsWholeDocuments):
                found = tool.whole_document(url)
                if found is not None:
                    return found
        return None

    @staticmethod
    def _ask(tool: SearchTool, query: str, max_results: int) -> SearchReport:
        try:
            return tool.search(query, max_results)
        except Exception as error:  # a broken source must not end the run
            return SearchReport(
                degraded=True, warnings=[f"{tool.name} search failed: {describe_error(error)}"]
            )


def interleave(groups: Sequence[Sequence[Document]], limit: int) -> list[Document]:
    """Round-robin over the groups, skipping repeats, up to ``limit`` documents."""
    merged: list[Document] = []
    seen: set[tuple[str, str]] = set()
    for position in range(max((len(group) for group in groups), default=0)):
        for group in groups:
            if position < len(group) and (group[position].url, group[position].text) not in seen:
                seen.add((group[position].url, group[position].text))
                merged.append(group[position])
    return merged[: max(0, limit)]


def make_search_tool(
    mode: SearchMode,
    sources_dir: Path | None = None,
    *,
    cache_path: Path | None = None,
    use_cache: bool = True,
    cache_ttl: float = DEFAULT_TTL_SECONDS,
    min_interval: float = 1.0,
    allow_hosts: frozenset[str] = frozenset(),
    fetch_pages: bool = True,
    fetch_top: int = 3,
    page_chars: int = 4000,
    fetch_timeout: float = 10.0,
    backends: Sequence[str] = DEFAULT_BACKENDS,
    policy: RetryPolicy | None = None,
    client: TextSearchClient | None = None,
) -> SearchTool:
    """The search tool for a mode.

    ``auto`` searches the web and, when ``sources_dir`` is given, the local notes too, with
    their documents interleaved; ``web`` and ``local`` use one of them; ``off`` does no research.
    Web results are cached (unless ``use_cache`` is False) and their top pages read when
    ``fetch_pages`` is set. A failed web search makes the report degraded, local documents kept.

    Args:
        mode: ``auto``, ``web``, ``local`` or ``off``.
        sources_dir: Folder of the user's notes (required for ``local``).
        cache_path: SQLite cache file; default under the user's cache folder.
        use_cache: Whether to cache web results.
        cache_ttl: Seconds a cached result stays valid.
        min_interval: Minimum seconds between requests to one search backend.
        allow_hosts: Hosts the page fetcher may reach even on non-public addresses.
        fetch_pages: Whether to read the top results' pages.
        fetch_top: How many pages to read per search.
        page_chars: Character budget per extracted page.
        fetch_timeout: Seconds per page fetch.
        backends: ddgs backends, in order of preference.
        policy: Retry and timeout settings of web search.
        client: A ddgs-like client (tests); default the real one.

    Raises:
        BadInputError: Unknown mode, ``local`` without a folder, or an unusable folder.
    """
    if mode not in SEARCH_MODES:
        raise BadInputError(f"unknown search mode {mode!r}; choose one of {', '.join(SEARCH_MODES)}")
    if mode == "off":
        return NoSearch()
    if mode == "local":
        if sources_dir is None:
            raise NoNotesFolderError("search mode 'local' needs a folder of notes")
        return LocalCorpus(sources_dir)
    local = LocalCorpus(sources_dir) if mode == "auto" and sources_dir is not None else None
    web: SearchTool = WebSearch(backends=backends, min_interval=min_interval, policy=policy, client=client)
    if fetch_pages and fetch_top > 0:
        fetcher = PageFetcher(timeout=fetch_timeout, max_chars=page_chars, allow_hosts=allow_hosts)
        web = WebResearch(web, fetcher, fetch_top=fetch_top)
    if use_cache:
        web = CachedSearch(web, SearchCache(cache_path or default_cache_path(), ttl=cache_ttl))
    return CombinedSearch([web, local]) if local is not None else web
