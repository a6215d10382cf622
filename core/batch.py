"""What a batch reports for one topic, shared by the orchestration (``graph.batch``, which adds the
topic's draft) and the command line (``ui.cli.batch``, which adds the file it wrote the post to)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class TopicOutcome(BaseModel):
    """What happened to one topic of a batch."""

    line: int
    topic: str
    status: Literal["done", "failed"]
    seconds: float = 0.0
    score: float | None = None
    run_id: str | None = None
    error: str | None = None
