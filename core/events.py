"""Typed events the core yields while a run goes; every front end renders the same stream."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from core.result import DraftResult, SourceRef
from core.state import AgentName, Issue, Outline, RubricScores

Question = Literal["outline", "feedback"]


class Pause(BaseModel):
    """What the run asks the person; ``outline`` is set for outline review."""

    question: Question
    round: int
    outline: Outline | None = None
    best_score: float | None = None


class RunStarted(BaseModel):
    """A run began (or resumed): its id, topic, model and round limit."""

    kind: Literal["run_started"] = "run_started"
    run_id: str
    topic: str
    backend: str
    model: str
    max_rounds: int


class AgentStarted(BaseModel):
    """An agent began its turn in a round."""

    kind: Literal["agent_started"] = "agent_started"
    agent: AgentName
    round: int


class TokenStreamed(BaseModel):
    """The working agent's model produced one more piece of text."""

    kind: Literal["token"] = "token"
    agent: AgentName
    round: int
    text: str
    call: str = ""  # the model call it belongs to (one id per call; "" when unknown)


class SectionDrafted(BaseModel):
    """The writer's model finished one section's text (before the writer's checks), so front ends
    can show it while the rest is written; ``call`` counts the writer's model calls in the round."""

    kind: Literal["section_drafted"] = "section_drafted"
    round: int
    call: int
    text: str


class AgentFinished(BaseModel):
    """An agent's turn ended: its time and tokens."""

    kind: Literal["agent_finished"] = "agent_finished"
    agent: AgentName
    round: int
    seconds: float
    prompt_tokens: int
    completion_tokens: int


class SourceFound(BaseModel):
    """Research added a numbered source."""

    kind: Literal["source_found"] = "source_found"
    source: SourceRef


class RoundScored(BaseModel):
    """The critic scored a round's draft."""

    kind: Literal["round_scored"] = "round_scored"
    round: int
    overall: float
    scores: RubricScores
    issues: list[Issue]
    gaps: list[str]
    words: int
    changes: list[str] = Field(default_factory=list, description="what the writer changed this round")


class RunWarning(BaseModel):
    """Something the run fell back on or could not do (e.g. a failed search); the run goes on."""

    kind: Literal["warning"] = "warning"
    message: str


class CpuBusy(BaseModel):
    """Tokens come far slower than this model managed before: other programs are using the CPU."""

    kind: Literal["cpu_busy"] = "cpu_busy"
    message: str
    tokens_per_second: float
    expected_tokens_per_second: float


class InputNeeded(BaseModel):
    """The run paused for the author (outline review or notes); answer with ``resume_draft``."""

    kind: Literal["input_needed"] = "input_needed"
    run_id: str
    pause: Pause


class Done(BaseModel):
    """The run ended with a result."""

    kind: Literal["done"] = "done"
    result: DraftResult


Event = (
    RunStarted
    | AgentStarted
    | TokenStreamed
    | SectionDrafted
    | AgentFinished
    | SourceFound
    | RoundScored
    | RunWarning
    | CpuBusy
    | InputNeeded
    | Done
)
