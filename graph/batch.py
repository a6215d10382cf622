"""Batch drafting: many topics, each its own checkpointed run; a failed topic never stops the others.

It returns each topic's result and writes no file: the front end publishes the posts (the
command line writes ``<out>/<slug>.md`` as each topic ends, through ``on_outcome``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import ValidationError

from core.batch import TopicOutcome
from core.errors import DraftsmithError
from core.result import DraftResult
from core.settings import Settings, describe_validation_error
from core.state import DraftRequest
from graph import assembly


class BatchOutcome(TopicOutcome):
    """What happened to one topic, with its draft."""

    result: DraftResult | None = None  # the draft of a topic that is done, for the front end to publish


def read_topics(text: str) -> list[tuple[int, str]]:
    """(line number, topic) for each non-empty line that is not a ``#`` comment."""
    return [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]


def run_batch(
    topics: list[tuple[int, str]],
    options: dict[str, Any],
    settings: Settings,
    concurrency: int = 1,
    chat_model: BaseChatModel | None = None,
    on_outcome: Callable[[BatchOutcome], None] | None = None,
) -> list[BatchOutcome]:
    """Draft every topic; return one outcome per topic, in order.

    ``on_outcome`` gets each outcome as soon as its topic ends, one call at a time (never two at
    once), so a front end can publish the post there. With the in-process backend runs queue on
    the one model, so ``concurrency`` is capped at 1; with an OpenAI-compatible server up to
    ``concurrency`` runs go at once.
    """
    model = chat_model if chat_model is not None else assembly.chat_model(settings)
    workers = concurrency if settings.backend == "openai" or chat_model is not None else 1
    lock = threading.Lock()

    def one(item: tuple[int, str]) -> BatchOutcome:
        outcome = draft_one(item, options, settings, model)
        if on_outcome is not None:
            with lock:
                on_outcome(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, topics))


def draft_one(
    item: tuple[int, str],
    options: dict[str, Any],
    settings: Settings,
    model: BaseChatModel,
) -> BatchOutcome:
    """Draft one topic; every failure becomes an outcome with a one-line error."""
    from graph.runner import draft

    line, topic = item
    started = time.monotonic()
    try:
        request = DraftRequest(topic=topic, **options)
        result = draft(request, settings, chat_model=model)
        return BatchOutcome(
            line=line,
            topic=topic,
            status="done",
            seconds=round(time.monotonic() - started, 1),
            score=result.score,
            run_id=result.run_id,
            result=result,
        )
    except ValidationError as exc:
        error = describe_validation_error(exc)
    except DraftsmithError as exc:
        error = str(exc)
    except Exception as exc:  # one topic's crash must not stop the batch
        error = f"unexpected failure: {exc}"
    return BatchOutcome(
        line=line, topic=topic, status="failed", seconds=round(time.monotonic() - started, 1), error=error
    )
