"""Researcher: topic (or the critic's gaps) -> search queries -> numbered sources -> evidence.

Pieces of one page or file (a local corpus returns chunks) join one source, so ``[n]`` names a
document a reader can open. Every source is cut into passages (``agents.text.evidence``) that the
outliner hands to the sections; the short notes only tell the other agents what each source is.
"""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel

from agents.text.evidence import build_passages
from agents.text.prompts import ask_structured, bullet_list, render, shared_context
from backends.structured import StructuredOutputError, json_schema_for
from core.markers import split_sentences
from core.model_replies import SearchQueries
from core.policy import run_policy
from core.state import DraftState, Note, Source, completed_rounds
from core.text import plain_words
from tools.base import Document, HoldsWholeDocuments, SearchTool
from tools.injection import looks_like_injection


def make_researcher(model: BaseChatModel, search: SearchTool) -> Callable[[DraftState], dict]:
    """Build the researcher node.

    Args:
        model: chat model that proposes queries (skipped when search is off).
        search: the search tool; it reports trouble as ``degraded`` instead of raising.
    """

    def researcher(state: DraftState) -> dict:
        request = state["request"]
        if request.search == "off":
            return {"queries": [], "notes": state.get("notes", [])}
        gaps = state["critique"].gaps if completed_rounds(state) and "critique" in state else []
        sources = {s.id: s for s in state.get("sources", [])}
        warnings: list[str] = []
        degraded = state.get("degraded", False)
        # The plain topic (or the gaps) always leads: a small model's queries can miss every source.
        policy = run_policy().researcher
        queries = (gaps[: policy.gap_queries] if gaps else [request.topic])[: policy.max_queries]
        degraded = gather(search, queries, sources, warnings) or degraded
        if not holds_everything(search, sources):
            more = [q for q in propose_queries(model, state, gaps) if q not in queries]
            more = more[: policy.max_queries - len(queries)]
            degraded = gather(search, more, sources, warnings) or degraded
            queries += more
        all_sources = list(sources.values())
        notes = [Note(source_id=s.id, text=note_for(s.text, [request.topic, *queries])) for s in all_sources]
        if not all_sources and request.search != "off":
            warnings.append("research found no sources: the draft is written without citations")
            degraded = True
        return {
            "queries": queries,
            "sources": all_sources,
            "passages": build_passages(all_sources),
            "notes": [note for note in notes if note.text],
            "degraded": degraded,
            "warnings": warnings,
        }

    return researcher


def gather(search: SearchTool, queries: list[str], sources: dict[int, Source], warnings: list[str]) -> bool:
    """Run ``queries`` and add what they find to ``sources``; True when research was degraded."""
    degraded = False
    # Pieces of whole documents collapse into their document: ask for more of them.
    policy = run_policy().researcher
    wanted = policy.pieces_per_query if isinstance(search, HoldsWholeDocuments) else policy.results_per_query
    for query in queries:
        report = search.search(query, wanted)
        degraded = degraded or report.degraded
        warnings.extend(w for w in report.warnings if w not in warnings)
        for document in report.documents:
            if isinstance(search, HoldsWholeDocuments):
                # The user's file, not just the chunk that matched: its other parts are evidence too.
                document = search.whole_document(document.url) or document
            add_document(sources, document)
    return degraded


def holds_everything(search: SearchTool, sources: dict[int, Source]) -> bool:
    """True when the sources already hold every document the search tool has (a small notes
    folder): more queries could find nothing new, so the model is not asked for them."""
    count = getattr(search, "document_count", None)
    return isinstance(count, int) and len(sources) >= min(count, run_policy().researcher.max_sources)


def add_document(sources: dict[int, Source], document: Document) -> None:
    """Add a search result to the registry: a new piece of a known page or file extends that
    source (in place, keeping its number); a new address becomes the next source."""
    same = next((s for s in sources.values() if s.url == document.url), None)
    if same is not None:
        if document.text not in same.text:
            sources[same.id] = same.model_copy(update={"text": f"{same.text}\n\n{document.text}"})
        return
    if len(sources) >= run_policy().researcher.max_sources:
        return
    number = max(sources, default=0) + 1
    sources[number] = Source(
        id=number,
        title=document.title or document.url,
        url=document.url,
        text=document.text,
        origin=document.origin,
    )


def propose_queries(model: BaseChatModel, state: DraftState, gaps: list[str]) -> list[str]:
    """The model's search queries (none when its reply is unusable)."""
    request = state["request"]
    focus = f"Focus on these open questions:\n{bullet_list(gaps)}" if gaps else ""
    task = render("researcher", "queries", focus=focus)
    system = shared_context(request, state.get("notes", []), state.get("sources", []))
    most = run_policy().researcher.max_queries
    schema = json_schema_for(SearchQueries)
    schema["properties"]["queries"]["maxItems"] = most
    try:
        reply = ask_structured(
            model,
            SearchQueries,
            system,
            task,
            json_schema=schema,
            max_tokens=run_policy().researcher.query_max_tokens,
        )
    except StructuredOutputError:
        return []
    return list(dict.fromkeys(" ".join(q.split()) for q in reply.queries if q.strip()))[:most]


def note_for(text: str, focus: list[str], sentences: int | None = None) -> str:
    """The sentences of ``text`` that share the most words with the focus, in their original order.

    Sentences that look like instructions to a model, or carry links or markup, are never taken:
    source text is data, and a hostile page must not steer the writer.
    """
    policy = run_policy().researcher
    sentences = policy.note_sentences if sentences is None else sentences
    shortest, longest = policy.note_sentence_chars
    wanted = _long_words(" ".join(focus))
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    candidates = [
        s for s in split_sentences(text) if shortest <= len(s) <= longest and not looks_like_injection(s)
    ]
    if not candidates:
        return ""
    ranked = sorted(
        range(len(candidates)),
        key=lambda i: (-len(wanted & _long_words(candidates[i])), i),
    )
    chosen = sorted(ranked[:sentences])
    return " ".join(candidates[i] for i in chosen)


def _long_words(text: str) -> set[str]:
    """The distinct plain words of three or more letters and digits (for matching a note's focus)."""
    return {word for word in plain_words(text) if len(word) >= 3}
