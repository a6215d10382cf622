"""The one serialisable result of a run, built from the final graph state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from graph.packaging import Packaging, package
from graph.routing import best_round
from graph.state import DraftRequest, DraftState, RoundRecord, Source, StepTelemetry
from tools.citations import finalize_references, strip_citations

RunStatus = Literal["completed", "stopped", "budget_stopped"]


class SourceRef(BaseModel):
    """A source as shown to the reader (no extracted text)."""

    id: int
    title: str
    url: str
    origin: Literal["web", "local"]


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
    if sources:
        markdown = finalize_references(best.markdown, [(s.id, s.title, s.url) for s in sources])
    else:
        markdown = strip_citations(best.markdown)
    telemetry = list(state.get("telemetry", []))
    seconds = sum(step.seconds for step in telemetry)
    completion = sum(step.completion_tokens for step in telemetry)
    request = state["request"]
    return DraftResult(
        run_id=run_id,
        status=status,
        topic=request.topic,
        request=request,
        title=best.title,
        markdown=markdown,
        best_round=best.round,
        rounds=rounds,
        sources=[SourceRef(id=s.id, title=s.title, url=s.url, origin=s.origin) for s in sources],
        telemetry=telemetry,
        totals=Totals(
            seconds=round(seconds, 2),
            prompt_tokens=sum(step.prompt_tokens for step in telemetry),
            completion_tokens=completion,
            calls=sum(step.calls for step in telemetry),
            tokens_per_second=round(completion / seconds, 1) if seconds else 0.0,
        ),
        backend=backend,
        model=model,
        search_mode=request.search,
        degraded=bool(state.get("degraded", False)),
        warnings=list(dict.fromkeys(state.get("warnings", []))),
        packaging=package(best.title, markdown),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )
