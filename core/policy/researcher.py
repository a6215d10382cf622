"""The research step's values (agents/researcher)."""

from __future__ import annotations

from pydantic import Field

from core.policy._group import _Group


class ResearcherPolicy(_Group):
    """agents/researcher: how many queries, results and sources a research step gathers."""

    results_per_query: int = Field(default=4, description="web results kept per search query")
    pieces_per_query: int = Field(
        default=20, description="pieces asked per query from a tool holding whole documents (a notes folder)"
    )
    max_queries: int = Field(
        default=3, description="search queries per research step (also SearchQueries' bound)"
    )
    max_sources: int = Field(
        default=8, description="sources kept for a run; research stops once it has this many"
    )
    note_sentences: int = Field(default=1, description="sentences of a source quoted in its research note")
    note_sentence_chars: tuple[int, int] = Field(
        default=(20, 400),
        description="a note sentence has this many characters: shorter is a fragment, longer a dump",
    )
    query_max_tokens: int = Field(default=120, description="token cap of the model's search-query reply")
    gap_queries: int = Field(
        default=2, description="the critic's research gaps searched as they are, before the model's queries"
    )
