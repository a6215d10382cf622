"""Search, then read the top results: snippets are replaced by the pages' extracted main text."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tools.base import Document, SearchReport, SearchTool
from tools.fetch import PageFetcher
from tools.web_search import describe_error


class WebResearch:
    """A :class:`~tools.base.SearchTool` that fetches and extracts the top ``fetch_top`` results.

    A result whose page cannot be fetched (blocked, timed out, not HTML, no text) keeps its
    search snippet; one warning summarises such failures. Never raises.

    Args:
        search: The search engine to ask first.
        fetcher: Fetches and extracts pages through the address guard.
        fetch_top: How many of the top results to read.
        max_workers: Pages fetched at once.
    """

    def __init__(
        self, search: SearchTool, fetcher: PageFetcher, *, fetch_top: int = 3, max_workers: int = 3
    ) -> None:
        self.inner = search
        self.fetcher = fetcher
        self.fetch_top = max(0, fetch_top)
        self.max_workers = max(1, max_workers)
        self.name = f"{search.name}+pages"

    def search(self, query: str, max_results: int = 4) -> SearchReport:
        """Search, then fetch the top results' pages in parallel."""
        report = self.inner.search(query, max_results)
        top = report.documents[: self.fetch_top]
        if not top:
            return report
        with ThreadPoolExecutor(max_workers=min(len(top), self.max_workers)) as pool:
            outcomes = list(pool.map(self._read, top))
        documents = [document for document, _ in outcomes] + report.documents[len(top) :]
        failures = [reason for _, reason in outcomes if reason]
        warnings = list(report.warnings)
        if failures:
            warnings.append(
                f"could not read {len(failures)} of {len(top)} pages, used their snippets ({failures[0]})"
            )
        return SearchReport(documents=documents, degraded=report.degraded, warnings=warnings)

    def _read(self, document: Document) -> tuple[Document, str | None]:
        """The document with its page text, or unchanged with the reason the fetch failed."""
        try:
            page = self.fetcher.fetch(document.url)
        except Exception as error:  # any failure falls back to the snippet
            return document, describe_error(error)
        return document.model_copy(update={"url": page.url, "text": page.text}), None
