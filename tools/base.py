"""The one small interface every research source implements: ``search(query, max_results)``."""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

Origin = Literal["web", "local"]


class Document(BaseModel):
    """One piece of research material: a web page (or its snippet) or a chunk of a local file."""

    title: str
    url: str = Field(description="http(s) address, or the local file path")
    text: str = Field(description="snippet, extracted main text or chunk, already trimmed")
    origin: Origin = "web"


class SearchReport(BaseModel):
    """What one query produced, and whether research was degraded while producing it."""

    documents: list[Document] = Field(default_factory=list)
    degraded: bool = False
    warnings: list[str] = Field(default_factory=list)


@runtime_checkable
class SearchTool(Protocol):
    """Anything that turns a query into documents. Must not raise for network trouble:
    it reports ``degraded=True`` with a warning instead."""

    name: str

    def search(self, query: str, max_results: int = 4) -> SearchReport: ...


@runtime_checkable
class HoldsWholeDocuments(Protocol):
    """A search tool whose results are pieces of longer documents it can return whole
    (a local corpus returns chunks of the user's files)."""

    def whole_document(self, url: str) -> Document | None: ...


class NoSearch:
    """Search mode ``off``: no research, and not degraded (the user asked for none)."""

    name = "off"

    def search(self, query: str, max_results: int = 4) -> SearchReport:
        return SearchReport()


class StaticSearch:
    """Returns the same documents for every query (notebooks, demos and tests)."""

    name = "static"

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents
        self.queries: list[str] = []

    def search(self, query: str, max_results: int = 4) -> SearchReport:
        self.queries.append(query)
        return SearchReport(documents=self.documents[:max_results])
