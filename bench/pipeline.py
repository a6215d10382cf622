"""One benchmark scenario in-process: a full draft on the real model, with its engine counters."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bench.instruments import CallRecorder, EvalCounter, perf_reset, perf_snapshot, replay_calls
from core.events import Done, SectionDrafted, TokenStreamed
from core.result import DraftResult
from core.settings import Settings
from core.state import DraftRequest


class Scenario(BaseModel):
    """What one benchmark run drafts."""

    name: str
    topic: str
    words: int = 600
    rounds: int = 3
    threshold: float = 10.0
    search: str = "off"
    sources_dir: str | None = None
    reference: str | None = None


def run_scenario(scenario: Scenario, settings: Settings, replay_work: bool = True) -> dict[str, Any]:
    """Load the model, draft once, and return the result plus timings and engine counters;
    with ``replay_work``, also time the run's model calls replayed straight on llama.cpp."""
    from graph import assembly
    from graph.runner import new_run_id

    started = time.perf_counter()
    model: Any = assembly.chat_model(settings)
    load_seconds = time.perf_counter() - started
    counter = EvalCounter(model.llama)
    recorder = CallRecorder(model.llama)
    request = DraftRequest(
        topic=scenario.topic,
        words=scenario.words,
        rounds=scenario.rounds,
        threshold=scenario.threshold,
        search=scenario.search,  # type: ignore[arg-type]
        sources_dir=scenario.sources_dir,
    )
    search = assembly.search_tool(request, settings)
    run_id = new_run_id()
    perf_reset(model.llama)
    started = time.perf_counter()
    result, marks = draft_with_marks(request, settings, model, search, run_id)
    wall = time.perf_counter() - started
    perf = perf_snapshot(model.llama)
    evals = counter.as_dict()
    replay = replay_run(model.llama, recorder, counter, evals["calls"]) if replay_work else None
    outline_headings, source_texts = run_details(settings.data_dir, run_id, result.best_round)
    return {
        "load_seconds": round(load_seconds, 3),
        "wall_seconds": round(wall, 3),
        "marks": marks,
        "inside_llama_seconds": round(recorder.inside_seconds, 3),
        "evals": evals,
        "replay": replay,
        "perf": perf.model_dump() if perf else None,
        "result": result.model_dump(mode="json"),
        "outline_headings": outline_headings,
        "source_texts": {str(key): text for key, text in source_texts.items()},
    }


def draft_with_marks(
    request: DraftRequest, settings: Settings, model: Any, search: Any, run_id: str
) -> tuple[DraftResult, dict[str, float]]:
    """Draft to the end, noting when (seconds after the start) the first token, the writer's
    first token and the first drafted section reached the event stream, as a front end sees them."""
    from graph.runner import stream_draft

    started = time.perf_counter()
    marks: dict[str, float] = {}
    for event in stream_draft(request, settings, chat_model=model, search=search, run_id=run_id):
        now = round(time.perf_counter() - started, 3)
        if isinstance(event, TokenStreamed):
            marks.setdefault("first_token_s", now)
            if event.agent == "writer":
                marks.setdefault("first_writer_token_s", now)
        elif isinstance(event, SectionDrafted):
            marks.setdefault("first_section_s", now)
        elif isinstance(event, Done):
            return event.result, marks
    raise RuntimeError("the run ended without a result")


def replay_run(llama: Any, recorder: CallRecorder, counter: EvalCounter, run_calls: int) -> dict[str, Any]:
    """Replay the run's model calls raw (:func:`bench.instruments.replay_calls`): seconds, and the
    tokens generated then vs in the run (equal when the replay did the same work)."""
    seconds = replay_calls(llama, recorder.requests, recorder.create)
    replayed = counter.per_call[run_calls:]
    return {
        "seconds": round(seconds, 3),
        "calls": len(replayed),
        "generated": sum(call.generated for call in replayed),
        "run_generated": sum(call.generated for call in counter.per_call[:run_calls]),
        "evaluated": sum(call.evaluated for call in replayed),
    }


def run_details(data_dir: Path, run_id: str, best_round: int) -> tuple[list[str], dict[int, str]]:
    """From the run's checkpoints: the outline headings the best round followed, and source texts.

    The result object carries neither; the checkpoint right after the best round was scored holds
    the outline that round's writer used (a later round may re-plan).
    """
    from graph.store import open_run_store

    saver, connection = open_run_store(data_dir)
    try:
        history = list(saver.list({"configurable": {"thread_id": run_id}}))
    finally:
        connection.close()
    states = [item.checkpoint["channel_values"] for item in reversed(history)]  # oldest first
    headings: list[str] = []
    for values in states:
        if len(values.get("rounds", [])) == best_round and "outline" in values:
            headings = [section.heading for section in values["outline"].sections]
            break
    sources = states[-1].get("sources", []) if states else []
    return headings, {source.id: source.text for source in sources}
