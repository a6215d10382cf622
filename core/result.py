"""The one serialisable result of a run, built from the final graph state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Literal

from pydantic import BaseModel, Field

from core.markers import finalize_references, strip_citations
from core.packaging import Packaging, package
from core.rounds import best_round, stop_reason
from core.state import DraftRequest, DraftState, RoundRecord, Source, StepTelemetry

RunStatus = Literal["completed", "stopped", "budget_stopped"]
STATUS_WORDS = {"budget_stopped": "stopped (budget)"}
"""How the front ends name a run's status where its stored word is not for people; every other
status (``completed``, ``stopped``, ``paused``, ``running``, ``interrupted``, ``failed``) is shown
as stored, the word the JSON result and the run index hold."""


def status_word(status: str) -> str:
    """The one word every front end (page, ``cli.py runs``) uses for a run status."""
    return STATUS_WORDS.get(status, status)


class SourceRef(BaseModel):
    """A source as shown to the reader (no extracted text).

    A local file is named by its file name only: its full path (``path``) is for the author's own
    view and is left out of every export (Markdown, HTML, JSON).
    """

    id: int
    title: str
    url: str = Field(description="the web address; for a local file, its file name")
    origin: Literal["web", "local"]
    path: str | None = Field(default=None, exclude=True, description="a local file's full path")


def source_ref(source: Source) -> SourceRef:
    """How a source is published: a local file by its title and file name, never its path."""
    if source.origin == "local":
        name = PurePath(source.url).name
        return SourceRef(id=source.id, title=source.title, url=name, origin="local", path=source.url)
    return SourceRef(id=source.id, title=source.title, url=source.url, origin=source.origin)


def private_folders(request: DraftRequest, sources: Sequence[Source]) -> list[str]:
    """Local folders whose paths stay out of published text, longest first: the notes folder
    (as given and resolved) and the folder of every local source."""
    folders = {str(PurePath(s.url).parent) for s in sources if s.origin == "local"}
    if request.sources_dir:
        given = Path(request.sources_dir).expanduser()
        folders |= {request.sources_dir, str(given), str(given.resolve())}
    return sorted((f for f in folders if len(f) > 1), key=len, reverse=True)


def without_paths(text: str, folders: Sequence[str]) -> str:
    """``text`` with each private folder path replaced by the folder's name."""
    for folder in folders:
        text = text.replace(folder, PurePath(folder).name)
    return text


def public_request(request: DraftRequest) -> DraftRequest:
    """The request as published: the notes folder by its name only."""
    if not request.sources_dir:
        return request
    return request.model_copy(update={"sources_dir": Path(request.sources_dir).expanduser().name})


def public_model(model: str) -> str:
    """A model named by a local file path is published by its file name."""
    return PurePath(model).name if model.startswith(("/", "~")) or PurePath(model).is_absolute() else model


class Totals(BaseModel):
    seconds: float
    prompt_tokens: int
    completion_tokens: int
    calls: int
    tokens_per_second: float


class DraftResult(BaseModel):
    """Everything a front end shows or exports; ``--json`` prints exactly this."""

    run_id: str
    status: RunStatus = "completed"
    topic: str
    request: DraftRequest
    title: str
    markdown: str
    best_round: int
    rounds: list[RoundRecord]
    sources: list[SourceRef] = Field(description="every source found, numbered as in the rounds")
    telemetry: list[StepTelemetry]
    totals: Totals
    backend: str
    model: str
    search_mode: str
    degraded: bool
    warnings: list[str]
    stop_reason: str | None = Field(default=None, description="why the rounds ended")
    packaging: Packaging
    created: str = Field(description="ISO date-time the result was built")

    @property
    def score(self) -> float:
        return next(r.critique.overall for r in self.rounds if r.round == self.best_round)


def build_result(
    state: DraftState, *, run_id: str, backend: str, model: str, status: RunStatus = "completed"
) -> DraftResult:
    """Pick the best round and finish its markdown (references of exactly the cited sources)."""
    rounds = list(state.get("rounds", []))
    best = best_round(rounds)
    sources: list[Source] = list(state.get("sources", []))
    refs = [source_ref(s) for s in sources]
    markdown = finalize_references(best.markdown, refs) if sources else strip_citations(best.markdown)
    telemetry = list(state.get("telemetry", []))
    seconds = sum(step.seconds for step in telemetry)
    completion = sum(step.completion_tokens for step in telemetry)
    request = state["request"]
    folders = private_folders(request, sources)
    return DraftResult(
        run_id=run_id,
        status=status,
        topic=request.topic,
        request=public_request(request),
        title=best.title,
        markdown=markdown,
        best_round=best.round,
        rounds=rounds,
        sources=refs,
        telemetry=telemetry,
        totals=Totals(
            seconds=round(seconds, 2),
            prompt_tokens=sum(step.prompt_tokens for step in telemetry),
            completion_tokens=completion,
            calls=sum(step.calls for step in telemetry),
            tokens_per_second=round(completion / seconds, 1) if seconds else 0.0,
        ),
        backend=backend,
        model=public_model(model),
        search_mode=request.search,
        degraded=bool(state.get("degraded", False)),
        warnings=[without_paths(w, folders) for w in dict.fromkeys(state.get("warnings", []))],
        stop_reason=stop_reason(request, rounds) if status == "completed" else None,
        packaging=package(best.title, markdown),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )
