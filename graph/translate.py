"""LangGraph's stream (custom writes, message chunks, state updates) turned into typed events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.events import (
    AgentFinished,
    AgentStarted,
    Event,
    RoundScored,
    RunWarning,
    SectionDrafted,
    SourceFound,
    TokenStreamed,
)
from core.result import SourceRef
from core.state import AGENTS, AgentName, RoundRecord, Source, StepTelemetry


class EventTranslator:
    """Turns stream chunks into events, remembering which agent and round are under way.

    Attributes:
        agent: the agent that started last (named in a failure's message).
        round: its round.
    """

    def __init__(self, round_number: int = 1) -> None:
        self.agent: AgentName = "researcher"
        self.round = round_number
        self._writing: dict[str, list[str]] = {}  # the writer's model calls under way: text so far
        self._written = 0  # the writer's finished model calls this round

    def events(self, mode: str, payload: Any) -> Iterator[Event]:
        """The events of one chunk of ``graph.stream(stream_mode=["custom", "messages", "updates"])``."""
        if mode == "custom" and payload.get("event") == "agent_started":
            self.agent, self.round = payload["agent"], payload["round"]
            self._writing, self._written = {}, 0
            yield AgentStarted(agent=self.agent, round=self.round)
        elif mode == "messages":
            chunk, metadata = payload
            text = chunk.content if isinstance(chunk.content, str) else ""
            node = metadata.get("langgraph_node")
            if text and node in AGENTS:
                yield TokenStreamed(agent=node, round=self.round, text=text, call=chunk.id or "")
            if node == "writer" and metadata.get("writer_call") != "fix":
                yield from self._section_drafted(chunk, text)
        elif mode == "updates":
            for node, update in payload.items():
                if node != "__interrupt__" and isinstance(update, dict):
                    yield from events_for_update(update)

    def _section_drafted(self, chunk: Any, text: str) -> Iterator[Event]:
        """Collect a writer call's text; once its last chunk arrives (LangChain marks it
        ``chunk_position="last"``; a finish reason comes first where the model reports one), the
        section's text as the model wrote it."""
        pieces = self._writing.setdefault(str(chunk.id), [])
        if text:
            pieces.append(text)
        finished = (getattr(chunk, "response_metadata", None) or {}).get("finish_reason")
        if finished or getattr(chunk, "chunk_position", None) == "last":
            drafted = "".join(self._writing.pop(str(chunk.id))).strip()
            if drafted:
                self._written += 1
                yield SectionDrafted(round=self.round, call=self._written, text=drafted)


def events_for_update(update: dict[str, Any]) -> Iterator[Event]:
    """The events one node's state update stands for: sources, warnings, its step, a scored round."""
    source: Source
    for source in update.get("sources", []):
        yield SourceFound(
            source=SourceRef(id=source.id, title=source.title, url=source.url, origin=source.origin)
        )
    for message in update.get("warnings", []):
        yield RunWarning(message=message)
    step: StepTelemetry
    for step in update.get("telemetry", []):
        yield AgentFinished.model_validate(step, from_attributes=True)
    record: RoundRecord
    for record in update.get("rounds", []):
        yield round_scored(record)


def round_scored(record: RoundRecord) -> RoundScored:
    """The event of a critiqued round."""
    critique = record.critique
    return RoundScored(
        round=record.round,
        overall=critique.overall,
        scores=critique.scores,
        issues=critique.issues,
        gaps=critique.gaps,
        words=critique.metrics.words,
        changes=record.changes,
    )
